/**
 * What this bot may still spend on each Slack Web API method, from Slack's published tiers and from
 * the 429s it actually gets. Slack limits each method per workspace per app, per minute; the tier
 * figures are minimums ("20+ per minute"), so they are the budget, and a 429's Retry-After closes a
 * method until then (another session of the bot shares the workspace's budget).
 */

/** Calls per window by method (tier 2: 20, tier 3: 50, tier 4: 100). Unlisted methods are not budgeted. */
export const slackMethodLimits: Readonly<Record<string, number>> = {
  'chat.startStream': 20,
  'chat.stopStream': 20,
  'reactions.remove': 20,
  'reactions.add': 50,
  'chat.update': 50,
  'conversations.replies': 50,
  'conversations.history': 50,
  'users.conversations': 50,
  'chat.appendStream': 100,
  'users.info': 100,
  // Slack says "special rate limits apply" and publishes none; this is our guess, and 429s correct it.
  'assistant.threads.setStatus': 100,
};

/** chat.postMessage: about one a second per channel with short bursts; modelled as a bucket of 3. */
const postBurst = 3;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateBudgets {
  readonly #spent = new Map<string, number[]>();
  readonly #blockedUntil = new Map<string, number>();
  readonly #posts = new Map<string, Bucket>();

  constructor(
    /** Slack's window (a minute); tests against a faster fake shorten it; 0 counts nothing (only 429s close a method). */
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one call of each method (all or none), e.g. a stream's start and its stop. `keep` leaves
   * that many calls of the window to others: a read that can do without (thread context) must not
   * spend what a read that cannot (catch-up, a claim check) needs.
   */
  tryTake(methods: readonly string[], channel?: string, keep = 0): boolean {
    if (this.windowMs <= 0) return methods.every((method) => this.waitMs(method, channel) === 0);
    if (methods.some((method) => this.waitMs(method, channel, keep) > 0)) return false;
    for (const method of methods) this.#take(method, channel);
    return true;
  }

  /** Milliseconds until one call of `method` fits (0: now), leaving `keep` calls of the window unspent. */
  waitMs(method: string, channel?: string, keep = 0): number {
    const now = this.now();
    const blocked = Math.max(0, (this.#blockedUntil.get(this.#blockKey(method, channel)) ?? 0) - now);
    if (this.windowMs <= 0) return blocked;
    if (method === 'chat.postMessage') return Math.max(blocked, this.#postWait(channel ?? '', now));
    const limit = slackMethodLimits[method];
    if (limit === undefined) return blocked;
    const spent = this.#window(method, now);
    const allowed = Math.max(1, limit - keep);
    return Math.max(blocked, spent.length < allowed ? 0 : (spent[spent.length - allowed] as number) + this.windowMs - now);
  }

  /** Slack answered 429: no call of this method (in this channel, for posts) before Retry-After. */
  block(method: string, retryAfterMs: number, channel?: string): void {
    const now = this.now();
    for (const [key, until] of this.#blockedUntil) if (until <= now) this.#blockedUntil.delete(key);
    const key = this.#blockKey(method, channel);
    this.#blockedUntil.set(key, Math.max(this.#blockedUntil.get(key) ?? 0, now + retryAfterMs));
  }

  /** Calls left in the current window, for status. */
  remaining(method: string): number | null {
    const limit = slackMethodLimits[method];
    return limit === undefined || this.windowMs <= 0 ? null : Math.max(0, limit - this.#window(method, this.now()).length);
  }

  #take(method: string, channel: string | undefined): void {
    const now = this.now();
    if (method === 'chat.postMessage') {
      const bucket = this.#bucket(channel ?? '', now);
      bucket.tokens -= 1;
      this.#posts.set(channel ?? '', bucket);
      return;
    }
    if (slackMethodLimits[method] !== undefined) this.#window(method, now).push(now);
  }

  #window(method: string, now: number): number[] {
    const spent = (this.#spent.get(method) ?? []).filter((at) => now - at < this.windowMs);
    this.#spent.set(method, spent);
    return spent;
  }

  #postWait(channel: string, now: number): number {
    const bucket = this.#bucket(channel, now);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) * (this.windowMs / 60));
  }

  #bucket(channel: string, now: number): Bucket {
    const refillMs = this.windowMs / 60;
    const bucket = this.#posts.get(channel) ?? { tokens: postBurst, at: now };
    bucket.tokens = Math.min(postBurst, bucket.tokens + (now - bucket.at) / refillMs);
    bucket.at = now;
    // A full bucket is the default: forgetting it keeps the map as small as the busy channels.
    if (bucket.tokens >= postBurst) this.#posts.delete(channel);
    else this.#posts.set(channel, bucket);
    return bucket;
  }

  #blockKey(method: string, channel: string | undefined): string {
    return method === 'chat.postMessage' ? `${method}:${channel ?? ''}` : method;
  }
}
