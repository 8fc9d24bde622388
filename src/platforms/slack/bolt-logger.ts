import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log/index.js';

/**
 * Routes Bolt's and the Socket Mode client's logs into ours. Their errors are
 * mostly reconnect noise we also see as state changes, so they land as warnings.
 */
export function toSlackLogger(logger: Logger): SlackLogger {
  let level: LogLevel = logger.isDebugEnabled() ? LogLevel.DEBUG : LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    // Bolt logs whole envelopes at debug: build the text only when it will be written.
    debug: (...parts: unknown[]) => logger.isDebugEnabled() && logger.debug(text(parts)),
    info: (...parts: unknown[]) => logger.isDebugEnabled() && logger.debug(text(parts)),
    warn: (...parts: unknown[]) => logger.warn(text(parts)),
    error: (...parts: unknown[]) => logger.warn(text(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
