import { RESTEvents, type REST } from 'discord.js';

/**
 * A lower bound on Discord's clock, learned only from Discord's own times (the
 * snowflakes it mints, the Date headers it sends) and carried forward by our
 * monotonic clock. Every observation is a time Discord had already reached when
 * we saw it, so "now" here is never ahead of Discord; our wall clock is never
 * read, so skew between our host and Discord cannot move it.
 */
export class DiscordClock {
  /** The observation that gives the highest bound now: Discord's time then, and our monotonic time then. */
  #best: { discordMs: number; monotonicMs: number } | undefined;

  constructor(private readonly monotonicNow: () => number = () => performance.now()) {}

  /** Discord's clock had reached `discordMs` (epoch ms) by now. */
  observe(discordMs: number): void {
    if (!Number.isFinite(discordMs)) return;
    if (this.#best === undefined || discordMs > this.atLeast()) this.#best = { discordMs, monotonicMs: this.monotonicNow() };
  }

  /**
   * Epoch ms Discord's clock has at least reached; -Infinity until something was observed. The
   * time since the observation is counted at `1 - maxRateError`: our monotonic clock and Discord's
   * may run at slightly different rates, and a quiet hour must not carry the bound past Discord's now.
   */
  atLeast(): number {
    if (this.#best === undefined) return Number.NEGATIVE_INFINITY;
    return this.#best.discordMs + (this.monotonicNow() - this.#best.monotonicMs) * (1 - maxRateError);
  }
}

/** 1,000 ppm: ten times what an unsynchronised crystal drifts, a hundred times NTP's slew limit. */
const maxRateError = 1e-3;

/**
 * Feeds the clock every REST response's Date header (whole seconds, rounded
 * down by HTTP, so a lower bound). Only headers are read: on Node the listener
 * gets the very body stream the REST client goes on to parse
 * (@discordjs/rest makeNetworkRequest spreads the undici response).
 */
export function observeRestClock(rest: REST, clock: DiscordClock): void {
  rest.on(RESTEvents.Response, (_request, response) => {
    const date = response.headers.get('date');
    if (date !== null) clock.observe(Date.parse(date));
  });
}
