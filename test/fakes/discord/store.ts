// The fake's world: users, guilds, channels and messages, and the payloads Discord builds from them.
import type { APIAttachment, APIGuildMember, APIMessage, APIUser, GuildMemberFlags, UserFlags } from 'discord-api-types/v10';
import { SnowflakeGenerator, compareSnowflakes } from './ids.js';
import type { FakeAttachmentSpec, FakeDiscordOptions, FakeGuildSpec, FakeUserSpec } from './types.js';

export const DEFAULT_BOT = { id: '100000000000000001', username: 'fake-bot' };
export const DEFAULT_USER: FakeUserSpec = { id: '400000000000000001', username: 'alice' };
export const DEFAULT_GUILD: FakeGuildSpec = {
  id: '200000000000000001',
  name: 'Fake Guild',
  channels: [{ id: '300000000000000001', name: 'general' }],
  members: [DEFAULT_USER],
};

const bit = (n: number): bigint => 1n << BigInt(n);
// View, send, embed, attach, read history, reactions, external emojis, slash commands, threads.
const MEMBER_PERMISSIONS = [10, 11, 14, 15, 16, 6, 18, 31, 35, 38].reduce((all, n) => all | bit(n), 0n);
// The bot's managed role adds Manage Messages, as a typical invite link grants.
const BOT_PERMISSIONS = MEMBER_PERMISSIONS | bit(13);

export const ChannelKind = { GuildText: 0, DM: 1, PublicThread: 11 } as const;

export interface ChannelState {
  id: string;
  type: number;
  name?: string;
  guildId?: string;
  recipientId?: string;
  /** Threads: the channel the thread lives in, and who started it. */
  parentId?: string;
  ownerId?: string;
  position: number;
  lastMessageId: string | null;
}

interface GuildState {
  id: string;
  name: string;
  ownerId: string;
  botRoleId: string;
  joinedAt: string;
  channelIds: string[];
  /** Active threads, which GUILD_CREATE lists apart from the channels. */
  threadIds: string[];
  /** user id → joined_at */
  members: Map<string, string>;
}

export class DiscordStore {
  readonly ids = new SnowflakeGenerator();
  readonly bot: APIUser;
  readonly applicationId: string;
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildState>();
  readonly channels = new Map<string, ChannelState>();
  /** Served under /attachments/… so a bot can download what users "uploaded". */
  readonly blobs = new Map<string, { contentType: string; data: Buffer }>();
  /** Nonces of created messages by `author:nonce`, kept after a delete: enforce_nonce answers from here. */
  readonly nonces = new Map<string, { channelId: string; messageId: string; at: number }>();
  /** Set once the server listens: attachment URLs point back at the fake. */
  origin = '';
  readonly #messages = new Map<string, APIMessage[]>();

  constructor(options: FakeDiscordOptions) {
    const bot = options.botUser ?? DEFAULT_BOT;
    this.bot = { ...this.ensureUser({ ...bot, bot: true }), verified: true, mfa_enabled: false, flags: 0 as UserFlags, email: null };
    this.users.set(this.bot.id, this.bot);
    this.applicationId = options.applicationId ?? bot.id;
    for (const spec of options.guilds ?? [DEFAULT_GUILD]) this.#addGuild(spec);
  }

