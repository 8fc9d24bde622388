import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import type { ConversationTurn } from '../../core/index.js';
import { slackTextToPlain, stripBotMention, type SlackIdentity, type SlackReplyTarget } from './slack-events.js';

interface SlackHistoryMessage {
  readonly ts?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly subtype?: string;
  readonly text?: string;
  readonly thread_ts?: string;
}

/** How far back a conversation is rebuilt after a restart (the history bounds trim further). */
const maxMessages = 200;
const pageSize = 100;

/**
 * Rebuilds a conversation's earlier turns from Slack itself: the thread's
 * replies, or a DM's recent top-level messages. The bot's own messages become
 * assistant turns; other bots and system messages are left out.
 */
export async function loadSlackTurns(
  client: WebClient,
  identity: SlackIdentity,
  target: SlackReplyTarget,
  nameOf: (userId: string) => string | undefined,
): Promise<ConversationTurn[]> {
  // A mention that starts its own thread has nothing before it.
  if (target.threadTs === target.messageTs) return [];
  const messages = target.threadTs === undefined ? await dmMessages(client, target) : await threadMessages(client, target);
  return messages
    .filter((m) => m.ts !== undefined && Number(m.ts) < Number(target.messageTs))
    .flatMap((m): ConversationTurn[] => {
      const isSelf = m.user === identity.botUserId || (m.bot_id !== undefined && m.bot_id === identity.botId);
      if (isSelf) return [{ role: 'assistant', text: m.text ?? '' }];
      if (m.bot_id !== undefined || (m.subtype !== undefined && m.subtype !== 'file_share' && m.subtype !== 'thread_broadcast')) return [];
      return [{ role: 'user', text: slackTextToPlain(stripBotMention(m.text ?? '', identity.botUserId), nameOf) }];
    })
    .filter((turn) => turn.text.trim() !== '');
}

async function threadMessages(client: WebClient, target: SlackReplyTarget): Promise<SlackHistoryMessage[]> {
  const collected: SlackHistoryMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({
      channel: target.channel,
      ts: target.threadTs as string,
      latest: target.messageTs,
      inclusive: false,
      limit: pageSize,
      ...(cursor === undefined ? {} : { cursor }),
    });
    collected.push(...((page.messages ?? []) as SlackHistoryMessage[]));
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor !== undefined && collected.length < maxMessages);
  return collected.slice(-maxMessages);
}

async function dmMessages(client: WebClient, target: SlackReplyTarget): Promise<SlackHistoryMessage[]> {
  const page = await client.conversations.history({ channel: target.channel, latest: target.messageTs, inclusive: false, limit: pageSize });
  // History comes newest first; thread replies stay in their threads.
  return ((page.messages ?? []) as SlackHistoryMessage[]).filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts).reverse();
}
