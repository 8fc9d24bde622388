// The workspace the fake serves: users, channels and their messages, with Slack's thread bookkeeping.
import type { ChannelType, FakeChannel, FakeUser, StoredMessage, WorkspaceIds } from './types.js';

interface ChannelRecord {
  info: FakeChannel;
  messages: StoredMessage[];
}

export type NewMessage = Omit<StoredMessage, 'type' | 'ts'>;

/** Slack compares ts as decimal strings; as a double the sixth decimal of a 10-digit second is lost. */
export function tsKey(ts: string): bigint {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
}

function typeFromId(id: string): ChannelType {
  if (id.startsWith('D')) return 'im';
  if (id.startsWith('G')) return 'group';
  return 'channel';
}

export class SlackStore {
  readonly ids: WorkspaceIds;
  readonly #users = new Map<string, FakeUser>();
  readonly #channels = new Map<string, ChannelRecord>();
  #lastMicros = 0n;
  #dmCounter = 0;

  constructor(ids: WorkspaceIds) {
    this.ids = ids;
    this.addUser({ id: ids.botUserId, name: 'bridge-bot', realName: 'Bridge Bot', displayName: 'Bridge Bot', isBot: true });
    this.addUser({ id: 'UALICE', name: 'alice', realName: 'Alice Liddell', displayName: 'alice', isBot: false });
    this.addUser({ id: 'UBOB', name: 'bob', realName: 'Bob Dobbs', displayName: 'bob', isBot: false });
    this.addChannel({ id: 'CGENERAL', name: 'general', type: 'channel' });
  }

  /** Unique and increasing, `"<seconds>.<6 digits>"`, even for many posts in one millisecond. */
  nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.#lastMicros = now > this.#lastMicros ? now : this.#lastMicros + 1n;
    const seconds = this.#lastMicros / 1_000_000n;
    const micros = (this.#lastMicros % 1_000_000n).toString().padStart(6, '0');
    return `${seconds}.${micros}`;
  }

  addUser(user: FakeUser): FakeUser {
    this.#users.set(user.id, user);
    return user;
  }

  user(id: string): FakeUser | undefined {
    return this.#users.get(id);
  }

  /** Tests name users freely; an unknown id becomes a plain member rather than an error. */
  ensureUser(id: string): FakeUser {
    const name = id.toLowerCase();
    return this.user(id) ?? this.addUser({ id, name, realName: name, displayName: name, isBot: false });
  }

  addChannel(channel: { id: string; name?: string; type?: ChannelType; user?: string }): FakeChannel {
    const info: FakeChannel = {
      id: channel.id,
      name: channel.name ?? channel.id.toLowerCase(),
      type: channel.type ?? typeFromId(channel.id),
      created: Math.floor(Date.now() / 1000),
      ...(channel.user === undefined ? {} : { user: channel.user }),
    };
    this.#channels.set(info.id, { info, messages: [] });
    return info;
  }

  channel(id: string): FakeChannel | undefined {
    return this.#channels.get(id)?.info;
  }

  /** Every channel, in creation order (the fake treats the bot as a member of all of them). */
  allChannels(): FakeChannel[] {
    return [...this.#channels.values()].map((record) => record.info);
  }

  ensureChannel(id: string, type?: ChannelType, user?: string): FakeChannel {
    return this.channel(id) ?? this.addChannel({ id, ...(type === undefined ? {} : { type }), ...(user === undefined ? {} : { user }) });
  }

  /** The bot's DM with a user, created on first use as Slack does for `chat.postMessage channel=U…`. */
  dmWith(userId: string): FakeChannel {
    for (const { info } of this.#channels.values()) {
      if (info.type === 'im' && info.user === userId) return info;
    }
    this.#dmCounter += 1;
    return this.addChannel({ id: `DFAKE${String(this.#dmCounter).padStart(4, '0')}`, type: 'im', user: userId });
  }

  /** Stores a message; a thread_ts naming a reply is moved to that reply's parent, as Slack does. */
  post(channelId: string, message: NewMessage): StoredMessage | undefined {
    const record = this.#channels.get(channelId);
    if (record === undefined) return undefined;
    const stored: StoredMessage = { type: 'message', ts: this.nextTs(), ...message };
    if (message.thread_ts !== undefined) {
      const parent = this.#parentOf(record, message.thread_ts);
      if (parent === undefined) return undefined;
      stored.thread_ts = parent.ts;
      if (parent.user !== undefined) stored.parent_user_id = parent.user;
      this.#countReply(parent, stored);
    }
    record.messages.push(stored);
    return stored;
  }

  find(channelId: string, ts: string): StoredMessage | undefined {
    return this.#channels.get(channelId)?.messages.find((m) => m.ts === ts);
  }

  remove(channelId: string, ts: string): boolean {
    const record = this.#channels.get(channelId);
    const index = record?.messages.findIndex((m) => m.ts === ts) ?? -1;
    if (record === undefined || index < 0) return false;
    const [removed] = record.messages.splice(index, 1);
    if (removed?.thread_ts !== undefined && removed.thread_ts !== removed.ts) {
      const parent = this.find(channelId, removed.thread_ts);
      if (parent?.reply_count !== undefined) parent.reply_count -= 1;
    }
    return true;
  }

  /** Parent first, then replies in order; undefined when ts names no message. */
  thread(channelId: string, ts: string): StoredMessage[] | undefined {
    const record = this.#channels.get(channelId);
    if (record === undefined) return undefined;
    const parent = this.#parentOf(record, ts);
    if (parent === undefined) return undefined;
    return record.messages.filter((m) => m.ts === parent.ts || m.thread_ts === parent.ts);
  }

  /** Top-level messages, oldest first (thread replies stay in their thread). */
  history(channelId: string): StoredMessage[] | undefined {
    return this.#channels.get(channelId)?.messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  }

  /** Every message of every channel, for waiting on what the bot wrote. */
  *all(): Generator<{ channel: string; message: StoredMessage }> {
    for (const [channel, record] of this.#channels) {
      for (const message of record.messages) yield { channel, message };
    }
  }

  #parentOf(record: ChannelRecord, ts: string): StoredMessage | undefined {
    const message = record.messages.find((m) => m.ts === ts);
    if (message?.thread_ts === undefined || message.thread_ts === message.ts) return message;
    return record.messages.find((m) => m.ts === message.thread_ts);
  }

  #countReply(parent: StoredMessage, reply: StoredMessage): void {
    const author = reply.user ?? reply.bot_id;
    const users = new Set(parent.reply_users ?? []);
    if (author !== undefined) users.add(author);
    parent.thread_ts = parent.ts;
    parent.reply_count = (parent.reply_count ?? 0) + 1;
    parent.reply_users = [...users];
    parent.reply_users_count = users.size;
    parent.latest_reply = reply.ts;
  }
}
