import { BridgeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { splitMessage } from './split-message.js';
import type { ReplySink } from './types.js';

/** What a platform needs for post-then-edit streaming. */
export interface MessageWriter<Id> {
  /** Posts a new message of the answer; `part` counts them from 0; `final`: this is the message's whole text. */
  post(text: string, info: PostInfo): Promise<Id>;
  edit(id: Id, text: string): Promise<void>;
  /**
   * Optional: completes a message with its final text (a stream is stopped here); it replaces the
   * last edit, so a platform can carry the rest of the text in the completing call.
   */
  finish?(id: Id, text: string): Promise<void>;
}

export interface PostInfo {
  readonly part: number;
  readonly final: boolean;
}

/** A write that cannot happen now (a rate limit): not a failure; it is tried again after `retryAfterMs`. */
export class WriteDeferredError extends BridgeError {
  constructor(readonly retryAfterMs: number, message = `write deferred for ${retryAfterMs} ms`) {
    super('write_deferred', message);
  }
}

export interface StreamedReplyOptions<Id> {
  readonly writer: MessageWriter<Id>;
  /** Longest message the platform accepts, measured on the text before `format`. */
  readonly maxLength: number;
  /** Minimum time between edits of one message (platform rate limits). */
  readonly editIntervalMs: number;
  /** Converts model markdown to the platform's markup. */
  readonly format?: (markdown: string) => string;
  /** Shows that the bot is working (reaction, typing). */
  readonly showWorking?: () => Promise<void>;
  /** Clears what showWorking did. */
  readonly clearWorking?: () => Promise<void>;
  readonly logger: Logger;
  /** How long a write that must land (a message's final text) keeps being retried. Default 2 minutes. */
  readonly landWithinMs?: number;
  readonly now?: () => number;
}

/**
 * `open`: taking text; `closing`: the final writes are under way; `closed`: done; `abandoned`:
 * another session of the bot answers this message, so nothing more is written.
 */
export type StreamedReplyState = 'open' | 'closing' | 'closed' | 'abandoned';

const transitions: Readonly<Record<StreamedReplyState, readonly StreamedReplyState[]>> = {
  open: ['closing', 'abandoned'],
  closing: ['closed', 'abandoned'],
  closed: [],
  abandoned: [],
};

/** Retries of a write that must land and failed for a reason other than a rate limit. */
const failedWriteRetriesMs = [500, 2000];

/**
 * A ReplySink that streams by posting the answer early and editing it at most once per interval,
 * only when the text changed; answers longer than one message continue in follow-up messages.
 * Platform failures never reach the core. A rate-limited edit is simply tried later; a message's
 * final text must land: it is retried, and if its message cannot be written any more, the text
 * not yet shown continues in a new message, so an answer is never silently cut.
 */
export class StreamedReply<Id> implements ReplySink {
  #state: StreamedReplyState = 'open';
  #text = '';
  /** Source index up to which earlier messages hold the answer. */
  #frozenOffset = 0;
  /** Prefix of the current message (a code fence reopened after a split). */
  #carry = '';
  #part = 0;
  #currentId: Id | undefined;
  /** What the current message shows, formatted, and the source text it came from. */
  #shown = '';
  #shownSource = '';
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #deferredUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #working: Promise<void> = Promise.resolve();
  readonly #now: () => number;

  constructor(private readonly options: StreamedReplyOptions<Id>) {
    this.#now = options.now ?? Date.now;
  }

  get state(): StreamedReplyState {
    return this.#state;
  }

  /** Starts the working indicator without waiting for it: it must not delay the model call. */
  start(): Promise<void> {
    this.#working = this.#safely('show working', () => this.options.showWorking?.());
    return Promise.resolve();
  }

  append(delta: string): void {
    if (this.#state !== 'open' || delta === '') return;
    this.#text += delta;
    this.#schedule();
  }

  finish(): Promise<void> {
    return this.#close();
  }

  fail(userMessage: string): Promise<void> {
    if (this.#state === 'open') this.#text += `${this.#text.trim() === '' ? '' : '\n\n'}${userMessage}`;
    return this.#close();
  }

  /** Asked twice, it returns the same promise. */
  #close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#become('closing');
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#enqueue(true);
      await this.#writing;
      // Clearing before the indicator landed would leave it behind.
      await this.#working;
      await this.#safely('clear working', () => this.options.clearWorking?.());
      this.#become('closed');
    })();
    return this.#closing;
  }

  /** A method, not a field read: writes in flight can change the state under a narrowed check. */
  #abandoned(): boolean {
    return this.#state === 'abandoned';
  }

  #become(next: StreamedReplyState): void {
    if (transitions[this.#state].includes(next)) this.#state = next;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#state !== 'open') return;
    const now = this.#now();
    const wait = Math.max(0, this.#lastWriteAt + this.options.editIntervalMs - now, this.#deferredUntil - now);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueue(false);
    }, wait);
    this.#timer.unref();
  }

  #enqueue(final: boolean): void {
    this.#writing = this.#writing.then(() => this.#write(final));
  }

  async #write(final: boolean): Promise<void> {
    let pending = this.#carry + this.#text.slice(this.#frozenOffset);
    for (let split = splitMessage(pending, this.options.maxLength); split !== null; split = splitMessage(pending, this.options.maxLength)) {
      await this.#show(split.head, true);
      if (this.#abandoned()) return;
      this.#frozenOffset += split.restStart - this.#carry.length;
      this.#carry = split.reopen;
      this.#currentId = undefined;
      this.#shown = '';
      this.#shownSource = '';
      this.#part += 1;
      pending = this.#carry + this.#text.slice(this.#frozenOffset);
    }
    if (pending.trim() !== '' || (final && this.#currentId !== undefined)) await this.#show(pending, final);
  }

  /** Writes `text` into the current message: posts it first, edits (or, when complete, finishes) it after. */
  async #show(text: string, complete: boolean): Promise<void> {
    if (this.#abandoned()) return;
    const formatted = this.#format(text);
    const id = this.#currentId;
    const writer = this.options.writer;
    const finishes = writer.finish !== undefined;
    if (id !== undefined && formatted === this.#shown && !(complete && finishes)) return;
    this.#lastWriteAt = this.#now();
    const part = this.#part;
    let landed: boolean;
    if (id === undefined) {
      const posted = await this.#land('post', () => writer.post(formatted, { part, final: complete }), complete);
      landed = posted !== undefined;
      if (posted !== undefined) this.#currentId = posted.value;
    } else if (complete && finishes) {
      landed = (await this.#land('finish', async () => writer.finish?.(id, formatted), true)) !== undefined;
    } else {
      landed = (await this.#land('edit', () => writer.edit(id, formatted), complete)) !== undefined;
    }
    if (landed) {
      this.#shown = formatted;
      this.#shownSource = text;
    } else if (complete && !this.#abandoned()) {
      if (id === undefined) this.options.logger.error('part of an answer could not be written', { chars: text.length });
      else await this.#continueInNewMessage(text);
    }
  }

  /** The current message cannot be written any more: what it does not show yet goes into a new one. */
  async #continueInNewMessage(text: string): Promise<void> {
    const rest = text.startsWith(this.#shownSource) ? text.slice(this.#shownSource.length).trimStart() : text;
    this.#part += 1;
    this.#currentId = undefined;
    if (rest === '') return;
    this.options.logger.warn('could not complete a message of the answer; continuing in a new one', { part: this.#part });
    const part = this.#part;
    const posted = await this.#land('post', () => this.options.writer.post(this.#format(rest), { part, final: true }), true);
    if (posted === undefined) this.options.logger.error('part of an answer could not be written', { chars: rest.length });
    else this.#currentId = posted.value;
  }

  /**
   * Runs one write. Undefined when it did not land: deferred (only a write that must land waits
   * for it), abandoned, or failed (a must-land write is retried a few times first).
   */
  async #land<T>(step: string, write: () => Promise<T>, mustLand: boolean): Promise<{ value: T } | undefined> {
    const deadline = this.#now() + (this.options.landWithinMs ?? 120_000);
    let failures = 0;
    for (;;) {
      try {
        return { value: await write() };
      } catch (error) {
        if (error instanceof BridgeError && error.code === 'reply_taken') {
          this.#become('abandoned');
          this.options.logger.info('another session is answering this message; leaving it', { step, reason: error.message });
          return undefined;
        }
        let waitMs: number;
        if (error instanceof WriteDeferredError) {
          if (!mustLand) {
            this.#deferredUntil = this.#now() + error.retryAfterMs;
            this.#schedule();
            return undefined;
          }
          waitMs = error.retryAfterMs;
        } else {
          this.options.logger.warn('reply write failed', { step, error });
          const retryMs = failedWriteRetriesMs[failures];
          failures += 1;
          if (!mustLand || retryMs === undefined) return undefined;
          waitMs = retryMs;
        }
        if (this.#now() + waitMs > deadline) {
          this.options.logger.warn('reply write did not land in time', { step, waitMs });
          return undefined;
        }
        await new Promise<void>((resolve) => setTimeout(resolve, Math.max(10, waitMs)).unref());
      }
    }
  }

  #format(text: string): string {
    const format = this.options.format;
    if (format === undefined) return text;
    try {
      return format(text);
    } catch (error) {
      // Unformatted text beats a lost answer.
      this.options.logger.warn('could not format the answer; sending it as written', { error });
      return text;
    }
  }

  async #safely(what: string, fn: () => Promise<void> | undefined): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.options.logger.debug(`${what} failed`, { error });
    }
  }
}
