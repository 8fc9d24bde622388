import { Routes, type APIMessage, type REST } from 'discord.js';
import type { ConversationTurn } from '../../core/index.js';
import { discordTextToPlain, viewFromApiMessage } from './discord-events.js';

/** How far back a conversation is rebuilt after a restart (the history bounds trim further). */
const lookBack = 50;

/**
 * Rebuilds a conversation's earlier turns from the channel's recent messages.
 * In a DM every message counts; in a guild channel or thread only the bot's
 * own messages and those addressed to it, so unrelated chatter stays out.
 */
export async function loadDiscordTurns(rest: REST, channelId: string, beforeMessageId: string, botUserId: string, isDm: boolean): Promise<ConversationTurn[]> {
  const query = new URLSearchParams({ limit: String(lookBack), before: beforeMessageId });
  const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
  // The API returns newest first.
  return [...messages].reverse().flatMap((raw): ConversationTurn[] => {
    const view = viewFromApiMessage(raw, botUserId);
    if (view.type !== 0 && view.type !== 19) return [];
    if (view.authorId === botUserId) return [{ role: 'assistant', text: view.content }];
    if (view.authorIsBot || (!isDm && !view.mentionsBot && !view.repliesToBot)) return [];
    const text = discordTextToPlain(view.content, botUserId, view.names);
    return text === '' ? [] : [{ role: 'user', text }];
  });
}
