// Gateway sessions: sequence numbers, the replay buffer RESUME reads, and what each session's intents let
// it see. A session outlives its socket, which is what makes RESUME possible.
import type { WebSocket } from 'ws';
import { sessionId } from './ids.js';

export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
} as const;

// Bits 0-16, 20, 21, 24 and 25 are defined; any other bit is close 4013.
export const VALID_INTENTS = (1 << 17) - 1 + (1 << 20) + (1 << 21) + (1 << 24) + (1 << 25);

/** Enough to replay a long outage in a test; older gaps make RESUME fail with op 9, as on Discord. */
const MAX_BUFFERED = 1000;

export interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  session: Session | null;
  /** Writes nothing (no ACKs, no dispatches) while set: a connected but dead socket. */
  silent: boolean;
  /** Highest seq written to this socket; a socket that comes back to life catches up from here. */
  sentSeq: number;
  send(payload: object): void;
}

interface Entry {
  s: number;
  payload: object;
}

export class Session {
  readonly id = sessionId();
  seq = 0;
  resumes = 0;
  invalid = false;
  conn: Conn | null = null;
  expiry: NodeJS.Timeout | undefined;
  readonly #buffer: Entry[] = [];

  constructor(readonly intents: number) {}

  get buffered(): number {
    return this.#buffer.length;
  }

  push(event: string, data: object): void {
    this.seq += 1;
    this.#buffer.push({ s: this.seq, payload: { op: 0, t: event, s: this.seq, d: data } });
    if (this.#buffer.length > MAX_BUFFERED) this.#buffer.shift();
    if (this.conn) this.flush(this.conn);
  }

  /** Writes whatever this socket has not seen yet; a no-op while it is silent. */
  flush(conn: Conn): void {
    if (conn.silent) return;
    for (const entry of this.#buffer) {
      if (entry.s <= conn.sentSeq) continue;
      conn.send(entry.payload);
      conn.sentSeq = entry.s;
    }
  }

  /** False when events after `seq` have already left the buffer. */
  canReplayFrom(seq: number): boolean {
    const oldest = this.#buffer[0]?.s ?? this.seq + 1;
    return seq >= oldest - 1;
  }

  invalidate(): void {
    this.invalid = true;
    this.#buffer.length = 0;
    clearTimeout(this.expiry);
  }
}

/**
 * The event as a session with these intents receives it, or undefined when the intents exclude it.
 * Without MESSAGE_CONTENT, guild messages keep their content only when they mention the bot or are the
 * bot's own; DMs always keep it.
 */
export function shapeForIntents(event: string, data: Record<string, unknown>, intents: number, botId: string): object | undefined {
  const inGuild = typeof data.guild_id === 'string';
  const needs = (guildIntent: number, dmIntent: number): boolean => (intents & (inGuild ? guildIntent : dmIntent)) !== 0;
  switch (event) {
    case 'GUILD_CREATE':
    case 'GUILD_DELETE':
    case 'CHANNEL_CREATE':
    case 'CHANNEL_UPDATE':
    case 'CHANNEL_DELETE':
    case 'THREAD_CREATE':
    case 'THREAD_UPDATE':
    case 'THREAD_DELETE':
      return intents & Intent.Guilds ? data : undefined;
    case 'MESSAGE_REACTION_ADD':
    case 'MESSAGE_REACTION_REMOVE':
      return needs(Intent.GuildMessageReactions, Intent.DirectMessageReactions) ? data : undefined;
    case 'TYPING_START':
      return needs(Intent.GuildMessageTyping, Intent.DirectMessageTyping) ? data : undefined;
    case 'MESSAGE_DELETE':
      return needs(Intent.GuildMessages, Intent.DirectMessages) ? data : undefined;
    case 'MESSAGE_CREATE':
    case 'MESSAGE_UPDATE': {
      if (!needs(Intent.GuildMessages, Intent.DirectMessages)) return undefined;
      if (!inGuild || intents & Intent.MessageContent) return data;
      const author = data.author as { id?: string } | undefined;
      const mentions = (data.mentions ?? []) as Array<{ id?: string }>;
      if (author?.id === botId || mentions.some((u) => u.id === botId)) return data;
      return { ...data, content: '', embeds: [], attachments: [], components: [] };
    }
    default:
      return data;
  }
}
