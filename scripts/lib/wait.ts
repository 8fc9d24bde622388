// Polling for the scripts: how often and how long (DEPLOY_POLL_INTERVAL_MS, DEPLOY_TIMEOUT_MS),
// and the loop that waits for AWS to reach a state.
import { CliError } from './cli.js';
import type { Env } from './cli.js';

export interface WaitOptions {
  /** Between two checks. */
  readonly pollMs: number;
  /** Give up after this long; Infinity waits for ever. */
  readonly timeoutMs: number;
}

/** DEPLOY_POLL_INTERVAL_MS (default 5 s) and DEPLOY_TIMEOUT_MS (default 15 min). */
export function waitOptionsFromEnv(env: Env): WaitOptions {
  return { pollMs: Number(env.DEPLOY_POLL_INTERVAL_MS ?? 5000), timeoutMs: Number(env.DEPLOY_TIMEOUT_MS ?? 900_000) };
}

/** Calls `done` every pollMs until it returns true (or throws); a CliError naming `what` after timeoutMs. */
export async function until(options: WaitOptions, what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new CliError(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(options.pollMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
