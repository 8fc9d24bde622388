import { setTimeout as delay } from 'node:timers/promises';

/**
 * How long to wait before retry number `attempt` (0 for the first retry) of something that failed
 * for a passing reason: doubling from `baseMs`, capped at `capMs`, half of it random so that many
 * bots (or platforms) recovering from one outage do not all retry in step.
 */
export function backoffDelayMs(attempt: number, options: { readonly baseMs?: number; readonly capMs?: number } = {}, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs ?? 60_000, (options.baseMs ?? 1000) * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface KeepTryingOptions {
  /** A failure no retry fixes (a rejected credential): thrown at once. */
  readonly isFinal: (error: unknown) => boolean;
  /** Told before each wait. */
  readonly onRetry: (error: unknown, delayMs: number, attempt: number) => void;
  /** Ends the retries (stopping); the last error is thrown. */
  readonly signal: AbortSignal;
  readonly backoff?: { readonly baseMs?: number; readonly capMs?: number };
  readonly random?: () => number;
}

/** Runs `attempt` until it succeeds, fails for good, or is stopped; between failures, backoffDelayMs. */
export async function keepTrying<T>(attempt: () => Promise<T>, options: KeepTryingOptions): Promise<T> {
  for (let failures = 0; ; failures += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (options.isFinal(error) || options.signal.aborted) throw error;
      const delayMs = backoffDelayMs(failures, options.backoff, options.random);
      options.onRetry(error, delayMs, failures + 1);
      await delay(delayMs, undefined, { signal: options.signal }).catch(() => undefined);
      if (options.signal.aborted) throw error;
    }
  }
}
