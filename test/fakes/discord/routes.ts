// REST v10 routes for the resources a chat bot touches: gateway info, users, channels, messages,
// reactions, typing, guild members. Every write is echoed on the gateway as Discord does.
import type { APIAttachment, APIMessage, APIReaction } from 'discord-api-types/v10';
import { ApiError, type RestContext, type RestResult, type Route, asRecord, invalidForm, notFound } from './http.js';
import { applyEdit, composeMessage, readMessageBody } from './messages.js';
import type { ChannelState, DiscordStore } from './store.js';

export interface Backend {
  store: DiscordStore;
  dispatch: (event: string, data: Record<string, unknown>) => void;
  gatewayUrl: () => string;
  identifies: () => number;
  /** The application's flags, privileged intents included, as READY and /applications/@me report them. */
  applicationFlags: () => number;
}

// Discord allows 1000 IDENTIFYs a day; the answer counts them down like the real one.
const SESSION_START_TOTAL = 1000;
const DAY_MS = 86_400_000;

export function coreRoutes(backend: Backend): Route[] {
  return [...infoRoutes(backend), ...messageRoutes(backend), ...reactionRoutes(backend), ...guildRoutes(backend)];
}

const ok = (body: unknown, after?: () => void): RestResult => ({ status: 200, body, ...(after ? { after } : {}) });
const noContent = (after?: () => void): RestResult => ({ status: 204, ...(after ? { after } : {}) });

function channelOf(store: DiscordStore, ctx: RestContext): ChannelState {
  const channel = store.channels.get(ctx.params.channel ?? '');
  if (!channel) throw notFound('Channel', 10003);
  return channel;
}

function messageOf(store: DiscordStore, ctx: RestContext): { channel: ChannelState; message: APIMessage } {
  const channel = channelOf(store, ctx);
  const message = store.message(channel.id, ctx.params.message ?? '');
  if (!message) throw notFound('Message', 10008);
  return { channel, message };
}

function infoRoutes(backend: Backend): Route[] {
  const { store } = backend;
  return [
    {
      method: 'GET', pattern: '/gateway/bot',
      handle: () => ok({
        url: backend.gatewayUrl(), shards: 1,
        session_start_limit: { total: SESSION_START_TOTAL, remaining: Math.max(0, SESSION_START_TOTAL - backend.identifies()), reset_after: DAY_MS, max_concurrency: 1 },
      }),
    },
    { method: 'GET', pattern: '/gateway', auth: false, handle: () => ok({ url: backend.gatewayUrl() }) },
    { method: 'GET', pattern: '/users/@me', handle: () => ok(store.bot) },
    {
      method: 'GET', pattern: '/users/:user',
      handle: (ctx) => ok(store.users.get(ctx.params.user ?? '') ?? throwError(notFound('User', 10013))),
    },
    {
      method: 'POST', pattern: '/users/@me/channels',
      handle: (ctx) => {
        const recipient = asRecord(ctx.body).recipient_id;
        if (typeof recipient !== 'string' || !store.users.has(recipient)) throw new ApiError(400, 50033, 'Invalid Recipient(s)');
        return ok(store.channelPayload(store.dmChannelFor(recipient)));
      },
    },
    ...['/applications/@me', '/oauth2/applications/@me'].map((pattern): Route => ({
      method: 'GET', pattern,
      handle: () => ok({
        id: store.applicationId, name: store.bot.username, icon: null, description: '', summary: '', type: null,
        bot_public: true, bot_require_code_grant: false, verify_key: '0'.repeat(64), flags: backend.applicationFlags(), team: null,
        owner: store.users.values().next().value, bot: store.bot, install_params: null, approximate_guild_count: store.guilds.size,
      }),
    })),
  ];
}

