import type { PlatformConnection } from './platform-connection.js';
import type { ReplyChannel } from './types.js';

/**
 * A chat platform adapter as the composition root and the runtime see it.
 * It hands messages to the Bridge itself (it is given the Bridge when built)
 * and answers them through its ReplyChannel side.
 */
export interface ChatPlatform extends ReplyChannel {
  readonly name: 'slack' | 'discord';
  readonly connection: PlatformConnection;
  /** Connects; resolves once connected or failed for good. Never rejects. */
  start(): Promise<void>;
  /**
   * Stops taking new events before a drain (shutdown or handover), so the
   * platform can deliver them elsewhere; replies in flight still complete.
   */
  stopIntake?(): Promise<void>;
  /** Closes sockets; the one teardown path. */
  stop(): Promise<void>;
}
