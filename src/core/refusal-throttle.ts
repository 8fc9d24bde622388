/**
 * At most one refusal post per key (platform, user, conversation) per window, so a user flooding
 * past the rate limit or a full queue sees one polite line, not one bot post per message.
 *
 * Bounded in memory: entries are kept in the order they were last posted, so expired ones are
 * swept from the front as new refusals arrive; past `maxEntries` live ones, the oldest goes
 * (that user may then be told again within the window, which is the lesser harm).
 */
export class RefusalThrottle {
  /** Key -> when a refusal was last posted; Map order is posting order. */
  readonly #postedAt = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when a refusal for `key` may be posted now (and records it); false within the window. */
  shouldPost(key: string): boolean {
    const now = this.now();
    this.#sweep(now);
    const last = this.#postedAt.get(key);
    if (last !== undefined && now - last < this.windowMs) return false;
    this.#postedAt.delete(key);
    this.#postedAt.set(key, now);
    if (this.#postedAt.size > this.maxEntries) {
      const oldest = this.#postedAt.keys().next().value;
      if (oldest !== undefined) this.#postedAt.delete(oldest);
    }
    return true;
  }

  /** Keys currently remembered (for tests and status). */
  get size(): number {
    return this.#postedAt.size;
  }

  #sweep(now: number): void {
    for (const [key, at] of this.#postedAt) {
      if (now - at < this.windowMs) return;
      this.#postedAt.delete(key);
    }
  }
}

/** The throttle's key: one per platform, user and conversation (conversation keys carry their platform). */
export function refusalKey(platform: string, authorId: string, conversationKey: string): string {
  return JSON.stringify([platform, authorId, conversationKey]);
}
