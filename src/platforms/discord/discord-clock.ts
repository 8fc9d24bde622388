import { RESTEvents, type REST } from 'discord.js';

/**
 * A lower bound on Discord's clock, learned only from Discord's own times (the
 * snowflakes it mints, the Date headers it sends) and carried forward by our
 * monotonic clock. Every observation is a time Discord had already reached when
 * we saw it, so "now" here is never ahead of Discord; our wall clock is never
 * read, so skew between our host and Discord cannot move it.
 */
export class DiscordClock {
  /** The largest (Discord time − our monotonic time) seen; the bound is this plus monotonic now. */
  #offset = Number.NEGATIVE_INFINITY;

  constructor(private readonly monotonicNow: () => number = () => performance.now()) {}

  /** Discord's clock had reached `discordMs` (epoch ms) by now. */
  observe(discordMs: number): void {
    if (Number.isFinite(discordMs)) this.#offset = Math.max(this.#offset, discordMs - this.monotonicNow());
  }

  /** Epoch ms Discord's clock has at least reached; -Infinity until something was observed. */
  atLeast(): number {
    return this.#offset + this.monotonicNow();
  }
}

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
