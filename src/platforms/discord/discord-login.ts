import { Client, GatewayIntentBits, Options, Partials, Routes, type APIUser, type REST } from 'discord.js';
import type { DiscordConfig } from '../../config/index.js';
import { describeError, type PlatformConnection } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { keepTrying } from '../shared/backoff.js';
import { isFinalDiscordFailure } from './discord-connection.js';
import type { GatewaySession } from './gateway-session.js';

export const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];

/** The discord.js Client the platform runs on; the gateway goes through our GatewaySession. */
export function createDiscordClient(config: DiscordConfig, gateway: GatewaySession): Client {
  const client = new Client({
    intents,
    // Without the Channel partial, DMs in channels the client has not cached are dropped silently.
    partials: [Partials.Channel],
    rest: { api: config.apiUrl },
    // Weeks of uptime: keep caches small; we never need old messages from memory.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20, PresenceManager: 0, ReactionManager: 0, GuildMemberManager: 200 }),
    sweepers: { ...Options.DefaultSweeperSettings, messages: { interval: 600, lifetime: 1800 } },
    allowedMentions: { parse: [], repliedUser: false },
    ws: { buildStrategy: gateway.buildStrategy },
  });
  client.rest.setToken(config.botToken);
  return client;
}

/**
 * What a passing failure on the way to Discord does to the platform: it stays
 * (or becomes) `connecting` with the error as its last one, and the log says
 * what failed and when the next try is. Never `failed`: that is for a
 * rejected credential.
 */
export function reportPassingFailure(connection: PlatformConnection, logger: Logger): (what: string, error: unknown, delayMs: number | null) => void {
  return (what, error, delayMs) => {
    const next = delayMs === null ? 'the gateway client retries by itself' : `next try in ${Math.round(delayMs / 100) / 10} s`;
    connection.transition('connecting', `${what} failed: ${describeError(error)}; ${next}`, error);
    logger.warn(`Discord not reachable yet (${what}); ${next}`, { error, retryInMs: delayMs });
  };
}

/** Checks the token with GET /users/@me (a rotation's standby), retrying anything but a rejected token. */
export function checkTokenPatiently(rest: REST, signal: AbortSignal, onRetry: (what: string, error: unknown, delayMs: number) => void): Promise<APIUser> {
  return keepTrying(async () => (await rest.get(Routes.user('@me'))) as APIUser, {
    isFinal: isFinalDiscordFailure,
    onRetry: (error, delayMs) => onRetry('GET /users/@me', error, delayMs),
    signal,
  });
}
