// Holding answers back until a test says so: the way to have a request provably in flight
// (for shutdown and cancellation tests) without guessing at timings.
import type { FakeHold } from './types.js';

export class HoldGate implements FakeHold {
  readonly #total: number;
  #remaining: number;
  #released = false;
  #arrived = 0;
  #waiting = 0;
  #openers: Array<() => void> = [];
  #watchers: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    count: number,
    readonly afterChunks: number | undefined,
  ) {
    this.#total = count;
    this.#remaining = count;
  }

  get waiting(): number {
    return this.#waiting;
  }

  /** Claims one of this gate's n requests; false once all are claimed. */
  claim(): boolean {
    if (this.#remaining === 0) return false;
    this.#remaining -= 1;
    return true;
  }

  release(): void {
    this.#released = true;
    for (const open of this.#openers.splice(0)) open();
  }

  reached(count = this.#total): Promise<void> {
    if (this.#arrived >= count) return Promise.resolve();
    return new Promise((resolve) => this.#watchers.push({ count, resolve }));
  }

  /** Waits for `release()`; rejects with `signal`'s reason (and stops counting as waiting) if it aborts first. */
  async wait(signal?: AbortSignal): Promise<void> {
    this.#arrived += 1;
    this.#watchers = this.#watchers.filter((w) => (this.#arrived >= w.count ? (w.resolve(), false) : true));
    if (this.#released) return;
    signal?.throwIfAborted();
    this.#waiting += 1;
    let open: (() => void) | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        open = resolve;
        this.#openers.push(resolve);
        onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('the client went away'));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      this.#waiting -= 1;
      this.#openers = this.#openers.filter((opener) => opener !== open);
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    }
  }
}
