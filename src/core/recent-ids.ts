/**
 * Remembers ids seen recently, bounded in count and age, so a redelivered
 * event (Slack retry, Discord replay after RESUME) is answered once.
 * Map iteration order is insertion order, so the oldest entries come first.
 */
export class RecentIds {
  readonly #seenAt = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records `id`; returns false when it was already seen within the TTL. */
  remember(id: string): boolean {
    const now = this.now();
    this.#evict(now);
    if (this.#seenAt.has(id)) return false;
    this.#seenAt.set(id, now);
    return true;
  }

  has(id: string): boolean {
    const seenAt = this.#seenAt.get(id);
    return seenAt !== undefined && this.now() - seenAt < this.ttlMs;
  }

  get size(): number {
    return this.#seenAt.size;
  }

  #evict(now: number): void {
    for (const [id, seenAt] of this.#seenAt) {
      if (now - seenAt < this.ttlMs && this.#seenAt.size < this.maxEntries) break;
      this.#seenAt.delete(id);
    }
  }
}
