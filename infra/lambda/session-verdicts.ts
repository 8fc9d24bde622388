// What the controller concludes from a bot's answer: a successor ready to be handed over to (or
// one that never will be), a current session whose platforms are all up again, and when a session
// reporting Unhealthy may be replaced again after a replacement that did not help.
import type { BotAnswer } from './runtime-client.js';
import type { UnhealthyBackoff } from './rotation-state.js';

const platformNames = ['slack', 'discord'] as const;

/**
 * Ready to be handed over to: Slack connected (or off), Discord held back (or off). A Slack still
 * `connecting` (an outage the current session suffers too) is not ready: a successor no better
 * than the current one must not replace it, so it is polled until the standby timeout.
 */
export function standbyReady(answer: BotAnswer): boolean {
  const platforms = answer.platforms ?? {};
  return answer.role === 'standby'
    && ['connected', 'disabled'].includes(String(platforms.slack))
    && ['standby', 'disabled'].includes(String(platforms.discord));
}

/**
 * Why a successor in standby will never get ready, or undefined while it still may: a platform
 * `failed` there is a rejected credential (the successor read the secret as it is now), which no
 * amount of waiting fixes.
 */
export function standbyHopeless(answer: BotAnswer): string | undefined {
  const failed = platformNames.filter((name) => answer.platforms?.[name] === 'failed');
  if (failed.length === 0) return undefined;
  return `the successor's ${failed.join(' and ')} failed too (a rejected token; update the secret)`;
}

/** Every platform connected or not configured: whatever made a session Unhealthy is over. */
export function allPlatformsUp(answer: BotAnswer): boolean {
  return platformNames.every((name) => ['connected', 'disabled'].includes(String(answer.platforms?.[name])));
}

/**
 * The schedule's runs are not exactly its period apart (EventBridge, the run's own length), so a
 * run this close to the end of a backoff counts as after it: a 5-minute wait means the next run,
 * not the one after.
 */
export const SCHEDULE_SLACK_MS = 60_000;

/** Whether an Unhealthy current session may be replaced now. */
export function unhealthyRotationDue(backoff: UnhealthyBackoff | undefined, now: number): boolean {
  return backoff === undefined || now >= backoff.notBefore - SCHEDULE_SLACK_MS;
}

/**
 * Recorded as an unhealthy rotation starts, and kept until a keepalive finds every platform up:
 * so a successor that was abandoned, or took over and is no better, makes the next attempt wait
 * the next step (5, 15, then 60 minutes by default). Each attempt costs a session start and,
 * once taken over, a Discord IDENTIFY (1,000 a day); a rejected token waits for the operator.
 */
export function backoffAfterAttempt(previous: UnhealthyBackoff | undefined, now: number, stepsMs: readonly number[]): UnhealthyBackoff {
  const attempts = (previous?.attempts ?? 0) + 1;
  const waitMs = stepsMs[Math.min(attempts, stepsMs.length) - 1] ?? 0;
  return { attempts, lastAttemptAt: now, notBefore: now + waitMs };
}
