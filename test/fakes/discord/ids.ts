// Identifiers shaped like Discord's, so code that decodes them (timestamps, ordering) behaves as in production.
import { randomBytes } from 'node:crypto';

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Snowflakes: ms since the Discord epoch in the top 42 bits, then worker, process and a 12-bit counter. */
export class SnowflakeGenerator {
  #lastMs = 0n;
  #increment = 0n;

  next(now = Date.now()): string {
    let ms = BigInt(now);
    // Monotonic even when the clock stalls or steps back: ids are the message order.
    if (ms <= this.#lastMs) {
      ms = this.#lastMs;
      this.#increment += 1n;
      if (this.#increment > 0xfffn) {
        ms += 1n;
        this.#increment = 0n;
      }
    } else {
      this.#increment = 0n;
    }
    this.#lastMs = ms;
    return (((ms - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n) | this.#increment).toString();
  }
}

/** The creation time a snowflake encodes. */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{15,20}$/.test(value);
}

/** A bot token's three parts: base64 of the user id, a base64 timestamp, then an HMAC-like tail. */
export function botToken(userId: string): string {
  const id = Buffer.from(userId).toString('base64url');
  const stamp = Buffer.from(randomBytes(4)).toString('base64url').slice(0, 6);
  return `${id}.${stamp}.${randomBytes(27).toString('base64url')}`;
}

export function sessionId(): string {
  return randomBytes(16).toString('hex');
}

export function interactionToken(id: string): string {
  return `aW50ZXJhY3Rpb246${Buffer.from(id).toString('base64url')}${randomBytes(48).toString('base64url')}`;
}
