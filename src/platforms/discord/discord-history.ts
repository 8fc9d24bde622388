import { Routes, type APIMessage, type REST } from 'discord.js';
import { fitToTokenBudget, type ConversationTurn } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { answerableTypes, discordTextToPlain, viewFromApiMessage, type DiscordMessageView } from './discord-events.js';

/** How far back a conversation is read (the token budget and history bounds trim further). */
const lookBack = 50;
/** Replies of replies followed for context. */
const maxReplyHops = 3;

export interface DiscordHistorySource {
  readonly rest: REST;
  readonly botUserId: string;
  /** Tokens of earlier messages the model may see when it joins a conversation. */
  readonly tokenBudget: number;
}

/**
 * Rebuilds a conversation's earlier turns from the channel's recent messages,
 * newest kept first within the token budget. In a DM or a thread every message
 * counts (by display name in a thread); in a guild channel only the bot's own
 * messages and those addressed to it, so unrelated chatter stays out.
 */
export async function loadDiscordTurns(source: DiscordHistorySource, channelId: string, beforeMessageId: string | undefined, scope: 'dm' | 'thread' | 'channel'): Promise<ConversationTurn[]> {
  const query = new URLSearchParams({ limit: String(lookBack), ...(beforeMessageId === undefined ? {} : { before: beforeMessageId }) });
  const messages = (await source.rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
  // The API returns newest first.
  const views = [...messages].reverse().map((raw) => viewFromApiMessage(raw, source.botUserId));
  const turns = views.flatMap((view): ConversationTurn[] => {
    if (!answerableTypes.has(view.type)) return [];
    if (view.authorId === source.botUserId) return view.content === '' ? [] : [{ role: 'assistant', text: view.content }];
    if (view.authorIsBot || (scope === 'channel' && !view.mentionsBot && !view.repliesToBot)) return [];
    const text = discordTextToPlain(view.content, source.botUserId, view.names);
    if (text === '') return [];
    return [{ role: 'user', text: scope === 'dm' ? text : `${view.authorName}: ${text}` }];
  });
  return fitToTokenBudget(turns, source.tokenBudget);
}

/**
 * The messages a reply points at (following replies of replies), as a short
 * context line for the model; the bot's own messages are already in its history.
 */
export async function replyChainContext(rest: REST, channelId: string, messageId: string, botUserId: string, logger: Logger): Promise<string> {
  const chain: DiscordMessageView[] = [];
  let next: string | null = messageId;
  try {
    while (next !== null && chain.length < maxReplyHops) {
      const view = viewFromApiMessage((await rest.get(Routes.channelMessage(channelId, next))) as APIMessage, botUserId);
      if (view.authorId === botUserId) break;
      chain.push(view);
      next = view.replyToId;
    }
  } catch (error) {
    logger.debug('could not read the replied-to message', { error });
  }
  if (chain.length === 0) return '';
  const quoted = chain.map((view) => `${view.authorName} wrote: "${discordTextToPlain(view.content, botUserId, view.names)}"`);
  return `(This replies to a message. ${quoted.join(' In reply to: ')})`;
}