function messageRoutes(backend: Backend): Route[] {
  const { store } = backend;
  return [
    { method: 'GET', pattern: '/channels/:channel', handle: (ctx) => ok(store.channelPayload(channelOf(store, ctx))) },
    {
      method: 'GET', pattern: '/channels/:channel/messages',
      handle: (ctx) => {
        const channel = channelOf(store, ctx);
        const limit = Number(ctx.query.get('limit') ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
          throw invalidForm('limit', 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
        }
        const pick = (name: string): { [key: string]: string } => {
          const value = ctx.query.get(name);
          return value === null ? {} : { [name]: value };
        };
        return ok(store.list(channel.id, { limit, ...pick('before'), ...pick('after'), ...pick('around') }).map(withoutNonce));
      },
    },
    { method: 'GET', pattern: '/channels/:channel/messages/:message', handle: (ctx) => ok(withoutNonce(messageOf(store, ctx).message)) },
    { method: 'POST', pattern: '/channels/:channel/messages', handle: (ctx) => createMessage(backend, ctx) },
    { method: 'PATCH', pattern: '/channels/:channel/messages/:message', handle: (ctx) => editMessage(backend, ctx) },
    {
      method: 'DELETE', pattern: '/channels/:channel/messages/:message',
      handle: (ctx) => {
        const { channel, message } = messageOf(store, ctx);
        store.remove(channel.id, message.id);
        return noContent(() => backend.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: channel.id, ...guildField(channel) }));
      },
    },
    {
      method: 'POST', pattern: '/channels/:channel/typing',
      handle: (ctx) => {
        const channel = channelOf(store, ctx);
        const member = channel.guildId ? { member: store.member(channel.guildId, store.bot.id) } : {};
        return noContent(() => backend.dispatch('TYPING_START', {
          channel_id: channel.id, user_id: store.bot.id, timestamp: Math.floor(Date.now() / 1000), ...guildField(channel), ...member,
        }));
      },
    },
  ];
}

const uploaded = (store: DiscordStore, channelId: string, ctx: RestContext): APIAttachment[] =>
  ctx.files.map((f) => store.attachment(channelId, { filename: f.filename, contentType: f.contentType, data: f.data }));

/** How long Discord remembers a nonce for enforce_nonce ("the past few minutes"). */
const nonceWindowMs = 5 * 60_000;

/** A nonce is only echoed where the message is created (the create's answer, MESSAGE_CREATE); a read never shows it. */
function withoutNonce(message: APIMessage): APIMessage {
  const { nonce: _nonce, ...rest } = message;
  return rest;
}

/**
 * enforce_nonce: Discord answers with the author's message that has the same nonce from the last few minutes
 * instead of creating one, and with 10008 Unknown Message if that message was deleted since (discord-api-docs #6647).
 */
function earlierWithNonce(store: DiscordStore, nonce: string | number): RestResult | undefined {
  const earlier = store.nonces.get(`${store.bot.id}:${nonce}`);
  if (!earlier || earlier.at < Date.now() - nonceWindowMs) return undefined;
  const message = store.message(earlier.channelId, earlier.messageId);
  if (!message) throw notFound('Message', 10008);
  return ok(message);
}

