import type { Config } from '../config/index.js';
import type { Bridge, ChatPlatform } from '../core/index.js';
import type { Logger } from '../log/index.js';

/** Builds an adapter for each configured platform. */
export function createPlatforms(_config: Config, _bridge: Bridge, _logger: Logger): ChatPlatform[] {
  return [];
}
