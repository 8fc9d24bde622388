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
   * Takes a message for this session, atomically on the platform where it can
   * (another session of the bot may be catching up at the same time).
   */
  readonly claim?: (message: InboundMessage) => Promise<boolean>;
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

/**
 * Answers what was missed while the bot was away: the platform decides what
 * is unanswered (from the platform itself, so no database is needed and a
 * restart changes nothing); this answers it oldest first, marked late, within
 * the per-run bound. One run at a time.
 */
export class CatchUp {
  readonly status: CatchUpStatus = { last_run_at: null, last_reason: null, runs: 0, found: 0, answered: 0, skipped: 0, too_old: 0 };
  #running: Promise<void> | undefined;

  constructor(private readonly options: CatchUpOptions) {}

  run(reason: string): Promise<void> {
    if (this.options.windowMs <= 0) return Promise.resolve();
    this.#running ??= this.#run(reason).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(reason: string): Promise<void> {
    const startedAt = Date.now();
    try {
      const sinceMs = startedAt - this.options.windowMs;
      const scan = await this.options.scan(sinceMs - this.options.windowMs);
      const inWindow = scan.unanswered.filter((message) => message.sentAt >= sinceMs);
      // Unanswered messages seen just before the window are left alone, counted.
      const tooOld = scan.unanswered.length - inWindow.length;
      const ordered = inWindow.sort((a, b) => a.sentAt - b.sentAt);
      const chosen = ordered.slice(0, this.options.maxMessages);
      let answered = 0;
      for (const message of chosen) {
        if (this.options.bridge.hasSeen(message.platform, message.messageId)) continue;
        if (this.options.claim !== undefined && !(await this.options.claim(message))) continue;
        if (this.options.bridge.submit({ ...message, late: true }, this.options.channel) === 'accepted') answered += 1;
      }
      this.#record(reason, startedAt, { found: ordered.length, answered, skipped: ordered.length - chosen.length, tooOld });
      this.options.logger.info('catch-up finished', { reason, found: ordered.length, answered, skipped: ordered.length - chosen.length, tooOld, conversationsRead: scan.conversationsRead, durationMs: Date.now() - startedAt });
    } catch (error) {
      this.options.logger.warn('catch-up failed', { reason, error });
      this.#record(reason, startedAt, { found: 0, answered: 0, skipped: 0, tooOld: 0 });
    }
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
 * Which requests in a conversation's timeline have no answer: the bot answers
 * a conversation in order, so each run of its messages answers the oldest
 * request still open before it (a long answer split over messages counts once).
 */
export function unansweredInOrder<T extends { readonly kind: 'request' | 'answer' }>(timeline: readonly T[]): T[] {
  const open: T[] = [];
  let previous: 'request' | 'answer' | undefined;
  for (const item of timeline) {
    if (item.kind === 'request') open.push(item);
    else if (previous !== 'answer') open.shift();
    previous = item.kind;
  }
  return open;
}