function createMessage({ store, dispatch }: Backend, ctx: RestContext): RestResult {
  const channel = channelOf(store, ctx);
  const body = readMessageBody(ctx.body, ctx.files.length, true);
  let replyTo: APIMessage | undefined;
  if (body.reference) {
    const referenceChannel = asRecord(asRecord(ctx.body).message_reference).channel_id;
    replyTo = store.message(typeof referenceChannel === 'string' ? referenceChannel : channel.id, body.reference.message_id);
    if (!replyTo && body.reference.fail_if_not_exists) {
      throw invalidForm('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
  }
  if (asRecord(ctx.body).enforce_nonce === true && body.nonce !== undefined) {
    const earlier = earlierWithNonce(store, body.nonce);
    if (earlier) return earlier;
  }
  const message = composeMessage(store, {
    channel, author: store.bot, content: body.content ?? '', attachments: uploaded(store, channel.id, ctx),
    ...(body.embeds ? { embeds: body.embeds } : {}), ...(body.components ? { components: body.components } : {}),
    ...(replyTo ? { replyTo } : {}), ...(body.pingReplied === undefined ? {} : { pingReplied: body.pingReplied }),
    ...(body.flags === undefined ? {} : { flags: body.flags }), ...(body.nonce === undefined ? {} : { nonce: body.nonce }),
  });
  store.insert(message);
  if (body.nonce !== undefined) store.nonces.set(`${store.bot.id}:${body.nonce}`, { channelId: channel.id, messageId: message.id, at: Date.now() });
  return ok(message, () => dispatch('MESSAGE_CREATE', store.gatewayMessage(message)));
}

function editMessage({ store, dispatch }: Backend, ctx: RestContext): RestResult {
  const { message } = messageOf(store, ctx);
  if (message.author.id !== store.bot.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
  const edit = readMessageBody(ctx.body, ctx.files.length, false);
  // `attachments` in a PATCH lists the ones to keep; new files are added to them.
  const kept = asRecord(ctx.body).attachments;
  const attachments = Array.isArray(kept) || ctx.files.length > 0
    ? [
        ...message.attachments.filter((a) => !Array.isArray(kept) || kept.some((k) => asRecord(k).id === a.id)),
        ...uploaded(store, message.channel_id, ctx),
      ]
    : undefined;
  applyEdit(message, edit, attachments);
  return ok(message, () => dispatch('MESSAGE_UPDATE', store.gatewayMessage(message)));
}

function guildRoutes(backend: Backend): Route[] {
  const { store } = backend;
  return [
    {
      method: 'GET', pattern: '/guilds/:guild',
      handle: (ctx) => {
        const guild = store.guildPayload(ctx.params.guild ?? '') ?? throwError(notFound('Guild', 10004));
        const { channels: _c, members: _m, threads: _t, presences: _p, voice_states: _v, joined_at: _j, large: _l, ...rest } = guild;
        return ok(rest);
      },
    },
    {
      method: 'GET', pattern: '/guilds/:guild/channels',
      handle: (ctx) => {
        const guild = store.guilds.get(ctx.params.guild ?? '') ?? throwError(notFound('Guild', 10004));
        return ok(guild.channelIds.flatMap((id) => {
          const channel = store.channels.get(id);
          return channel ? [store.channelPayload(channel)] : [];
        }));
      },
    },
    {
      method: 'GET', pattern: '/guilds/:guild/members/:user',
      handle: (ctx) => {
        if (!store.guilds.has(ctx.params.guild ?? '')) throw notFound('Guild', 10004);
        return ok(store.member(ctx.params.guild ?? '', ctx.params.user ?? '') ?? throwError(notFound('Member', 10007)));
      },
    },
  ];
}

function reactionRoutes(backend: Backend): Route[] {
  const { store } = backend;
  const pattern = '/channels/:channel/messages/:message/reactions/:emoji/@me';
  const react = (ctx: RestContext, add: boolean): RestResult => {
    const { channel, message } = messageOf(store, ctx);
    const raw = ctx.params.emoji ?? '';
    // Custom emoji travel as name:id, unicode ones as themselves.
    const [name = raw, id = null] = raw.includes(':') ? raw.split(':') : [raw];
    const reactions: APIReaction[] = (message.reactions ??= []);
    let reaction = reactions.find((r) => r.emoji.name === name && r.emoji.id === id);
    if (add === Boolean(reaction?.me)) return { status: 204 };
    if (!reaction) {
      reaction = { count: 0, count_details: { burst: 0, normal: 0 }, me: false, me_burst: false, emoji: { id, name }, burst_colors: [] };
      reactions.push(reaction);
    }
    reaction.me = add;
    reaction.count += add ? 1 : -1;
    reaction.count_details.normal = reaction.count;
    if (reaction.count === 0) reactions.splice(reactions.indexOf(reaction), 1);
    const member = channel.guildId && add ? { member: store.member(channel.guildId, store.bot.id) } : {};
    return {
      status: 204,
      after: () => backend.dispatch(add ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE', {
        user_id: store.bot.id, channel_id: channel.id, message_id: message.id, emoji: { id, name }, burst: false, type: 0,
        ...(add ? { message_author_id: message.author.id } : {}), ...guildField(channel), ...member,
      }),
    };
  };
  return [
    { method: 'PUT', pattern, handle: (ctx) => react(ctx, true) },
    { method: 'DELETE', pattern, handle: (ctx) => react(ctx, false) },
  ];
}

const guildField = (channel: ChannelState): { guild_id?: string } => (channel.guildId ? { guild_id: channel.guildId } : {});

export function throwError(error: Error): never {
  throw error;
}
