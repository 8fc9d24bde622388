import { z } from 'zod';
import type { SessionInfo } from '@discordjs/ws';
import { InvalidHandoverError, type PlatformHandoverState } from '../../core/index.js';

/** The wire shape one session hands to the next (snake_case, as in the takeover invocation). */
const handoverSchema = z.object({
  session_id: z.string().min(1).max(200),
  sequence: z.number().int().min(0),
  resume_gateway_url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'must be a ws:// or wss:// URL').max(500),
  shard_id: z.number().int().min(0).default(0),
  shard_count: z.number().int().min(1).default(1),
});

export function toHandoverState(session: SessionInfo): PlatformHandoverState {
  return {
    session_id: session.sessionId,
    sequence: session.sequence,
    resume_gateway_url: session.resumeURL,
    shard_id: session.shardId,
    shard_count: session.shardCount,
  };
}

/** Validates a takeover payload; throws InvalidHandoverError naming the bad field. */
export function parseHandoverState(state: PlatformHandoverState): SessionInfo {
  const parsed = handoverSchema.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidHandoverError(`handover.discord.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const value = parsed.data;
  return { sessionId: value.session_id, sequence: value.sequence, resumeURL: value.resume_gateway_url, shardId: value.shard_id, shardCount: value.shard_count };
}
