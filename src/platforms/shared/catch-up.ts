import type { Bridge, InboundMessage, ReplyChannel } from '../../core/index.js';
import type { Logger } from '../../log/index.js';

/**
 * What a platform scan found: unanswered messages addressed to the bot since
 * the time it was asked to read from (oldest first within a conversation).
 */
export interface CatchUpScan {
  readonly unanswered: InboundMessage[];
  readonly conversationsRead: number;
}

export interface CatchUpOptions {
  readonly windowMs: number;
  readonly maxMessages: number;
  readonly bridge: Bridge;
  readonly channel: ReplyChannel;
  readonly logger: Logger;
  /**
   * Reads the platform for unanswered messages sent since `readFromMs`: one
   * window before the catch-up window, so what is just too old can be counted.
   */
  readonly scan: (readFromMs: number) => Promise<CatchUpScan>;
  /**
   * Optional last check before a message is submitted (e.g. Discord reads the channel again); the
   * platform's reply may claim the message atomically itself.
   */
  readonly claim?: (message: InboundMessage) => Promise<boolean>;
  /**
   * Messages younger than this at a scan are left to a second pass this long later: another session
   * that got them live has had no time to post its answer yet.
   */
  readonly settleMs?: number;
  readonly now?: () => number;
}

export interface CatchUpStatus {
  last_run_at: string | null;
  last_reason: string | null;
  runs: number;
  found: number;
  answered: number;
  skipped: number;
  too_old: number;
}

/** `idle`; `running`; `rerun`: running, and asked again meanwhile, so it runs once more after. */
export type CatchUpState = 'idle' | 'running' | 'rerun';

/**
 * Answers what was missed while the bot was away: the platform decides what
 * is unanswered (from the platform itself, so no database is needed and a
 * restart changes nothing); this answers it oldest first, marked late, within
 * the per-run bound. One run at a time: a request while one runs (a newer gap)
 * runs again after it rather than joining it.
 */
export class CatchUp {
  readonly status: CatchUpStatus = { last_run_at: null, last_reason: null, runs: 0, found: 0, answered: 0, skipped: 0, too_old: 0 };
  #state: CatchUpState = 'idle';
  #again: string | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #current: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(private readonly options: CatchUpOptions) {
    this.#now = options.now ?? Date.now;
  }

  get state(): CatchUpState {
    return this.#state;
  }

  /** Resolves when the run this request belongs to (or the one after it) is done. */
  run(reason: string): Promise<void> {
    if (this.options.windowMs <= 0) return Promise.resolve();
    if (this.#state !== 'idle') {
      this.#state = 'rerun';
      this.#again = reason;
      return this.#current.then(() => this.#current);
    }
    this.#state = 'running';
    this.#current = this.#loop(reason);
    return this.#current;
  }

  /** Stops a pending settle pass (the platform is stopping). */
  stop(): void {
    clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
  }

  async #loop(first: string): Promise<void> {
    let reason: string | undefined = first;
    while (reason !== undefined) {
      await this.#once(reason);
      if (this.#state === 'rerun') {
        reason = this.#again ?? 'asked again';
        this.#again = undefined;
        this.#state = 'running';
      } else {
        reason = undefined;
      }
    }
    this.#state = 'idle';
  }

  async #once(reason: string): Promise<void> {
    const startedAt = this.#now();
    try {
      const sinceMs = startedAt - this.options.windowMs;
      const scan = await this.options.scan(sinceMs - this.options.windowMs);
      const inWindow = scan.unanswered.filter((message) => message.sentAt >= sinceMs);
      // Unanswered messages seen just before the window are left alone, counted.
      const tooOld = scan.unanswered.length - inWindow.length;
      const settleMs = this.options.settleMs ?? 0;
      const young = inWindow.filter((message) => message.sentAt > startedAt - settleMs);
      const ordered = inWindow.filter((message) => message.sentAt <= startedAt - settleMs).sort((a, b) => a.sentAt - b.sentAt);
      if (young.length > 0) this.#settleLater(settleMs);
      const chosen = ordered.slice(0, this.options.maxMessages);
      let answered = 0;
      for (const message of chosen) if (await this.#submit(message)) answered += 1;
      const counts = { found: ordered.length, answered, skipped: ordered.length - chosen.length, tooOld };
      this.#record(reason, startedAt, counts);
      this.options.logger.info('catch-up finished', { reason, ...counts, settling: young.length, conversationsRead: scan.conversationsRead, durationMs: this.#now() - startedAt });
    } catch (error) {
      this.options.logger.warn('catch-up failed', { reason, error });
      this.#record(reason, startedAt, { found: 0, answered: 0, skipped: 0, tooOld: 0 });
    }
  }

  /** Submitted through the bridge, which dedupes: a message also delivered live is answered once, and counted only here if taken here. */
  async #submit(message: InboundMessage): Promise<boolean> {
    const { bridge, claim, channel } = this.options;
    if (bridge.hasSeen(message.platform, message.messageId)) return false;
    if (claim !== undefined && !(await claim(message))) return false;
    return bridge.submit({ ...message, late: true }, channel) === 'accepted';
  }

  #settleLater(settleMs: number): void {
    if (this.#settleTimer !== undefined) return;
    this.#settleTimer = setTimeout(() => {
      this.#settleTimer = undefined;
      void this.run('settled');
    }, settleMs + 500);
    this.#settleTimer.unref();
  }

  #record(reason: string, at: number, counts: { found: number; answered: number; skipped: number; tooOld: number }): void {
    this.status.last_run_at = new Date(at).toISOString();
    this.status.last_reason = reason;
    this.status.runs += 1;
    this.status.found += counts.found;
    this.status.answered += counts.answered;
    this.status.skipped += counts.skipped;
    this.status.too_old += counts.tooOld;
  }
}

/**
 * Which requests in a conversation's timeline have no answer. An answer that names the request
 * it answers (Slack message metadata) settles that request; for answers that name none (written
 * before answers carried it, or a stream still under way) the bot is taken to answer in order:
 * each run of such messages answers the oldest request still open before it.
 */
export function unansweredInOrder<T extends { readonly kind: 'request' | 'answer'; readonly id?: string; readonly answers?: string }>(timeline: readonly T[]): T[] {
  const named = new Set(timeline.flatMap((item) => (item.kind === 'answer' && item.answers !== undefined ? [item.answers] : [])));
  const open: T[] = [];
  let previous: 'request' | 'answer' | undefined;
  for (const item of timeline) {
    // Named answers, and the requests they settle, take no part in the in-order reading.
    if (item.kind === 'answer' ? item.answers !== undefined : item.id !== undefined && named.has(item.id)) continue;
    if (item.kind === 'request') open.push(item);
    else if (previous !== 'answer') open.shift();
    previous = item.kind;
  }
  return open;
}
