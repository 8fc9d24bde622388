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

  async wait(): Promise<void> {
    this.#arrived += 1;
    this.#watchers = this.#watchers.filter((w) => (this.#arrived >= w.count ? (w.resolve(), false) : true));
    if (this.#released) return;
    this.#waiting += 1;
    try {
      await new Promise<void>((resolve) => this.#openers.push(resolve));
    } finally {
      this.#waiting -= 1;
    }
  }
}
