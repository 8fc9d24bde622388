/**
 * One FIFO per conversation key, so a conversation's turns are answered in
 * order, while different conversations run concurrently under a global limit.
 * Idle keys are removed as soon as their last job ends, so memory follows load.
 */
export type QueueJob = () => Promise<void>;

/** `conversation_full`: that key has `maxPerKey` waiting; `queue_full`: all keys together have `maxTotal`. */
export type PushOutcome = 'queued' | 'conversation_full' | 'queue_full';

interface KeyQueue {
  readonly jobs: QueueJob[];
  running: boolean;
}

export class ConversationQueue {
  readonly #queues = new Map<string, KeyQueue>();
  /** Keys with a job waiting for a global slot, in the order they became ready. */
  readonly #ready: string[] = [];
  #running = 0;
  #pending = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxPerKey: number,
    /** Jobs waiting across every key (running ones are bounded by `concurrency`). */
    private readonly maxTotal = Number.POSITIVE_INFINITY,
  ) {}

  /** Queues a job unless its conversation, or the whole queue, already has as many waiting as allowed. */
  push(key: string, job: QueueJob): PushOutcome {
    let queue = this.#queues.get(key);
    if ((queue?.jobs.length ?? 0) >= this.maxPerKey) return 'conversation_full';
    // A job that can start at once never waits, so it does not count against the total.
    const waits = this.#running >= this.concurrency || queue?.running === true;
    if (waits && this.#pending >= this.maxTotal) return 'queue_full';
    if (queue === undefined) {
      queue = { jobs: [], running: false };
      this.#queues.set(key, queue);
    }
    queue.jobs.push(job);
    this.#pending += 1;
    if (!queue.running && queue.jobs.length === 1) this.#ready.push(key);
    this.#pump();
    return 'queued';
  }

  /** Jobs waiting for their turn, across all conversations. */
  get waiting(): number {
    return this.#pending;
  }

  /** Jobs queued or running. */
  get size(): number {
    return this.#pending + this.#running;
  }

  get running(): number {
    return this.#running;
  }

  /** Removes every job not yet started and returns them (for shutdown). */
  takePending(): QueueJob[] {
    const taken: QueueJob[] = [];
    for (const [key, queue] of this.#queues) {
      taken.push(...queue.jobs.splice(0));
      if (!queue.running) this.#queues.delete(key);
    }
    this.#ready.length = 0;
    this.#pending = 0;
    this.#notifyIfIdle();
    return taken;
  }

  /** Resolves when nothing is queued or running. */
  onIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (this.#running < this.concurrency && this.#ready.length > 0) {
      const key = this.#ready.shift() as string;
      const queue = this.#queues.get(key);
      const job = queue?.jobs.shift();
      if (queue === undefined || job === undefined) continue;
      this.#pending -= 1;
      this.#running += 1;
      queue.running = true;
      void this.#run(key, queue, job);
    }
  }

  async #run(key: string, queue: KeyQueue, job: QueueJob): Promise<void> {
    try {
      await job();
    } catch {
      // Jobs own their error handling; a throw here must not stall the conversation.
    } finally {
      this.#running -= 1;
      queue.running = false;
      if (queue.jobs.length > 0) this.#ready.push(key);
      else this.#queues.delete(key);
      this.#pump();
      this.#notifyIfIdle();
    }
  }

  #notifyIfIdle(): void {
    if (this.size !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
