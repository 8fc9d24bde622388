import type { InboundMessage } from '../../core/index.js';
import { unansweredInOrder, type CatchUpScan } from '../shared/catch-up.js';
import { answeredTsOf } from './answer-metadata.js';
import type { SlackApi, SlackArgs } from './slack-api.js';
import { isOwnSlackMessage, isTopLevel, routeSlackEvent, type SlackAllowlist, type SlackIdentity, type SlackMessageEvent } from './slack-events.js';

interface HistoryMessage extends Omit<SlackMessageEvent, 'type' | 'channel'> {
  readonly reply_count?: number;
  readonly reply_users?: readonly string[];
  readonly latest_reply?: string;
  readonly metadata?: unknown;
}

interface Conversation {
  readonly id?: string;
  readonly is_im?: boolean;
}

export interface SlackScanSource {
  readonly api: SlackApi;
  readonly identity: SlackIdentity;
  readonly allow: SlackAllowlist;
  readonly maxConversations: number;
}

const toTs = (ms: number) => (ms / 1000).toFixed(6);
/** A read that meets its rate limit waits for it this long at most: catch-up is in no hurry. */
const readWithinMs = 60_000;

interface TimelineItem {
  readonly kind: 'request' | 'answer';
  readonly m: HistoryMessage;
  /** The request's ts. */
  readonly id?: string;
  /** What a bot message says it answers. */
  readonly answers?: string;
}

/**
 * Finds messages addressed to the bot that have no answer from it, deciding
 * from Slack alone: in the conversations the bot is a member of, mentions and
 * DMs since `readFromMs` that no bot message answers. The bot's answers carry
 * metadata naming the message they answer, so each request is settled by name
 * (older answers without it are read in order).
 */
export async function scanSlackForUnanswered(source: SlackScanSource, readFromMs: number): Promise<CatchUpScan> {
  const listed = await read(source, 'users.conversations', { types: 'public_channel,private_channel,mpim,im', exclude_archived: true, limit: source.maxConversations });
  const conversations = ((listed.channels ?? []) as Conversation[]).slice(0, source.maxConversations);
  const unanswered: InboundMessage[] = [];
  for (const conversation of conversations) {
    if (conversation.id === undefined) continue;
    unanswered.push(...(await scanConversation(source, conversation.id, conversation.is_im === true, readFromMs)));
  }
  return { unanswered, conversationsRead: conversations.length };
}

async function scanConversation(source: SlackScanSource, channel: string, isDm: boolean, readFromMs: number): Promise<InboundMessage[]> {
  const messages = await recentHistory(source, channel, readFromMs);
  const route = (m: HistoryMessage, threadTs: string | undefined) => {
    const event: SlackMessageEvent = { ...m, type: isDm ? 'message' : 'app_mention', channel, channel_type: isDm ? 'im' : 'channel', ...(threadTs === undefined ? {} : { thread_ts: threadTs }) };
    const routing = routeSlackEvent(event, source.identity, source.allow);
    return routing.answer && !routing.message.authorIsBot ? routing.message : undefined;
  };
  const answer = (m: HistoryMessage): TimelineItem => {
    const answers = answeredTsOf(m);
    return { kind: 'answer', m, ...(answers === undefined ? {} : { answers }) };
  };
  if (isDm) {
    // Live DM answers follow at top level; late ones go into the message's own thread.
    const timeline = messages.filter(isTopLevel).flatMap((m): TimelineItem[] => {
      if (isOwnSlackMessage(m, source.identity)) return [answer(m)];
      if (m.reply_users?.includes(source.identity.botUserId) === true) return [];
      return route(m, undefined) === undefined ? [] : [{ kind: 'request', m, id: m.ts }];
    });
    return unansweredInOrder(timeline).flatMap(({ m }) => route(m, m.ts) ?? []);
  }
  const mentionsBot = (m: HistoryMessage) => (m.text ?? '').includes(`<@${source.identity.botUserId}`);
  const results: InboundMessage[] = [];
  for (const root of messages) {
    const activeThread = (root.reply_count ?? 0) > 0 && (mentionsBot(root) || Number(root.latest_reply ?? 0) * 1000 >= readFromMs);
    if (!activeThread && !mentionsBot(root)) continue;
    const thread = activeThread ? await threadOf(source, channel, root.ts) : [root];
    const timeline = thread.flatMap((m): TimelineItem[] => (isOwnSlackMessage(m, source.identity) ? [answer(m)] : mentionsBot(m) ? [{ kind: 'request', m, id: m.ts }] : []));
    results.push(...unansweredInOrder(timeline).flatMap(({ m }) => route(m, m.thread_ts ?? m.ts) ?? []));
  }
  return results;
}

async function threadOf(source: SlackScanSource, channel: string, ts: string): Promise<HistoryMessage[]> {
  const page = await read(source, 'conversations.replies', { channel, ts, limit: 200, include_all_metadata: true });
  return (page.messages ?? []) as HistoryMessage[];
}

/** Pages a busy conversation is read back through at most. */
const maxPages = 3;

/**
 * The conversation's top-level messages since `sinceMs`, oldest first. Slack
 * pages newest first, so a very busy conversation is read only this far back.
 */
async function recentHistory(source: SlackScanSource, channel: string, sinceMs: number): Promise<HistoryMessage[]> {
  const collected: HistoryMessage[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const result = await read(source, 'conversations.history', { channel, oldest: toTs(sinceMs), limit: 200, include_all_metadata: true, ...(cursor === undefined ? {} : { cursor }) });
    collected.push(...((result.messages ?? []) as HistoryMessage[]));
    cursor = (result.response_metadata as { next_cursor?: string } | undefined)?.next_cursor || undefined;
    if (cursor === undefined) break;
  }
  return collected.reverse();
}

function read(source: SlackScanSource, method: string, args: SlackArgs) {
  return source.api.persist(method, args, readWithinMs);
}
