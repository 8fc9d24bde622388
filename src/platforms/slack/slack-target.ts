/**
 * Slack's conversation keys and message ids, encoded and decoded in one place: the core sees an
 * opaque string, and nothing outside this adapter splits one.
 */
import type { InboundMessage } from '../../core/index.js';

/** Where a conversation lives: a thread, a top-level DM, or a user's private /ask talk in a channel. */
export type SlackConversation =
  | { readonly kind: 'thread'; readonly channel: string; readonly threadTs: string }
  | { readonly kind: 'dm'; readonly channel: string }
  | { readonly kind: 'private'; readonly channel: string; readonly userId: string };

/** Where one answer goes, and the user message it answers. */
export interface SlackReplyTarget {
  readonly channel: string;
  /** Thread to answer in; absent for a top-level DM, answered at top level. */
  readonly threadTs: string | undefined;
  /** The user's message (what the answer's metadata names, and what a claim reacts to). */
  readonly messageTs: string;
  readonly userId: string;
}

const prefix = 'slack';

export function encodeSlackConversation(conversation: SlackConversation): string {
  switch (conversation.kind) {
    case 'thread':
      return `${prefix}:${conversation.channel}:${conversation.threadTs}`;
    case 'dm':
      return `${prefix}:${conversation.channel}`;
    case 'private':
      return `${prefix}:${conversation.channel}:private:${conversation.userId}`;
  }
}

export function decodeSlackConversation(key: string): SlackConversation {
  const [head, channel = '', second, third] = key.split(':');
  if (head !== prefix || channel === '') throw new Error(`not a Slack conversation key: ${key}`);
  if (second === undefined) return { kind: 'dm', channel };
  if (second === 'private' && third !== undefined) return { kind: 'private', channel, userId: third };
  return { kind: 'thread', channel, threadTs: second };
}

/** A message's dedupe id: its channel and ts (a ts is unique only within its channel). */
export function encodeSlackMessageId(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

export function decodeSlackMessageId(id: string): { readonly channel: string; readonly ts: string } {
  const at = id.indexOf(':');
  return { channel: id.slice(0, at), ts: id.slice(at + 1) };
}

/** The reply target of a message this adapter made. */
export function slackReplyTarget(message: InboundMessage): SlackReplyTarget {
  const conversation = decodeSlackConversation(message.conversationKey);
  return {
    channel: conversation.channel,
    threadTs: conversation.kind === 'thread' ? conversation.threadTs : undefined,
    messageTs: decodeSlackMessageId(message.messageId).ts,
    userId: message.authorId,
  };
}
