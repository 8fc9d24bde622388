// Builds what Slack sends an app: Events API callbacks, Socket Mode envelopes, slash command payloads.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Envelope, FakeChannel, StoredMessage, WorkspaceIds } from './types.js';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Slack ids: a type letter (or two) then upper-case alphanumerics, e.g. `Ev08Q2BTMXB9`. */
export function slackId(prefix: string, length = 10): string {
  return prefix + [...randomBytes(length)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

/** Mentions arrive as `<@U123>` or, from older clients, `<@U123|name>`. */
export function mentions(text: string, userId: string): boolean {
  return text.includes(`<@${userId}>`) || text.includes(`<@${userId}|`);
}

/** What a Slack client attaches to a typed message; bots that read blocks instead of text need it. */
export function richTextBlocks(text: string): unknown[] {
  return [
    {
      type: 'rich_text',
      block_id: slackId('', 5),
      elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }],
    },
  ];
}

/** The inner event for a stored user message, shaped as `message` (DMs) or `app_mention` events are. */
export function messageEvent(
  kind: 'message' | 'app_mention',
  channel: FakeChannel,
  message: StoredMessage,
): Record<string, unknown> {
  const { type: _type, reply_count: _count, reply_users: _users, reply_users_count: _n, latest_reply: _latest, ...fields } =
    message;
  return {
    ...fields,
    type: kind,
    channel: channel.id,
    event_ts: message.ts,
    ...(kind === 'message' ? { channel_type: channel.type } : {}),
  };
}

/** The `event_callback` body, including the fields Bolt reads for authorisation. */
export function eventCallback(ids: WorkspaceIds, event: Record<string, unknown>, eventId: string): Record<string, unknown> {
  const context = { et: event.type, tid: ids.teamId, aid: ids.appId, cid: event.channel };
  return {
    token: 'fake-verification-token',
    team_id: ids.teamId,
    context_team_id: ids.teamId,
    context_enterprise_id: null,
    api_app_id: ids.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: ids.teamId, user_id: ids.botUserId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(JSON.stringify(context)).toString('base64url')}`,
  };
}

/** A first delivery carries `retry_attempt: 0, retry_reason: ""`; each delivery gets a new envelope id. */
export function eventsApiEnvelope(payload: Record<string, unknown>, retryAttempt: number, retryReason: string): Envelope {
  return {
    envelope_id: randomUUID(),
    payload,
    type: 'events_api',
    accepts_response_payload: false,
    retry_attempt: retryAttempt,
    retry_reason: retryReason,
  };
}

export interface SlashCommand {
  command: string;
  text: string;
  user: string;
  channel: string;
}

export function slashCommandEnvelope(
  ids: WorkspaceIds,
  command: SlashCommand & { userName: string; channelName: string },
  responseUrl: string,
): Envelope {
  return {
    envelope_id: randomUUID(),
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: {
      token: 'fake-verification-token',
      team_id: ids.teamId,
      team_domain: 'fake-workspace',
      channel_id: command.channel,
      channel_name: command.channelName,
      user_id: command.user,
      user_name: command.userName,
      command: command.command,
      text: command.text,
      api_app_id: ids.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: `${Date.now()}.${randomBytes(6).toString('hex')}`,
    },
  };
}
