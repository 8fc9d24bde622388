// conversations.*, users.info: the methods a bot reads a workspace with, cursor-paginated as Slack does.
import { publicCopy } from './chat-methods.js';
import { tsKey } from './store.js';
import type { SlackStore } from './store.js';
import type { FakeChannel, StoredMessage } from './types.js';
import { bool, int, str } from './web-api.js';
import type { Args, MethodBody, MethodSpec } from './web-api.js';

const fail = (error: string): MethodBody => ({ ok: false, error });

/** Slack's cursors are base64 of `next_ts:<ts>`; keeping the shape lets a bot treat them as opaque. */
const encodeCursor = (ts: string): string => Buffer.from(`next_ts:${ts}`).toString('base64');

function decodeCursor(cursor: string): string | undefined {
  const match = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  return match?.[1];
}

interface PageRules {
  defaultLimit: number;
  newestFirst: boolean;
}

/** oldest/latest bound the range (exclusive unless `inclusive`), then limit/cursor cut pages. */
export function page(messages: StoredMessage[], args: Args, rules: PageRules): MethodBody {
  const oldest = str(args, 'oldest');
  const latest = str(args, 'latest');
  const inclusive = bool(args, 'inclusive');
  const inRange = messages.filter((m) => {
    const key = tsKey(m.ts);
    if (oldest !== undefined && (inclusive ? key < tsKey(oldest) : key <= tsKey(oldest))) return false;
    if (latest !== undefined && (inclusive ? key > tsKey(latest) : key >= tsKey(latest))) return false;
    return true;
  });
  const ordered = rules.newestFirst ? inRange.reverse() : inRange;
  let start = 0;
  const cursor = str(args, 'cursor');
  if (cursor !== undefined) {
    const from = decodeCursor(cursor);
    start = ordered.findIndex((m) => m.ts === from);
    if (from === undefined || start < 0) return fail('invalid_cursor');
  }
  const requested = int(args, 'limit') ?? 0;
  const limit = requested > 0 ? Math.min(requested, 1000) : rules.defaultLimit;
  const slice = ordered.slice(start, start + limit);
  const next = ordered[start + limit];
  const withMetadata = bool(args, 'include_all_metadata');
  return {
    ok: true,
    messages: slice.map((m) => {
      const copy = publicCopy(m);
      if (!withMetadata) delete copy.metadata;
      return copy;
    }),
    has_more: next !== undefined,
    response_metadata: { next_cursor: next === undefined ? '' : encodeCursor(next.ts) },
  };
}

function channelObject(channel: FakeChannel, teamId: string): Record<string, unknown> {
  const isIm = channel.type === 'im';
  return {
    id: channel.id,
    ...(isIm ? { user: channel.user, is_user_deleted: false } : { name: channel.name, is_general: channel.name === 'general' }),
    is_channel: channel.type === 'channel',
    is_group: channel.type === 'group',
    is_im: isIm,
    is_mpim: channel.type === 'mpim',
    is_private: channel.type !== 'channel',
    created: channel.created,
    is_archived: false,
    is_member: true,
    is_ext_shared: false,
    is_org_shared: false,
    context_team_id: teamId,
  };
}

export function conversationMethods(store: SlackStore): Array<[string, MethodSpec]> {
  const { teamId } = store.ids;

  const replies = (args: Args): MethodBody => {
    const channel = str(args, 'channel');
    if (channel === undefined || store.channel(channel) === undefined) return fail('channel_not_found');
    const thread = store.thread(channel, str(args, 'ts') ?? '');
    if (thread === undefined) return fail('thread_not_found');
    return page(thread, args, { defaultLimit: 1000, newestFirst: false });
  };

  const history = (args: Args): MethodBody => {
    const messages = store.history(str(args, 'channel') ?? '');
    if (messages === undefined) return fail('channel_not_found');
    return page(messages, args, { defaultLimit: 100, newestFirst: true });
  };

  const info = (args: Args): MethodBody => {
    const channel = store.channel(str(args, 'channel') ?? '');
    return channel === undefined ? fail('channel_not_found') : { ok: true, channel: channelObject(channel, teamId) };
  };

  const open = (args: Args): MethodBody => {
    const users = (str(args, 'users') ?? '').split(',').filter((u) => u !== '');
    const [user] = users;
    if (users.length !== 1 || user === undefined) return fail(users.length === 0 ? 'users_list_not_supplied' : 'not_supported');
    if (store.user(user) === undefined) return fail('user_not_found');
    return { ok: true, channel: { id: store.dmWith(user).id } };
  };

  const userInfo = (args: Args): MethodBody => {
    const user = store.user(str(args, 'user') ?? '');
    if (user === undefined) return fail('user_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: teamId,
        name: user.name,
        deleted: false,
        real_name: user.realName,
        tz: 'Europe/London',
        tz_offset: 0,
        profile: {
          real_name: user.realName,
          real_name_normalized: user.realName,
          display_name: user.displayName,
          display_name_normalized: user.displayName,
          team: teamId,
          ...(user.isBot ? { bot_id: store.ids.botId } : {}),
        },
        is_admin: false,
        is_owner: false,
        is_bot: user.isBot,
        is_app_user: false,
        updated: Math.floor(Date.now() / 1000),
      },
    };
  };

  /** The conversations the bot is a member of (all of them, here), filtered by `types`. */
  const memberships = (args: Args): MethodBody => {
    const wanted = new Set((str(args, 'types') ?? 'public_channel').split(',').map((t) => t.trim()));
    const typeName = { channel: 'public_channel', group: 'private_channel', im: 'im', mpim: 'mpim' } as const;
    const channels = store
      .allChannels()
      .filter((c) => wanted.has(typeName[c.type]))
      .slice(0, int(args, 'limit') ?? 100)
      .map((c) => ({
        id: c.id,
        name: c.name,
        created: c.created,
        is_channel: c.type === 'channel',
        is_group: c.type === 'group',
        is_im: c.type === 'im',
        is_mpim: c.type === 'mpim',
        is_private: c.type !== 'channel',
        is_archived: false,
        ...(c.user === undefined ? {} : { user: c.user }),
      }));
    return { ok: true, channels, response_metadata: { next_cursor: '' } };
  };

  return [
    ['users.conversations', { token: 'bot', handle: memberships }],
    ['conversations.replies', { token: 'bot', handle: replies }],
    ['conversations.history', { token: 'bot', handle: history }],
    ['conversations.info', { token: 'bot', handle: info }],
    ['conversations.open', { token: 'bot', handle: open }],
    ['users.info', { token: 'bot', handle: userInfo }],
  ];
}
