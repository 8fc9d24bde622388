/**
 * Messages per user per minute, in a sliding window. Bounded in memory: a
 * user's entry goes once their window is empty, checked as other users write.
 */
export class UserRateLimit {
  readonly #sent = new Map<string, number[]>();
  #calls = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one message for `key`; false when it is over the limit (and is then not counted). */
  allow(key: string): boolean {
    const now = this.now();
    if ((this.#calls += 1) % 1000 === 0) this.#sweep(now);
    const recent = (this.#sent.get(key) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.perMinute) {
      this.#sent.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#sent.set(key, recent);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, times] of this.#sent) if (times.every((at) => now - at >= 60_000)) this.#sent.delete(key);
  }
}
