// Slack's Web API rate limits as the fake enforces them: a window per method per workspace, sized by
// the method's tier, and chat.postMessage's "about one a second per channel, short bursts allowed".
// Over a limit Slack answers HTTP 429, `Retry-After` in whole seconds and `{ok:false,error:"ratelimited"}`
// (https://docs.slack.dev/apis/web-api/rate-limits). Tiers are per PLATFORM-NOTES (Slack) and each
// method's reference page. The window length is an option, so tests can run Slack's minute in seconds.
import type { Args } from './web-api.js';

/** Calls per window (Slack's "20+ per minute" is read as exactly 20: the least a bot can count on). */
export const slackTierLimits: Readonly<Record<string, number>> = {
  // Tier 2
  'chat.startStream': 20,
  'chat.stopStream': 20,
  'reactions.remove': 20,
  // Tier 3
  'reactions.add': 50,
  'chat.update': 50,
  'chat.delete': 50,
  'conversations.replies': 50,
  'conversations.history': 50,
  'users.conversations': 50,
  // Tier 4
  'chat.appendStream': 100,
  'users.info': 100,
  // "Special rate limits apply"; not published. Our assumption: generous, but not unlimited.
  'assistant.threads.setStatus': 600,
};

/** chat.postMessage per channel: a bucket of this many posts, refilled at one per (window / 60). */
export const postMessageBurst = 3;

export interface RateLimitSettings {
  /** Slack's minute; 0 turns every limit off. */
  readonly windowMs: number;
  /** Replaces a method's calls per window (tests that need one tier small). */
  readonly overrides?: Readonly<Record<string, number>>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Decides, per call, whether Slack would answer 429, and for how long. Rejected calls use no budget. */
export class RateLimiter {
  /** Accepted-call times per method, oldest first. */
  readonly #windows = new Map<string, number[]>();
  readonly #postBuckets = new Map<string, Bucket>();
  readonly rejected = new Map<string, number>();
  #settings: RateLimitSettings;

  constructor(settings: RateLimitSettings, private readonly now: () => number = Date.now) {
    this.#settings = settings;
  }

  configure(settings: RateLimitSettings): void {
    this.#settings = settings;
    this.#windows.clear();
    this.#postBuckets.clear();
  }

  /** Milliseconds until the call would be allowed, or 0 when it is allowed (and then counted). */
  admit(method: string, args: Args): number {
    const { windowMs } = this.#settings;
    if (windowMs <= 0) return 0;
    const wait = method === 'chat.postMessage' ? this.#admitPost(args) : this.#admitTiered(method);
    if (wait > 0) this.rejected.set(method, (this.rejected.get(method) ?? 0) + 1);
    return wait;
  }

  #admitTiered(method: string): number {
    const limit = this.#settings.overrides?.[method] ?? slackTierLimits[method];
    if (limit === undefined) return 0;
    const now = this.now();
    const windowMs = this.#settings.windowMs;
    const calls = (this.#windows.get(method) ?? []).filter((at) => now - at < windowMs);
    this.#windows.set(method, calls);
    if (calls.length >= limit) return calls.length === 0 ? windowMs : (calls[0] as number) + windowMs - now;
    calls.push(now);
    return 0;
  }

  #admitPost(args: Args): number {
    const channel = typeof args.channel === 'string' ? args.channel : '';
    const now = this.now();
    const refillMs = this.#settings.windowMs / 60;
    const burst = this.#settings.overrides?.['chat.postMessage'] ?? postMessageBurst;
    const bucket = this.#postBuckets.get(channel) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / refillMs);
    bucket.at = now;
    this.#postBuckets.set(channel, bucket);
    if (bucket.tokens < 1) return Math.ceil((1 - bucket.tokens) * refillMs);
    bucket.tokens -= 1;
    return 0;
  }
}

/** Slack's Retry-After is whole seconds, at least 1. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
