import type { APIMessage } from 'discord.js';
import type { InboundFile, InboundMessage } from '../../core/index.js';
import { encodeDiscordConversation } from './discord-target.js';

/** The parts of a discord.js Message the bridge reads, as plain data (unit-testable). */
export interface DiscordMessageView {
  readonly id: string;
  readonly channelId: string;
  /** For a thread: the channel it lives in; null otherwise. */
  readonly parentChannelId: string | null;
  readonly guildId: string | null;
  readonly content: string;
  /** Discord message type: 0 default, 19 reply; everything else is a system message. */
  readonly type: number;
  readonly authorId: string;
  readonly authorName: string;
  readonly authorIsBot: boolean;
  readonly mentionsBot: boolean;
  readonly repliesToBot: boolean;
  readonly createdTimestamp: number;
  /** Display names for `<@id>`, `<@&id>` and `<#id>` references in the content. */
  readonly names: ReadonlyMap<string, string>;
  /** The message this one replies to, if any. */
  readonly replyToId: string | null;
  readonly files: readonly InboundFile[];
}

export interface DiscordAllowlist {
  readonly guilds: readonly string[];
  readonly channels: readonly string[];
  readonly users: readonly string[];
}

export type DiscordRouting = { readonly answer: true; readonly message: InboundMessage } | { readonly answer: false; readonly reason: string };

/** Message types a person writes (0 default, 19 reply); every other type is a system message. */
export const answerableTypes: ReadonlySet<number> = new Set([0, 19]);

/**
 * Decides whether a message is addressed to the bot (a DM, a mention, or a
 * reply to one of its messages) and normalises it. Bots are passed on flagged
 * so the core counts and drops them.
 */
export function routeDiscordMessage(message: DiscordMessageView, botUserId: string, allow: DiscordAllowlist): DiscordRouting {
  if (!answerableTypes.has(message.type)) return { answer: false, reason: `system message type ${message.type}` };
  const isDm = message.guildId === null;
  if (!isDm && !message.mentionsBot && !message.repliesToBot) return { answer: false, reason: 'guild message not addressed to the bot' };
  const authorIsBot = message.authorIsBot || message.authorId === botUserId;
  if (!authorIsBot) {
    if (allow.users.length > 0 && !allow.users.includes(message.authorId)) return { answer: false, reason: 'user not in DISCORD_ALLOWED_USERS' };
    if (!isDm && allow.guilds.length > 0 && !allow.guilds.includes(message.guildId ?? '')) return { answer: false, reason: 'guild not in DISCORD_ALLOWED_GUILDS' };
    // A thread is allowed when it or the channel it belongs to is listed.
    const channelAllowed = allow.channels.includes(message.channelId) || (message.parentChannelId !== null && allow.channels.includes(message.parentChannelId));
    if (!isDm && allow.channels.length > 0 && !channelAllowed) return { answer: false, reason: 'channel not in DISCORD_ALLOWED_CHANNELS' };
  }
  return {
    answer: true,
    message: {
      platform: 'discord',
      conversationKey: encodeDiscordConversation({ channelId: message.channelId }),
      messageId: message.id,
      authorId: message.authorId,
      authorName: message.authorName,
      authorIsBot,
      text: discordTextToPlain(message.content, botUserId, message.names),
      sentAt: message.createdTimestamp,
      // A reply to the bot needs no context: its own messages are already in its history.
      ...(message.replyToId === null || message.repliesToBot ? {} : { replyToMessageId: message.replyToId }),
      ...(message.files.length === 0 ? {} : { files: message.files }),
    },
  };
}

/** The message a bot message replies to, or undefined for anyone else's message (or one that replies to nothing). */
export function botReplyTargetOf(message: APIMessage, botUserId: string | undefined): string | undefined {
  return message.author.id === botUserId ? message.message_reference?.message_id : undefined;
}

/** Strips the bot's own mention and makes other references readable. */
export function discordTextToPlain(content: string, botUserId: string, names: ReadonlyMap<string, string>): string {
  return content
    .replace(new RegExp(`<@!?${botUserId}>`, 'g'), '')
    .replace(/<@!?(\d+)>/g, (_m, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<@&(\d+)>/g, (_m, id: string) => `@${names.get(id) ?? 'role'}`)
    .replace(/<#(\d+)>/g, (_m, id: string) => `#${names.get(id) ?? id}`)
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/**
 * The same view from a raw API/gateway message (REST history, a resumed
 * session's replay). Thread parents are unknown here, so a thread is checked
 * against the channel allowlist by its own id only.
 */
export function viewFromApiMessage(raw: APIMessage & { guild_id?: string }, botUserId: string): DiscordMessageView {
  const names = new Map(raw.mentions.map((user) => [user.id, user.global_name ?? user.username]));
  return {
    id: raw.id,
    channelId: raw.channel_id,
    parentChannelId: null,
    guildId: raw.guild_id ?? null,
    content: raw.content,
    type: raw.type,
    authorId: raw.author.id,
    authorName: raw.author.global_name ?? raw.author.username,
    authorIsBot: raw.author.bot === true,
    mentionsBot: raw.mentions.some((user) => user.id === botUserId),
    repliesToBot: raw.referenced_message?.author.id === botUserId,
    createdTimestamp: Date.parse(raw.timestamp),
    names,
    replyToId: raw.message_reference?.message_id ?? null,
    files: raw.attachments.map((a) => ({ id: a.id, name: a.filename, mimeType: a.content_type ?? 'application/octet-stream', sizeBytes: a.size, url: a.url })),
  };
}
