import { fitToTokenBudget, type ConversationTurn } from '../../core/index.js';
import type { SlackApi } from './slack-api.js';
import { answerableSubtypes, isOwnSlackMessage, isTopLevel, slackTextToPlain, stripBotMention, type SlackIdentity } from './slack-events.js';
import type { SlackReplyTarget } from './slack-target.js';
import type { SlackUserNames } from './user-names.js';

interface SlackHistoryMessage {
  readonly ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly subtype?: string;
  readonly text?: string;
  readonly thread_ts?: string;
}

/** How far back a conversation is read (the token budget and history bounds trim further). */
const maxMessages = 200;
const pageSize = 100;

export interface SlackHistorySource {
  readonly api: SlackApi;
  readonly identity: SlackIdentity;
  readonly names: SlackUserNames;
  /** Tokens of earlier messages the model may see when it joins a conversation. */
  readonly tokenBudget: number;
}

/**
 * Rebuilds a conversation from Slack itself, for a first mention in an
 * existing thread or after a restart: the thread's parent and its latest
 * messages (or a DM's recent ones), who said what by display name, within the
 * token budget with the oldest dropped first. The bot's messages are its turns. A read that hits
 * its rate limit fails at once, and the answer goes ahead without the context.
 */
export async function loadSlackTurns(source: SlackHistorySource, target: SlackReplyTarget): Promise<ConversationTurn[]> {
  // A mention that starts its own thread has nothing before it.
  if (target.threadTs === target.messageTs) return [];
  const fetched = target.threadTs === undefined ? await dmMessages(source.api, target) : await threadMessages(source.api, target);
  const messages = fetched.filter((m) => m.ts !== undefined && Number(m.ts) < Number(target.messageTs) && isConversational(m, source.identity));
  const others = messages.filter((m) => !isOwnSlackMessage(m, source.identity));
  // Only other people's names are shown; the bot's own messages are its turns.
  await source.names.resolve([...new Set(others.flatMap((m) => (m.user === undefined ? [] : [m.user])))]);
  const speakers = new Set(others.map((m) => m.user));
  const turns = messages.map((m) => toTurn(m, source, speakers.size > 1 || target.threadTs !== undefined));
  return fitToTokenBudget(turns, source.tokenBudget, target.threadTs !== undefined && messages[0]?.ts === target.threadTs);
}

function toTurn(m: SlackHistoryMessage, source: SlackHistorySource, withNames: boolean): ConversationTurn {
  if (isOwnSlackMessage(m, source.identity)) return { role: 'assistant', text: m.text ?? '' };
  const text = slackTextToPlain(stripBotMention(m.text ?? '', source.identity.botUserId), (id) => source.names.cached(id));
  const name = m.user === undefined ? 'someone' : (source.names.cached(m.user) ?? m.user);
  return { role: 'user', text: withNames ? `${name}: ${text}` : text };
}

function isConversational(m: SlackHistoryMessage, identity: SlackIdentity): boolean {
  if (isOwnSlackMessage(m, identity)) return (m.text ?? '').trim() !== '';
  if (m.bot_id !== undefined) return false;
  if (m.subtype !== undefined && !answerableSubtypes.has(m.subtype)) return false;
  return (m.text ?? '').trim() !== '';
}

/**
 * Context is optional (a limited read answers without it), so it leaves a fifth of the tier-3
 * window to the reads that are not: catch-up scans and claim checks. Under heavy thread traffic,
 * context reads otherwise spent the whole budget and catch-up waited past a session's end.
 */
const contextReadsLeave = 10;

async function threadMessages(api: SlackApi, target: SlackReplyTarget): Promise<SlackHistoryMessage[]> {
  const collected: SlackHistoryMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.attempt('conversations.replies', {
      channel: target.channel,
      ts: target.threadTs,
      latest: target.messageTs,
      inclusive: false,
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    }, { keep: contextReadsLeave });
    collected.push(...((page.messages ?? []) as SlackHistoryMessage[]));
    cursor = (page.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
  } while (cursor !== undefined && collected.length < maxMessages);
  // The parent first, then the latest replies.
  return collected.length <= maxMessages ? collected : [collected[0] as SlackHistoryMessage, ...collected.slice(-(maxMessages - 1))];
}

async function dmMessages(api: SlackApi, target: SlackReplyTarget): Promise<SlackHistoryMessage[]> {
  const page = await api.attempt('conversations.history', { channel: target.channel, latest: target.messageTs, inclusive: false, limit: pageSize }, { keep: contextReadsLeave });
  // History comes newest first; thread replies stay in their threads.
  return ((page.messages ?? []) as SlackHistoryMessage[]).filter(isTopLevel).reverse();
}
