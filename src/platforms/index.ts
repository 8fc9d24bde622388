import type { Config } from '../config/index.js';
import type { Bridge, ChatPlatform } from '../core/index.js';
import type { Logger } from '../log/index.js';

export interface PlatformServices {
  /** The bot's state as a short text, for the /status command. */
  readonly describeStatus: () => string;
}

/**
 * Builds an adapter for each configured platform. Each adapter is imported only when its platform
 * is configured: @slack/bolt and discord.js are most of the bot's start-up cost, and a bot without
 * their tokens never needs them.
 */
export async function createPlatforms(config: Config, bridge: Bridge, logger: Logger, services: PlatformServices): Promise<ChatPlatform[]> {
  const shared = { bridge, logger, selfHealing: config.selfHealing, contextTokenBudget: config.limits.contextTokenBudget, describeStatus: services.describeStatus };
  const { slack, discord } = config;
  // Both imports start at once, so their file reads overlap.
  const [slackPlatform, discordPlatform] = await Promise.all([
    slack === null ? undefined : import('./slack/slack-platform.js').then(({ SlackPlatform }) => new SlackPlatform({ config: slack, ...shared })),
    discord === null ? undefined : import('./discord/discord-platform.js').then(({ DiscordPlatform }) => new DiscordPlatform({ config: discord, ...shared })),
  ]);
  return [slackPlatform, discordPlatform].filter((platform) => platform !== undefined);
}
