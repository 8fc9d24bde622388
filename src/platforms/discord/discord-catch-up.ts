import { Routes, SnowflakeUtil, type APIMessage, type REST } from 'discord.js';
import type { InboundMessage } from '../../core/index.js';
import type { CatchUpScan } from '../shared/catch-up.js';
import { botReplyTargetOf, routeDiscordMessage, viewFromApiMessage, type DiscordAllowlist } from './discord-events.js';

export interface DiscordScanSource {
  readonly rest: REST;
  readonly botUserId: string;
  readonly allow: DiscordAllowlist;
  /** Channels, threads and DMs the client knows, with their last message id (from GUILD_CREATE). */
  readonly channels: () => Iterable<{ readonly id: string; readonly lastMessageId: string | null; readonly guildId: string | null }>;
  readonly maxConversations: number;
}

/**
 * Finds messages addressed to the bot that it never answered, sent since
 * `readFromMs`, from Discord alone: only conversations whose last message is
 * that recent (GUILD_CREATE's last_message_id gives that for free), and
 * "answered" means a bot message replies to it. DMs are only known once they
 * wrote this session: a bot cannot list its DM channels.
 */
export async function scanDiscordForUnanswered(source: DiscordScanSource, readFromMs: number): Promise<CatchUpScan> {
  const active = [...source.channels()]
    .filter((channel) => channel.lastMessageId !== null && SnowflakeUtil.timestampFrom(channel.lastMessageId) >= readFromMs)
    .slice(0, source.maxConversations);
  const unanswered: InboundMessage[] = [];
  for (const channel of active) {
    const messages = await recentMessages(source.rest, channel.id, readFromMs);
    const answered = new Set(messages.flatMap((m) => botReplyTargetOf(m, source.botUserId) ?? []));
    for (const raw of messages) {
      if (answered.has(raw.id)) continue;
      // Channel message lists carry no guild_id; without it every message would look like a DM.
      const withGuild = channel.guildId === null ? raw : { ...raw, guild_id: channel.guildId };
      const routing = routeDiscordMessage(viewFromApiMessage(withGuild, source.botUserId), source.botUserId, source.allow);
      if (routing.answer && !routing.message.authorIsBot) unanswered.push(routing.message);
    }
  }
  return { unanswered, conversationsRead: active.length };
}

/** Pages a busy channel is read back through at most; a channel busier than that is read only this far back. */
const maxPages = 5;

/**
 * The channel's messages since `sinceMs`, oldest first so messages sent in
 * the same millisecond keep their order. Read newest first, page by page: the
 * newest messages matter most when a busy channel has more than a few pages.
 */
async function recentMessages(rest: REST, channelId: string, sinceMs: number): Promise<APIMessage[]> {
  const collected: APIMessage[] = [];
  let before: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const query = new URLSearchParams({ limit: '100', ...(before === undefined ? {} : { before }) });
    const batch = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
    const inWindow = batch.filter((m) => SnowflakeUtil.timestampFrom(m.id) >= sinceMs);
    collected.push(...inWindow);
    if (batch.length < 100 || inWindow.length < batch.length) break;
    before = batch.at(-1)?.id;
  }
  return collected.reverse();
}
