// Per-route buckets with Discord's headers, and 429s on demand; the headers are honest so a client that
// reads them (discord.js does) waits, and one that ignores them meets a real 429.
import { createHash } from 'node:crypto';
import type { RouteMatch } from './types.js';

interface Bucket {
  remaining: number;
  resetAt: number;
}

interface Forced {
  match: RouteMatch;
  retryAfter: number;
  global: boolean;
}

export interface LimitVerdict {
  headers: Record<string, string>;
  /** Set when the request must be answered 429 with this body. */
  limited?: { message: string; retry_after: number; global: boolean };
}

/** Top-level resources (channel, guild, webhook id+token) split buckets; other ids do not. */
export function bucketRoute(path: string): { route: string; major: string } {
  const [, top = '', ...tail] = path.split('/');
  const majorLength = top === 'channels' || top === 'guilds' ? 1 : top === 'webhooks' || top === 'interactions' ? 2 : 0;
  const major = tail.slice(0, majorLength).join('/') || 'global';
  const rest = tail
    .slice(majorLength)
    .map((part, i, all) => (all[i - 1] === 'reactions' ? ':reaction' : /^\d{15,20}$/.test(part) ? ':id' : part));
  return { route: ['', top, ...(majorLength > 0 ? [':major'] : []), ...rest].join('/'), major };
}

const matches = (match: RouteMatch, method: string, path: string): boolean =>
  (match.method === undefined || match.method.toUpperCase() === method) &&
  (typeof match.path === 'string' ? match.path === path : match.path.test(path));

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #forced: Forced[] = [];
  #globalResetAt = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  forceNext(match: RouteMatch, retryAfterSeconds: number, global: boolean): void {
    this.#forced.push({ match, retryAfter: retryAfterSeconds, global });
  }

  check(method: string, path: string, now = Date.now()): LimitVerdict {
    const { route, major } = bucketRoute(path);
    const hash = createHash('sha1').update(`${method} ${route}`).digest('hex').slice(0, 16);
    const forcedAt = this.#forced.findIndex((f) => matches(f.match, method, path));
    const forced = forcedAt >= 0 ? this.#forced.splice(forcedAt, 1)[0] : undefined;
    if (forced?.global) this.#globalResetAt = now + forced.retryAfter * 1000;
    if (now < this.#globalResetAt) {
      const retryAfter = (this.#globalResetAt - now) / 1000;
      return {
        headers: { 'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        limited: { message: 'You are being rate limited.', retry_after: round(retryAfter), global: true },
      };
    }
    const key = `${hash}:${major}`;
    let bucket = this.#buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { remaining: this.limit, resetAt: now + this.windowMs };
      this.#buckets.set(key, bucket);
    }
    if (forced) {
      // A forced 429 empties the bucket for its duration, so an early retry is refused as Discord would.
      bucket.remaining = 0;
      bucket.resetAt = now + forced.retryAfter * 1000;
    }
    const limited = bucket.remaining <= 0;
    if (!limited) bucket.remaining -= 1;
    const resetAfter = (bucket.resetAt - now) / 1000;
    const headers: Record<string, string> = {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(bucket.remaining),
      'x-ratelimit-reset': (bucket.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': hash,
    };
    if (!limited) return { headers };
    return {
      headers: { ...headers, 'retry-after': String(Math.ceil(resetAfter)), 'x-ratelimit-scope': 'user' },
      limited: { message: 'You are being rate limited.', retry_after: round(resetAfter), global: false },
    };
  }
}

const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;
