import type { Logger } from '../../log/index.js';
import type { SlackApi } from './slack-api.js';
import type { SlackReplyTarget } from './slack-target.js';

/** Only a slow answer needs an indicator; a fast one is its own. */
const showAfterMs = 400;
/** Slack drops a status after two minutes without a message; refresh a little before. */
const refreshEveryMs = 100_000;

/**
 * "is thinking…" under the thread (`assistant.threads.setStatus`, which takes `chat:write`), while
 * the model has said nothing yet. It is cosmetic: it never delays a post, is dropped when its
 * budget is spent, and needs no removal call, because Slack clears it when the bot posts in the
 * thread. A top-level DM has no thread to show it in and gets none.
 */
export class ThinkingStatus {
  #timer: NodeJS.Timeout | undefined;
  #posted = false;
  #shown = false;

  constructor(
    private readonly api: SlackApi,
    private readonly target: SlackReplyTarget,
    private readonly logger: Logger,
  ) {}

  show(): void {
    if (this.target.threadTs === undefined || this.#timer !== undefined || this.#posted) return;
    this.#timer = setTimeout(() => void this.#set(), showAfterMs);
    this.#timer.unref();
  }

  /** The answer's first message is out: Slack cleared the status, unless our call lands after it. */
  posted(): void {
    this.#posted = true;
    this.#stopTimer();
  }

  /** The answer ended; clear a status only if no post of ours cleared it (an abandoned answer). */
  async clear(): Promise<void> {
    this.#stopTimer();
    if (!this.#shown || this.#posted) return;
    this.#shown = false;
    await this.#call('');
  }

  async #set(): Promise<void> {
    if (this.#posted) return;
    const ok = await this.#call('is thinking…');
    if (!ok) return;
    this.#shown = true;
    // Landed after our first post: it would linger for two minutes, so take it back.
    if (this.#posted) {
      await this.#call('');
      return;
    }
    this.#timer = setTimeout(() => void this.#set(), refreshEveryMs);
    this.#timer.unref();
  }

  async #call(status: string): Promise<boolean> {
    try {
      await this.api.attempt('assistant.threads.setStatus', { channel_id: this.target.channel, thread_ts: this.target.threadTs, status });
      return true;
    } catch (error) {
      this.logger.debug('thinking status not set', { error });
      return false;
    }
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
