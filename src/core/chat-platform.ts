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
  /**
   * Connects; resolves once connected or failed for good. Never rejects.
   * `catchUp`: this session owns the platform, so it answers what was missed
   * while the bot was away (not for a rotation's standby).
   */
  start(options?: { readonly catchUp?: boolean }): Promise<void>;
  /**
   * Stops taking new events before a drain (shutdown or handover), so the
   * platform can deliver them elsewhere; replies in flight still complete.
   */
  stopIntake?(): Promise<void>;
  /** Closes sockets; the one teardown path. */
  stop(): Promise<void>;
  /**
   * False for a platform that delivers every event to every session (Discord):
   * two sessions must not both listen, so a successor waits in `standby`.
   */
  readonly allowsParallelSessions: boolean;
  /** Checks credentials without taking the connection (successor during a rotation). */
  standby(): Promise<void>;
  /**
   * Rotation, outgoing side: stop taking events and release the connection so
   * the successor can carry on; returns what the successor needs (or null).
   */
  handover(): Promise<PlatformHandoverState | null>;
  /**
   * Rotation, incoming side: take over the predecessor's connection (or connect
   * afresh when `state` is null). Throws InvalidHandoverError before any change
   * when `state` is malformed.
   */
  takeover(state: PlatformHandoverState | null): Promise<void>;
  /** Extra figures for status (e.g. how the last takeover went). */
  statusDetails?(): Record<string, unknown>;
}

/** Opaque, JSON-safe state a platform passes from one session to the next. */
export type PlatformHandoverState = Readonly<Record<string, unknown>>;
