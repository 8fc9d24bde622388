import type { InboundFile, InboundMessage } from '../../core/index.js';
import { encodeSlackConversation, encodeSlackMessageId } from './slack-target.js';

/** Who the bot is in this workspace (from auth.test). */
export interface SlackIdentity {
  readonly botUserId: string;
  readonly botId: string | undefined;
  readonly teamId: string;
}

export interface SlackAllowlist {
  readonly channels: readonly string[];
  readonly users: readonly string[];
}

/** The fields of `app_mention` and `message` events the bridge reads. */
export interface SlackMessageEvent {
  readonly type: string;
  readonly subtype?: string;
  readonly user?: string;
  readonly bot_id?: string;
  readonly text?: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly channel: string;
  readonly channel_type?: string;
  readonly files?: readonly SlackEventFile[];
}

/** The fields of a file object in a message event the bridge reads. */
export interface SlackEventFile {
  readonly id: string;
  readonly name?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly mode?: string;
  readonly url_private_download?: string;
}

export type SlackRouting = { readonly answer: true; readonly message: InboundMessage } | { readonly answer: false; readonly reason: string };

/** Subtypes that are still a person writing to the bot; every other subtype is an edit, join, etc. */
export const answerableSubtypes: ReadonlySet<string> = new Set(['file_share', 'thread_broadcast']);

/** Whether a message (event or history) was written by this bot. */
export function isOwnSlackMessage(m: { readonly user?: string; readonly bot_id?: string }, identity: SlackIdentity): boolean {
  return m.user === identity.botUserId || (m.bot_id !== undefined && m.bot_id === identity.botId);
}

/** Whether a history message is top level (a thread's parent included), not a reply inside a thread. */
export function isTopLevel(m: { readonly ts?: string; readonly thread_ts?: string }): boolean {
  return m.thread_ts === undefined || m.thread_ts === m.ts;
}

/**
 * Decides whether an event is addressed to the bot and normalises it. Bots
 * (including this one) are passed on flagged so the core counts and drops them.
 */
export function routeSlackEvent(event: SlackMessageEvent, identity: SlackIdentity, allow: SlackAllowlist): SlackRouting {
  const isDm = event.channel_type === 'im';
  if (event.type === 'message' && !isDm) return { answer: false, reason: 'channel message without a mention' };
  if (event.type !== 'message' && event.type !== 'app_mention') return { answer: false, reason: `event ${event.type}` };
  if (event.subtype !== undefined && !answerableSubtypes.has(event.subtype)) return { answer: false, reason: `subtype ${event.subtype}` };
  const authorId = event.user ?? event.bot_id ?? 'unknown';
  const authorIsBot = event.bot_id !== undefined || event.user === identity.botUserId || event.subtype === 'bot_message';
  if (!authorIsBot) {
    if (allow.users.length > 0 && !allow.users.includes(authorId)) return { answer: false, reason: 'user not in SLACK_ALLOWED_USERS' };
    // DMs are governed by the user allowlist only: a DM channel id is never in a channel list.
    if (!isDm && allow.channels.length > 0 && !allow.channels.includes(event.channel)) {
      return { answer: false, reason: 'channel not in SLACK_ALLOWED_CHANNELS' };
    }
  }
  // A top-level DM is one running conversation; everything else is its thread.
  const threadTs = event.thread_ts ?? (isDm ? undefined : event.ts);
  return {
    answer: true,
    message: {
      platform: 'slack',
      conversationKey: encodeSlackConversation(threadTs === undefined ? { kind: 'dm', channel: event.channel } : { kind: 'thread', channel: event.channel, threadTs }),
      messageId: encodeSlackMessageId(event.channel, event.ts),
      authorId,
      authorIsBot,
      text: stripBotMention(event.text ?? '', identity.botUserId),
      sentAt: Math.round(Number(event.ts) * 1000),
      ...withFiles(event.files),
    },
  };
}

/** Files Slack hosts (external and deleted ones have nothing to download). */
function withFiles(files: readonly SlackEventFile[] | undefined): { files?: InboundFile[] } {
  const hosted = (files ?? []).flatMap((file): InboundFile[] =>
    file.url_private_download === undefined || file.mode === 'external' || file.mode === 'tombstone'
      ? []
      : [{ id: file.id, name: file.name ?? file.id, mimeType: file.mimetype ?? 'application/octet-stream', sizeBytes: file.size ?? 0, url: file.url_private_download }],
  );
  return hosted.length === 0 ? {} : { files: hosted };
}

export function stripBotMention(text: string, botUserId: string): string {
  return text.replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), '').replace(/[ \t]{2,}/g, ' ').trim();
}

/**
 * Turns Slack's wire markup into plain text a model reads well: user and
 * channel references, links, special mentions and the three HTML entities.
 */
export function slackTextToPlain(text: string, nameOf: (userId: string) => string | undefined): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `@${label ?? nameOf(id) ?? id}`)
    .replace(/<#(C[A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label !== undefined && label !== '' ? label : id}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_m, label?: string) => label ?? '@group')
    .replace(/<((?:https?|mailto):[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<((?:https?|mailto):[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** User ids referenced in a text, for name look-ups. */
export function mentionedUserIds(text: string): string[] {
  return [...new Set([...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1] as string))];
}
