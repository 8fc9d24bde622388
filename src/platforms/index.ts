import type { Config } from '../config/index.js';
import type { Bridge, ChatPlatform } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { DiscordPlatform } from './discord/discord-platform.js';
import { SlackPlatform } from './slack/slack-platform.js';

/** Builds an adapter for each configured platform. */
export function createPlatforms(config: Config, bridge: Bridge, logger: Logger): ChatPlatform[] {
  const platforms: ChatPlatform[] = [];
  if (config.slack !== null) platforms.push(new SlackPlatform({ config: config.slack, bridge, logger }));
  if (config.discord !== null) platforms.push(new DiscordPlatform({ config: config.discord, bridge, logger }));
  return platforms;
}
