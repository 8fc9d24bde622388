import { randomUUID } from 'node:crypto';
import { describeError } from '../core/index.js';
import type { ReplyOutcome } from './collecting-reply.js';

export type TaskState = 'running' | 'completed' | 'failed';

export interface TaskRecord {
  readonly taskId: string;
  state: TaskState;
  readonly startedAt: number;
  finishedAt?: number;
  result?: string;
  error?: string;
}

export interface TaskRetention {
  /** How long a finished task stays answerable by check_status. */
  readonly ttlMs: number;
  /** How many finished tasks are kept at most (oldest dropped first). */
  readonly maxFinished: number;
}

/** Background agent runs started by `start_task`, kept a bounded time once finished. */
export class TaskRegistry {
  readonly #tasks = new Map<string, TaskRecord>();

  constructor(private readonly retention: TaskRetention = { ttlMs: 60 * 60_000, maxFinished: 500 }) {}

  /** Registers a task; returns the existing record when the id is already known. */
  start(taskId: string | undefined, run: () => Promise<ReplyOutcome>): { record: TaskRecord; created: boolean } {
    this.#sweep();
    const id = taskId ?? randomUUID();
    const existing = this.#tasks.get(id);
    if (existing !== undefined) return { record: existing, created: false };
    const record: TaskRecord = { taskId: id, state: 'running', startedAt: Date.now() };
    this.#tasks.set(id, record);
    void run().then(
      (outcome) => this.#settle(record, outcome),
      (error: unknown) => this.#settle(record, { ok: false, text: '', error: describeError(error) }),
    );
    return { record, created: true };
  }

  get(taskId: string): TaskRecord | undefined {
    this.#sweep();
    return this.#tasks.get(taskId);
  }

  counts(): { running: number; finished: number } {
    let running = 0;
    for (const task of this.#tasks.values()) if (task.state === 'running') running += 1;
    return { running, finished: this.#tasks.size - running };
  }

  #settle(record: TaskRecord, outcome: ReplyOutcome): void {
    record.finishedAt = Date.now();
    if (outcome.ok) {
      record.state = 'completed';
      record.result = outcome.text;
    } else {
      record.state = 'failed';
      record.error = outcome.error;
      if (outcome.text !== '') record.result = outcome.text;
    }
  }

  #sweep(): void {
    const now = Date.now();
    const finished: TaskRecord[] = [];
    for (const task of this.#tasks.values()) {
      if (task.finishedAt === undefined) continue;
      if (now - task.finishedAt > this.retention.ttlMs) this.#tasks.delete(task.taskId);
      else finished.push(task);
    }
    for (const task of finished.slice(0, Math.max(0, finished.length - this.retention.maxFinished))) this.#tasks.delete(task.taskId);
  }
}