  #addGuild(spec: FakeGuildSpec): void {
    const now = new Date().toISOString();
    const members = new Map<string, string>([[this.bot.id, now]]);
    for (const member of spec.members ?? []) members.set(this.ensureUser(member).id, now);
    const ownerId = spec.members?.[0]?.id ?? DEFAULT_USER.id;
    this.ensureUser(spec.members?.[0] ?? DEFAULT_USER);
    this.guilds.set(spec.id, {
      id: spec.id, name: spec.name, ownerId, botRoleId: this.ids.next(), joinedAt: now,
      channelIds: spec.channels.map((c) => c.id), threadIds: [], members,
    });
    spec.channels.forEach((c, position) =>
      this.channels.set(c.id, { id: c.id, type: ChannelKind.GuildText, name: c.name, guildId: spec.id, position, lastMessageId: null }));
  }

  ensureUser(spec: FakeUserSpec): APIUser {
    const known = this.users.get(spec.id);
    if (known) return known;
    const user: APIUser = {
      id: spec.id, username: spec.username, discriminator: '0', global_name: spec.globalName ?? null,
      avatar: null, public_flags: 0 as UserFlags, ...(spec.bot ? { bot: true } : {}),
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Discord keeps one DM channel per recipient and returns it again on every create. */
  dmChannelFor(userId: string): ChannelState {
    for (const channel of this.channels.values()) if (channel.recipientId === userId) return channel;
    const channel: ChannelState = { id: this.ids.next(), type: ChannelKind.DM, recipientId: userId, position: 0, lastMessageId: null };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** A public thread started in a guild text channel, as Discord stores it. */
  createThread(parentId: string, name: string, ownerId: string): ChannelState {
    const parent = this.channels.get(parentId);
    if (parent?.type !== ChannelKind.GuildText || parent.guildId === undefined) throw new Error(`fake Discord: ${parentId} is not a guild text channel`);
    const thread: ChannelState = {
      id: this.ids.next(), type: ChannelKind.PublicThread, name, guildId: parent.guildId, parentId, ownerId, position: 0, lastMessageId: null,
    };
    this.channels.set(thread.id, thread);
    this.guilds.get(parent.guildId)?.threadIds.push(thread.id);
    return thread;
  }

  channelPayload(channel: ChannelState, inGuildCreate = false): Record<string, unknown> {
    if (channel.type === ChannelKind.PublicThread) {
      // Threads carry guild_id everywhere, GUILD_CREATE's threads array included.
      return {
        id: channel.id, type: channel.type, name: channel.name, guild_id: channel.guildId, parent_id: channel.parentId,
        owner_id: channel.ownerId, flags: 0, rate_limit_per_user: 0, last_message_id: channel.lastMessageId,
        message_count: this.messages(channel.id).length, member_count: 1, total_message_sent: this.messages(channel.id).length,
        thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
      };
    }
    if (channel.type === ChannelKind.DM) {
      const recipient = this.users.get(channel.recipientId ?? '');
      return { id: channel.id, type: channel.type, last_message_id: channel.lastMessageId, flags: 0, recipients: recipient ? [recipient] : [] };
    }
    return {
      id: channel.id, type: channel.type, name: channel.name, position: channel.position, flags: 0,
      // GUILD_CREATE leaves guild_id off its channels; REST includes it.
      ...(inGuildCreate ? {} : { guild_id: channel.guildId }),
      parent_id: null, topic: null, nsfw: false, rate_limit_per_user: 0, permission_overwrites: [],
      last_message_id: channel.lastMessageId,
    };
  }

  member(guildId: string, userId: string): APIGuildMember | undefined {
    const guild = this.guilds.get(guildId);
    const joinedAt = guild?.members.get(userId);
    const user = this.users.get(userId);
    if (!guild || joinedAt === undefined || !user) return undefined;
    return {
      user, nick: null, avatar: null, banner: null, roles: userId === this.bot.id ? [guild.botRoleId] : [],
      joined_at: joinedAt, premium_since: null, deaf: false, mute: false, flags: 0 as GuildMemberFlags, pending: false,
    };
  }

  joinGuild(guildId: string, user: APIUser): void {
    const guild = this.guilds.get(guildId);
    if (guild && !guild.members.has(user.id)) guild.members.set(user.id, new Date().toISOString());
  }

  guildPayload(guildId: string): Record<string, unknown> | undefined {
    const guild = this.guilds.get(guildId);
    if (!guild) return undefined;
    const channels = guild.channelIds.flatMap((id) => {
      const channel = this.channels.get(id);
      return channel ? [this.channelPayload(channel, true)] : [];
    });
    const role = (id: string, name: string, permissions: bigint, position: number, tags?: object): object => ({
      id, name, color: 0, hoist: false, icon: null, unicode_emoji: null, position, permissions: permissions.toString(),
      managed: tags !== undefined, mentionable: false, flags: 0, ...(tags ? { tags } : {}),
    });
    return {
      id: guild.id, name: guild.name, icon: null, splash: null, discovery_splash: null, banner: null, description: null,
      owner_id: guild.ownerId, afk_channel_id: null, afk_timeout: 300, verification_level: 0,
      default_message_notifications: 0, explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0,
      premium_subscription_count: 0, preferred_locale: 'en-US', features: [], emojis: [], stickers: [],
      roles: [role(guild.id, '@everyone', MEMBER_PERMISSIONS, 0), role(guild.botRoleId, this.bot.username, BOT_PERMISSIONS, 1, { bot_id: this.bot.id })],
      system_channel_id: guild.channelIds[0] ?? null, system_channel_flags: 0, rules_channel_id: null,
      public_updates_channel_id: null, safety_alerts_channel_id: null, vanity_url_code: null, application_id: null,
      premium_progress_bar_enabled: false, max_members: 500_000, max_video_channel_users: 25,
      joined_at: guild.joinedAt, large: false, unavailable: false, member_count: guild.members.size,
      // Without GUILD_PRESENCES Discord sends only the bot's own member here.
      members: [this.member(guild.id, this.bot.id)], channels,
      threads: guild.threadIds.flatMap((id) => { const thread = this.channels.get(id); return thread ? [this.channelPayload(thread, true)] : []; }),
      presences: [], voice_states: [],
      stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
    };
  }

  attachment(channelId: string, spec: FakeAttachmentSpec): APIAttachment {
    const id = this.ids.next();
    const data = Buffer.from(spec.data ?? '');
    const contentType = spec.contentType ?? 'application/octet-stream';
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(spec.filename)}`;
    this.blobs.set(path, { contentType, data });
    const url = `${this.origin}${path}`;
    return { id, filename: spec.filename, size: data.length, url, proxy_url: url, content_type: contentType };
  }

  messages(channelId: string): APIMessage[] {
    return this.#messages.get(channelId) ?? [];
  }

  message(channelId: string, id: string): APIMessage | undefined {
    return this.messages(channelId).find((m) => m.id === id);
  }

  insert(message: APIMessage): void {
    const list = this.#messages.get(message.channel_id) ?? [];
    list.push(message);
    this.#messages.set(message.channel_id, list);
    const channel = this.channels.get(message.channel_id);
    if (channel) channel.lastMessageId = message.id;
  }

  remove(channelId: string, id: string): boolean {
    const list = this.messages(channelId);
    const index = list.findIndex((m) => m.id === id);
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }

  /** GET /channels/:id/messages semantics: newest first, at most `limit`, one of before/after/around. */
  list(channelId: string, query: { limit: number; before?: string; after?: string; around?: string }): APIMessage[] {
    const all = this.messages(channelId);
    const newestFirst = (list: APIMessage[]): APIMessage[] => [...list].reverse();
    if (query.around !== undefined) {
      const pivot = query.around;
      const at = all.findIndex((m) => compareSnowflakes(m.id, pivot) >= 0);
      const start = Math.max(0, (at < 0 ? all.length : at) - Math.floor(query.limit / 2));
      return newestFirst(all.slice(start, start + query.limit));
    }
    if (query.after !== undefined) {
      const after = query.after;
      return newestFirst(all.filter((m) => compareSnowflakes(m.id, after) > 0).slice(0, query.limit));
    }
    const before = query.before;
    const older = before === undefined ? all : all.filter((m) => compareSnowflakes(m.id, before) < 0);
    return newestFirst(older.slice(-query.limit));
  }

  /** What MESSAGE_CREATE/UPDATE carry beyond the REST message: guild_id, member, channel_type. */
  gatewayMessage(message: APIMessage): Record<string, unknown> {
    const channel = this.channels.get(message.channel_id);
    const guildId = channel?.guildId;
    if (!guildId) return { ...message, channel_type: channel?.type ?? ChannelKind.DM };
    const { user: _user, ...member } = this.member(guildId, message.author.id) ?? {};
    const mentions = message.mentions.map((u) => {
      const { user: _mentioned, ...m } = this.member(guildId, u.id) ?? {};
      return Object.keys(m).length > 0 ? { ...u, member: m } : u;
    });
    return {
      ...message, guild_id: guildId, channel_type: channel.type, mentions,
      ...(message.webhook_id ? {} : { member }),
    };
  }
}
