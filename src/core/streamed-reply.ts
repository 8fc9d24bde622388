import { BridgeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { splitMessage } from './split-message.js';
import type { ReplySink } from './types.js';

/** The two calls a platform needs for post-then-edit streaming. */
export interface MessageWriter<Id> {
  post(text: string): Promise<Id>;
  edit(id: Id, text: string): Promise<void>;
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
}

/**
 * A ReplySink that streams by posting the answer early and editing it at most
 * once per interval, only when the text changed; answers longer than one
 * message continue in follow-up messages. Platform failures are logged, never
 * thrown, so a failed edit cannot lose the rest of the answer.
 */
export class StreamedReply<Id> implements ReplySink {
  #text = '';
  /** Source index up to which earlier messages hold the answer. */
  #frozenOffset = 0;
  /** Prefix of the current message (a code fence reopened after a split). */
  #carry = '';
  #currentId: Id | undefined;
  #currentShown = '';
  #lastWriteAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #abandoned = false;
  #working: Promise<void> = Promise.resolve();

  constructor(private readonly options: StreamedReplyOptions<Id>) {}

  /** Starts the working indicator without waiting for it: it must not delay the model call. */
  start(): Promise<void> {
    this.#working = this.#guard('show working', () => this.options.showWorking?.()).then(() => undefined);
    return Promise.resolve();
  }

  append(delta: string): void {
    if (this.#closed || delta === '') return;
    this.#text += delta;
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastWriteAt + this.options.editIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueueWrite();
    }, wait);
    this.#timer.unref();
  }

  async finish(): Promise<void> {
    await this.#close();
  }

  async fail(userMessage: string): Promise<void> {
    const separator = this.#text.trim() === '' ? '' : '\n\n';
    this.#text += `${separator}${userMessage}`;
    await this.#close();
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#enqueueWrite();
    await this.#writing;
    // Clearing before the indicator landed would leave it behind.
    await this.#working;
    await this.#guard('clear working', () => this.options.clearWorking?.());
  }

  #enqueueWrite(): void {
    this.#writing = this.#writing.then(() => this.#write());
  }

  async #write(): Promise<void> {
    let pending = this.#carry + this.#text.slice(this.#frozenOffset);
    for (let split = splitMessage(pending, this.options.maxLength); split !== null; split = splitMessage(pending, this.options.maxLength)) {
      await this.#show(split.head);
      this.#frozenOffset += split.restStart - this.#carry.length;
      this.#carry = split.reopen;
      this.#currentId = undefined;
      this.#currentShown = '';
      pending = this.#carry + this.#text.slice(this.#frozenOffset);
    }
    if (pending.trim() !== '') await this.#show(pending);
  }

  /** Writes `text` into the current message: posts it first, edits it after. */
  async #show(text: string): Promise<void> {
    const formatted = this.options.format?.(text) ?? text;
    if (formatted === this.#currentShown) return;
    this.#lastWriteAt = Date.now();
    const currentId = this.#currentId;
    if (currentId === undefined) {
      const id = await this.#guard('post', () => this.options.writer.post(formatted));
      if (id === undefined) return;
      this.#currentId = id;
    } else {
      const ok = await this.#guard('edit', async () => {
        await this.options.writer.edit(currentId, formatted);
        return true;
      });
      if (ok !== true) return;
    }
    this.#currentShown = formatted;
  }

  async #guard<T>(what: string, fn: () => Promise<T> | undefined): Promise<T | undefined> {
    if (this.#abandoned) return undefined;
    try {
      return await fn();
    } catch (error) {
      if (error instanceof BridgeError && error.code === 'reply_taken') {
        // Another session of the bot is answering this message: leave the answer to it.
        this.#abandoned = true;
        this.options.logger.info('another session is answering this message; leaving it', { step: what });
        return undefined;
      }
      this.options.logger.warn('reply write failed', { step: what, error });
      return undefined;
    }
  }
}
