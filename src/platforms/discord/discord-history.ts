import { Routes, type REST } from 'discord.js';
import type { ConversationTurn } from '../../core/index.js';
import { discordTextToPlain } from './discord-events.js';

interface ApiMessage {
  readonly id: string;
  readonly type: number;
  readonly content: string;
  readonly author: { readonly id: string; readonly bot?: boolean; readonly username?: string };
  readonly mentions?: readonly { readonly id: string; readonly username?: string; readonly global_name?: string | null }[];
  readonly referenced_message?: { readonly author?: { readonly id: string } } | null;
}

/** How far back a conversation is rebuilt after a restart (the history bounds trim further). */
const lookBack = 50;

/**
 * Rebuilds a conversation's earlier turns from the channel's recent messages.
 * In a DM every message counts; in a guild channel or thread only the bot's
 * own messages and those addressed to it, so unrelated chatter stays out.
 */
export async function loadDiscordTurns(rest: REST, channelId: string, beforeMessageId: string, botUserId: string, isDm: boolean): Promise<ConversationTurn[]> {
  const query = new URLSearchParams({ limit: String(lookBack), before: beforeMessageId });
  const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as ApiMessage[];
  // The API returns newest first.
  return [...messages].reverse().flatMap((m): ConversationTurn[] => {
    if (m.type !== 0 && m.type !== 19) return [];
    if (m.author.id === botUserId) return [{ role: 'assistant', text: m.content }];
    if (m.author.bot === true) return [];
    const addressed = isDm || (m.mentions ?? []).some((u) => u.id === botUserId) || m.referenced_message?.author?.id === botUserId;
    if (!addressed) return [];
    const names = new Map((m.mentions ?? []).map((u) => [u.id, u.global_name ?? u.username ?? u.id]));
    const text = discordTextToPlain(m.content, botUserId, names);
    return text === '' ? [] : [{ role: 'user', text }];
  });
}
