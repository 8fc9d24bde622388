import type { ReplySink } from '../core/index.js';

export type ReplyOutcome = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string; readonly error: string };

/**
 * A ReplySink that gathers the whole answer for a JSON response or a background
 * task, and optionally forwards each delta (for SSE).
 */
export class CollectingReply implements ReplySink {
  #text = '';
  #settle!: (outcome: ReplyOutcome) => void;
  readonly done: Promise<ReplyOutcome> = new Promise((resolve) => {
    this.#settle = resolve;
  });

  constructor(private readonly onDelta?: (delta: string) => void) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  append(delta: string): void {
    this.#text += delta;
    this.onDelta?.(delta);
  }

  finish(): Promise<void> {
    this.#settle({ ok: true, text: this.#text });
    return Promise.resolve();
  }

  fail(userMessage: string): Promise<void> {
    this.#settle({ ok: false, text: this.#text, error: userMessage });
    return Promise.resolve();
  }
}
