/** Bounds on waiting for the model: an AbortSignal that fires after a quiet spell or a whole turn. */

/** `idle`: no answer byte for too long; `turn`: the whole reply ran too long. */
export type DeadlineKind = 'idle' | 'turn';

/** The abort reason of a deadline, so our own bound is never mistaken for the caller's cancellation. */
export class DeadlineExceededError extends Error {
  constructor(
    readonly kind: DeadlineKind,
    readonly ms: number,
  ) {
    super(kind === 'idle' ? `the model sent nothing for ${ms} ms` : `the turn ran past its ${ms} ms bound`);
    this.name = 'DeadlineExceededError';
  }
}

/** The timers a deadline uses; injected in tests. */
export interface Clock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  // A deadline alone must not keep the process alive: the work it bounds does that.
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Aborts its signal `ms` after it was made or last `restart()`ed (an idle bound restarts on each
 * sign of life; a turn bound never does). `clear()` stops it for good once the work is over.
 */
export class Deadline {
  readonly #controller = new AbortController();
  #timer: unknown;
  #cleared = false;

  constructor(
    readonly kind: DeadlineKind,
    readonly ms: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.restart();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  restart(): void {
    if (this.#cleared || this.expired) return;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#controller.abort(new DeadlineExceededError(this.kind, this.ms));
    }, this.ms);
  }

  clear(): void {
    this.#cleared = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Settles as `work` does, or rejects with the signal's reason as soon as it aborts (at once if it already has). */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  // Raced even when already aborted, so a later rejection of `work` is observed, never unhandled.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Iterates `stream`, calling `onItem` for each item (to restart an idle deadline); a pending
 * `next()` is abandoned the moment `signal` aborts, so the loop ends even if the stream never does.
 */
export async function* iterateUntilAborted<T>(stream: AsyncIterable<T>, signal: AbortSignal, onItem: () => void): AsyncGenerator<T> {
  const iterator = stream[Symbol.asyncIterator]();
  let done = false;
  let abandoned = false;
  try {
    for (;;) {
      const pending = iterator.next();
      abandoned = true;
      const next = await untilAborted(pending, signal);
      abandoned = false;
      if (next.done === true) {
        done = true;
        return;
      }
      onItem();
      yield next.value;
    }
  } finally {
    // As a for-await would, let the source clean up when we stop early; behind an abandoned
    // next() its return() may never settle, so then it is asked, not awaited.
    if (!done) {
      const closing = iterator.return?.().catch(() => undefined);
      if (!abandoned) await closing;
    }
  }
}
