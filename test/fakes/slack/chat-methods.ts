// chat.*, reactions.*, assistant.threads.setStatus, auth.test: the methods a bot writes with.
import type { NewMessage, SlackStore } from './store.js';
import type { FakeChannel, StoredMessage } from './types.js';
import { str } from './web-api.js';
import type { Args, MethodBody, MethodSpec } from './web-api.js';

export interface ChatDeps {
  store: SlackStore;
  /** Called after every change to the store so waiters re-check. */
  changed: () => void;
  /** A stream with no append for this long answers message_not_in_streaming_state, as Slack's do. */
  streamIdleMs: number;
  /** A stream this long after chat.startStream is finalized by Slack, however busy it is. */
  streamLifetimeMs: number;
  /** Open streams (`channel:ts`) with their start and last activity; clearing an entry expires that stream. */
  streams: Map<string, StreamClock>;
  /** assistant.threads.setStatus per thread (`channel:thread_ts`): the text and when it was set. */
  statuses: Map<string, { status: string; at: number }>;
}

/** Slack removes a thread's status two minutes after it was set if no message was sent. */
export const statusLifetimeMs = 2 * 60_000;

export interface StreamClock {
  readonly startedAt: number;
  lastAt: number;
}

/** Slack takes metadata as a JSON object or a JSON string of one; anything else is ignored here. */
function metadataOf(args: Args): { metadata?: Record<string, unknown> } {
  const raw = typeof args.metadata === 'string' ? safeParse(args.metadata) : args.metadata;
  if (typeof raw !== 'object' || raw === null || typeof (raw as { event_type?: unknown }).event_type !== 'string') return {};
  return { metadata: raw as Record<string, unknown> };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const fail = (error: string): MethodBody => ({ ok: false, error });

export function publicCopy(message: StoredMessage): StoredMessage {
  return structuredClone(message);
}

/** `channel=U…` posts to the bot's DM with that user, as Slack allows. */
function resolveChannel(store: SlackStore, id: string | undefined): FakeChannel | undefined {
  if (id === undefined) return undefined;
  if (/^[UW]/.test(id)) return store.user(id) === undefined ? undefined : store.dmWith(id);
  return store.channel(id);
}

function chunkText(args: Args): string {
  const chunks = Array.isArray(args.chunks) ? (args.chunks as unknown[]) : [];
  const fromChunks = chunks
    .map((chunk) => (typeof chunk === 'object' && chunk !== null ? (chunk as Record<string, unknown>) : {}))
    .filter((chunk) => chunk.type === 'markdown_text' && typeof chunk.text === 'string')
    .map((chunk) => chunk.text as string)
    .join('');
  return (str(args, 'markdown_text') ?? '') + fromChunks;
}

/** Marks streams Slack would have finalized by now (lifetime or idle gap) as expired. */
export function expireDueStreams(store: SlackStore, streams: Map<string, StreamClock>, limits: { idleMs: number; lifetimeMs: number }): void {
  const now = Date.now();
  for (const [key, clock] of streams) {
    if (now - clock.lastAt <= limits.idleMs && now - clock.startedAt <= limits.lifetimeMs) continue;
    const [channel = '', ts = ''] = key.split(':');
    const message = store.find(channel, ts);
    if (message?.streaming_state === 'in_progress') message.streaming_state = 'expired';
    streams.delete(key);
  }
}

export function chatMethods(deps: ChatDeps): Array<[string, MethodSpec]> {
  const { store, changed } = deps;
  const { ids } = store;
  const streamActivity = deps.streams;

  const botAuthor = (): NewMessage => ({
    text: '',
    user: ids.botUserId,
    bot_id: ids.botId,
    app_id: ids.appId,
    team: ids.teamId,
    bot_profile: { id: ids.botId, app_id: ids.appId, name: 'Bridge Bot', team_id: ids.teamId, deleted: false },
  });

  const postMessage = (args: Args): MethodBody => {
    const channel = resolveChannel(store, str(args, 'channel'));
    if (channel === undefined) return fail('channel_not_found');
    const text = str(args, 'text') ?? str(args, 'markdown_text');
    const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined;
    if (text === undefined && blocks === undefined && !Array.isArray(args.attachments)) return fail('no_text');
    const threadTs = str(args, 'thread_ts');
    const stored = store.post(channel.id, {
      ...botAuthor(),
      text: text ?? '',
      ...(blocks === undefined ? {} : { blocks }),
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
      ...metadataOf(args),
    });
    // Our choice, stricter than Slack: a reply to a missing parent is a bot bug worth surfacing.
    if (stored === undefined) return fail('thread_not_found');
    // The app's message clears its "is thinking…" status in that thread.
    if (stored.thread_ts !== undefined) deps.statuses.delete(`${channel.id}:${stored.thread_ts}`);
    changed();
    return { ok: true, channel: channel.id, ts: stored.ts, message: publicCopy(stored) };
  };

  const ownMessage = (args: Args, notOwn: string): { channel: string; message: StoredMessage } | MethodBody => {
    const channel = str(args, 'channel');
    if (channel === undefined || store.channel(channel) === undefined) return fail('channel_not_found');
    const message = store.find(channel, str(args, 'ts') ?? '');
    if (message === undefined) return fail('message_not_found');
    if (message.bot_id !== ids.botId) return fail(notOwn);
    return { channel, message };
  };

  const update = (args: Args): MethodBody => {
    const found = ownMessage(args, 'cant_update_message');
    if ('ok' in found) return found;
    const { channel, message } = found;
    const text = str(args, 'text') ?? str(args, 'markdown_text');
    const blocks = Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined;
    if (text === undefined && blocks === undefined) return fail('no_text');
    message.text = text ?? '';
    if (blocks !== undefined) message.blocks = blocks;
    const { metadata } = metadataOf(args);
    if (metadata !== undefined) message.metadata = metadata;
    // chat.update is the one way to finalize a stream Slack expired: the message stops looking broken.
    if (message.streaming_state !== undefined) message.streaming_state = 'completed';
    streamActivity.delete(`${channel}:${message.ts}`);
    message.edited = { user: ids.botUserId, ts: store.nextTs() };
    changed();
    return { ok: true, channel, ts: message.ts, text: message.text, message: publicCopy(message) };
  };

  const remove = (args: Args): MethodBody => {
    const found = ownMessage(args, 'cant_delete_message');
    if ('ok' in found) return found;
    store.remove(found.channel, found.message.ts);
    changed();
    return { ok: true, channel: found.channel, ts: found.message.ts };
  };

  const startStream = (args: Args): MethodBody => {
    const channel = resolveChannel(store, str(args, 'channel'));
    if (channel === undefined) return fail('channel_not_found');
    // Slack documents both recipients as required outside DMs; the error name is our assumption.
    const recipient = str(args, 'recipient_user_id') !== undefined && str(args, 'recipient_team_id') !== undefined;
    if (channel.type !== 'im' && !recipient) return fail('invalid_arguments');
    const threadTs = str(args, 'thread_ts');
    const stored = store.post(channel.id, {
      ...botAuthor(),
      text: chunkText(args),
      streaming_state: 'in_progress',
      ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    });
    if (stored === undefined) return fail('thread_not_found');
    if (stored.thread_ts !== undefined) deps.statuses.delete(`${channel.id}:${stored.thread_ts}`);
    const now = Date.now();
    streamActivity.set(`${channel.id}:${stored.ts}`, { startedAt: now, lastAt: now });
    changed();
    return { ok: true, channel: channel.id, ts: stored.ts };
  };

  const openStream = (args: Args): { channel: string; message: StoredMessage } | MethodBody => {
    const found = ownMessage(args, 'cant_update_message');
    if ('ok' in found) return found;
    const key = `${found.channel}:${found.message.ts}`;
    const clock = streamActivity.get(key);
    const now = Date.now();
    if (found.message.streaming_state !== 'in_progress' || clock === undefined || now - clock.lastAt > deps.streamIdleMs || now - clock.startedAt > deps.streamLifetimeMs) {
      // Slack keeps what the stream got; the message shows as a broken stream until chat.update rewrites it.
      if (found.message.streaming_state === 'in_progress') found.message.streaming_state = 'expired';
      streamActivity.delete(key);
      return fail('message_not_in_streaming_state');
    }
    clock.lastAt = now;
    return found;
  };

  const appendStream = (args: Args): MethodBody => {
    const found = openStream(args);
    if ('ok' in found) return found;
    found.message.text += chunkText(args);
    changed();
    return { ok: true, channel: found.channel, ts: found.message.ts };
  };

  const stopStream = (args: Args): MethodBody => {
    const found = openStream(args);
    if ('ok' in found) return found;
    const { message } = found;
    message.text += chunkText(args);
    if (Array.isArray(args.blocks)) message.blocks = args.blocks as unknown[];
    const { metadata } = metadataOf(args);
    if (metadata !== undefined) message.metadata = metadata;
    message.streaming_state = 'completed';
    streamActivity.delete(`${found.channel}:${message.ts}`);
    changed();
    return { ok: true, channel: found.channel, ts: message.ts, message: publicCopy(message) };
  };

  const reaction = (adding: boolean) => (args: Args): MethodBody => {
    const channel = str(args, 'channel');
    const name = str(args, 'name');
    if (channel === undefined || store.channel(channel) === undefined) return fail('channel_not_found');
    const message = store.find(channel, str(args, 'timestamp') ?? '');
    if (message === undefined) return fail('message_not_found');
    if (name === undefined) return fail('invalid_name');
    const reactions = (message.reactions ??= []);
    const existing = reactions.find((r) => r.name === name);
    const mine = existing?.users.includes(ids.botUserId) === true;
    if (adding && mine) return fail('already_reacted');
    if (!adding && (!mine || existing === undefined)) return fail('no_reaction');
    if (adding) {
      if (existing === undefined) reactions.push({ name, users: [ids.botUserId], count: 1 });
      else existing.users.push(ids.botUserId);
    } else if (existing !== undefined) {
      existing.users = existing.users.filter((u) => u !== ids.botUserId);
    }
    for (const r of reactions) r.count = r.users.length;
    message.reactions = reactions.filter((r) => r.count > 0);
    if (message.reactions.length === 0) delete message.reactions;
    changed();
    return { ok: true };
  };

  const setStatus = (args: Args): MethodBody => {
    const channel = str(args, 'channel_id') ?? '';
    if (store.channel(channel) === undefined) return fail('channel_not_found');
    const threadTs = str(args, 'thread_ts');
    if (threadTs === undefined) return fail('invalid_arguments');
    if (typeof args.status !== 'string') return fail('invalid_arguments');
    const key = `${channel}:${threadTs}`;
    if (args.status === '') deps.statuses.delete(key);
    else deps.statuses.set(key, { status: args.status, at: Date.now() });
    changed();
    return { ok: true };
  };

  const authTest = (): MethodBody => ({
    ok: true,
    url: 'https://fake-workspace.slack.com/',
    team: 'Fake Workspace',
    user: store.user(ids.botUserId)?.name ?? 'bot',
    team_id: ids.teamId,
    user_id: ids.botUserId,
    bot_id: ids.botId,
    is_enterprise_install: false,
  });

  return [
    ['auth.test', { token: 'bot', handle: authTest }],
    ['chat.postMessage', { token: 'bot', handle: postMessage }],
    ['chat.update', { token: 'bot', handle: update }],
    ['chat.delete', { token: 'bot', handle: remove }],
    ['chat.startStream', { token: 'bot', handle: startStream }],
    ['chat.appendStream', { token: 'bot', handle: appendStream }],
    ['chat.stopStream', { token: 'bot', handle: stopStream }],
    ['reactions.add', { token: 'bot', handle: reaction(true) }],
    ['reactions.remove', { token: 'bot', handle: reaction(false) }],
    ['assistant.threads.setStatus', { token: 'bot', handle: setStatus }],
  ];
}
