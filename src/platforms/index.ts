import type { Config } from '../config/index.js';
import type { Bridge, ChatPlatform } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { DiscordPlatform } from './discord/discord-platform.js';
import { SlackPlatform } from './slack/slack-platform.js';

export interface PlatformServices {
  /** The bot's state as a short text, for the /status command. */
  readonly describeStatus: () => string;
}

/** Builds an adapter for each configured platform. */
export function createPlatforms(config: Config, bridge: Bridge, logger: Logger, services: PlatformServices): ChatPlatform[] {
  const platforms: ChatPlatform[] = [];
  const shared = { bridge, logger, selfHealing: config.selfHealing, contextTokenBudget: config.limits.contextTokenBudget, describeStatus: services.describeStatus };
  if (config.slack !== null) platforms.push(new SlackPlatform({ config: config.slack, ...shared }));
  if (config.discord !== null) platforms.push(new DiscordPlatform({ config: config.discord, ...shared }));
  return platforms;
}
