// The fake's public face: one object a test drives and asserts on. Wire work lives in the modules.
import { randomBytes, randomUUID } from 'node:crypto';
import { chatMethods, expireDueStreams, statusLifetimeMs, type StreamClock } from './chat-methods.js';
import { conversationMethods } from './conversation-methods.js';
import { eventCallback, eventsApiEnvelope, mentions, messageEvent, richTextBlocks, slackId, slashCommandEnvelope } from './events.js';
import type { SlashCommand } from './events.js';
import { FileHost, type FileSpec, type SlackFile } from './file-host.js';
import { Outage, type OutageOptions } from './outage.js';
import { RateLimiter, type RateLimitSettings } from './rate-limits.js';
import { SocketModeServer } from './socket-mode.js';
import { SlackStore } from './store.js';
import type { AckRecord, ApiCall, ChannelType, ConnectionInfo, Delivery, DisconnectReason, Envelope } from './types.js';
import type { FailOptions, FakeChannel, FakeUser, ResponseUrlPost, SlackObserver, StoredMessage, WorkspaceIds } from './types.js';
import { Waiters } from './wait.js';
import { WebApi } from './web-api.js';
import type { MethodSpec } from './web-api.js';

export interface FakeSlackSettings {
  ids: WorkspaceIds;
  botToken: string;
  appToken: string;
  grantedScopes: { bot: readonly string[]; app: readonly string[] };
  serverPingIntervalMs: number;
  ackTimeoutMs: number;
  ackRetryMs: number;
  streamIdleMs: number;
  streamLifetimeMs: number;
  rateLimits: RateLimitSettings;
  waitTimeoutMs: number;
  observer?: SlackObserver;
}

export interface UserMessage {
  channel: string;
  user: string;
  text: string;
  threadTs?: string;
  channelType?: ChannelType;
  files?: unknown[];
  botId?: string;
  subtype?: string;
  /** Deliver the event to this connection id instead of round-robin. */
  connection?: number;
}

export interface PostedUserMessage {
  ts: string;
  /** null when Slack would send the app nothing (a channel message without a mention). */
  eventId: string | null;
  envelopeId: string | null;
  acked: Promise<{ latencyMs: number }>;
}

export interface SendEventOptions {
  eventId?: string;
  retryAttempt?: number;
  retryReason?: string;
  /** Deliver to this connection id instead of round-robin. */
  connection?: number;
}

/** A bot message a user sees as complete: not a stream under way, not a stream Slack expired and nobody rewrote. */
export function isFinished(message: StoredMessage): boolean {
  return message.streaming_state === undefined || message.streaming_state === 'completed';
}

/** Attached so a delivery nobody awaits never becomes an unhandled rejection. */
function observed<T>(promise: Promise<T>): Promise<T> {
  void promise.catch(() => undefined);
  return promise;
}

export class FakeSlack {
  readonly apiUrl: string;
  readonly ids: WorkspaceIds;
  readonly tokens: { bot: string; app: string };
  readonly waiters = new Waiters();
  readonly store: SlackStore;
  readonly socket: SocketModeServer;
  readonly web: WebApi;
  readonly files: FileHost;
  readonly #settings: FakeSlackSettings;
  readonly #baseUrl: string;
  readonly #events = new Map<string, { payload: Record<string, unknown>; attempts: number }>();
  readonly #closeServer: () => Promise<void>;
  readonly #streams = new Map<string, StreamClock>();
  readonly #statuses = new Map<string, { status: string; at: number }>();
  readonly #limiter: RateLimiter;
  readonly #outage = new Outage();

  constructor(baseUrl: string, settings: FakeSlackSettings, closeServer: () => Promise<void>) {
    this.#settings = settings;
    this.#closeServer = closeServer;
    this.#baseUrl = baseUrl;
    this.apiUrl = `${baseUrl}/api/`;
    this.ids = settings.ids;
    this.tokens = { bot: settings.botToken, app: settings.appToken };
    this.store = new SlackStore(settings.ids);
    this.files = new FileHost(baseUrl, settings.ids.teamId, () => this.tokens.bot);
    this.socket = new SocketModeServer({
      appId: settings.ids.appId,
      serverPingIntervalMs: settings.serverPingIntervalMs,
      ackRetryMs: settings.ackRetryMs,
      waiters: this.waiters,
      ...(settings.observer === undefined ? {} : { observer: settings.observer }),
    });
    this.socket.listenOn(baseUrl.replace(/^http/, 'ws'));
    const changed = (): void => this.waiters.notify();
    this.#limiter = new RateLimiter(settings.rateLimits);
    const methods = new Map<string, MethodSpec>([
      ...chatMethods({ store: this.store, changed, streamIdleMs: settings.streamIdleMs, streamLifetimeMs: settings.streamLifetimeMs, streams: this.#streams, statuses: this.#statuses }),
      ...conversationMethods(this.store),
      ['apps.connections.open', { token: 'app', handle: () => ({ ok: true, url: this.socket.issueUrl() }) }],
    ]);
    this.web = new WebApi({
      tokens: this.tokens, grantedScopes: settings.grantedScopes, methods, waiters: this.waiters, limiter: this.#limiter, outage: this.#outage,
      ...(settings.observer === undefined ? {} : { observer: settings.observer }),
    });
  }

  // --- Web API -------------------------------------------------------------------------------

  /** A file a user uploads; pass the returned object in `postUserMessage({ files })`. */
  uploadFile(spec: FileSpec): SlackFile {
    return this.files.add(spec);
  }

  get calls(): readonly ApiCall[] {
    return this.web.calls;
  }

  callsTo(method: string): ApiCall[] {
    return this.web.calls.filter((c) => c.method === method);
  }

  /** The first recorded call, past or future, that matches. */
  waitForCall(predicate: (call: ApiCall) => boolean, timeoutMs = this.#settings.waitTimeoutMs): Promise<ApiCall> {
    return this.waiters.wait(() => this.web.calls.find(predicate), timeoutMs, 'a matching Web API call');
  }

  failNext(method: string, error: string, options: FailOptions = {}): void {
    this.web.failNext(method, error, options);
  }

  /** Every Web API call answers a 5xx (and Socket Mode upgrades are refused) for `ms`, as in a Slack incident. */
  outage(ms: number, options: OutageOptions = {}): void {
    this.#outage.start(ms, options);
    this.socket.refuseWhile(() => this.#outage.active);
  }

  endOutage(): void {
    this.#outage.end();
  }

  /** Calls refused with 429 so far, by method. */
  get rateLimited(): ReadonlyMap<string, number> {
    return this.#limiter.rejected;
  }

  /** Changes the rate limits (and forgets the calls counted so far). `{ windowMs: 0 }` turns them off. */
  setRateLimits(settings: RateLimitSettings): void {
    this.#limiter.configure(settings);
  }

  revokeTokens(error = 'invalid_auth'): void {
    this.web.revokeTokens(error);
  }

  restoreTokens(): void {
    this.web.restoreTokens();
  }

  get responseUrlPosts(): readonly ResponseUrlPost[] {
    return this.web.responseUrlPosts;
  }

  // --- Workspace -----------------------------------------------------------------------------

  addUser(user: Pick<FakeUser, 'id'> & Partial<FakeUser>): FakeUser {
    const name = user.name ?? user.id.toLowerCase();
    return this.store.addUser({ name, realName: name, displayName: name, isBot: false, ...user });
  }

  addChannel(channel: { id: string; name?: string; type?: ChannelType; user?: string }): FakeChannel {
    return this.store.addChannel(channel);
  }

  /** A channel's messages oldest first; with threadTs, that thread (parent first). Copies. */
  messages(channel: string, threadTs?: string): StoredMessage[] {
    this.#expireDueStreams();
    const list = threadTs === undefined ? this.store.history(channel) : this.store.thread(channel, threadTs);
    return structuredClone(list ?? []);
  }

  /** The bot's messages in a thread, parent excluded. */
  botReplies(channel: string, threadTs: string): StoredMessage[] {
    return this.messages(channel, threadTs).filter((m) => m.ts !== threadTs && m.bot_id === this.ids.botId);
  }

  /**
   * The bot's finished messages in a thread, parent excluded: posted ones, and streams that were
   * stopped (or rewritten after Slack expired them). A stream still under way or left broken is not one.
   */
  finishedReplies(channel: string, threadTs: string): StoredMessage[] {
    return this.botReplies(channel, threadTs).filter(isFinished);
  }

  waitForMessage(
    predicate: (message: StoredMessage, channel: string) => boolean,
    timeoutMs = this.#settings.waitTimeoutMs,
  ): Promise<{ channel: string; message: StoredMessage }> {
    const probe = (): { channel: string; message: StoredMessage } | undefined => {
      this.#expireDueStreams();
      for (const entry of this.store.all()) {
        if (predicate(entry.message, entry.channel)) return structuredClone(entry);
      }
      return undefined;
    };
    return this.waiters.wait(probe, timeoutMs, 'a matching message in the store');
  }

  /** The thread's assistant status ("is thinking…") as a user sees it now, or undefined. */
  threadStatus(channel: string, threadTs: string): string | undefined {
    const entry = this.#statuses.get(`${channel}:${threadTs}`);
    return entry === undefined || Date.now() - entry.at > statusLifetimeMs ? undefined : entry.status;
  }

  /** Every open chat stream now answers message_not_in_streaming_state, as after Slack's idle expiry. */
  expireStreams(): void {
    this.#streams.clear();
  }

  // --- Socket Mode ---------------------------------------------------------------------------

  get acks(): readonly AckRecord[] {
    return this.socket.acks;
  }

  get connectionCount(): number {
    return this.socket.liveCount;
  }

  get connectionsOpened(): number {
    return this.socket.opened;
  }

  connections(): ConnectionInfo[] {
    return this.socket.connections();
  }

  /** Resolves once at least n sockets are live (open, not silent, not told to disconnect). */
  waitForConnections(n: number, timeoutMs = this.#settings.waitTimeoutMs): Promise<number> {
    const probe = (): number | undefined => (this.socket.liveCount >= n ? this.socket.liveCount : undefined);
    return this.waiters.wait(probe, timeoutMs, `${n} live Socket Mode connection(s)`);
  }

  /**
   * Resolves at the next answer to a server ping. @slack/socket-mode arms its serverPingTimeout only
   * after the first ping arrives, so a test of that timeout must wait for this first.
   */
  waitForPong(timeoutMs = this.#settings.waitTimeoutMs): Promise<number> {
    const seen = this.socket.pongs;
    return this.waiters.wait(() => (this.socket.pongs > seen ? this.socket.pongs : undefined), timeoutMs, 'a pong');
  }

  waitForAck(envelopeId: string, timeoutMs = this.#settings.waitTimeoutMs): Promise<{ latencyMs: number }> {
    return this.socket.waitForAck(envelopeId, timeoutMs);
  }

  sendEvent(event: Record<string, unknown>, options: SendEventOptions = {}): Delivery {
    const eventId = options.eventId ?? slackId('Ev');
    const payload = eventCallback(this.ids, event, eventId);
    const attempts = options.retryAttempt ?? 0;
    this.#events.set(eventId, { payload, attempts });
    return this.#deliver(eventsApiEnvelope(payload, attempts, options.retryReason ?? ''), eventId, options.connection);
  }

  /** Slack's retry: same event_id, new envelope, retry_attempt + 1. */
  redeliver(eventId: string, reason = 'timeout'): Delivery {
    const known = this.#events.get(eventId);
    if (known === undefined) throw new Error(`fake Slack: no event ${eventId} was sent`);
    known.attempts += 1;
    return this.#deliver(eventsApiEnvelope(known.payload, known.attempts, reason), eventId);
  }

  /**
   * Stores a user's message and sends what an app subscribed to `app_mention` and `message.im`
   * gets: a `message` event in a DM, an `app_mention` in a channel when the bot is mentioned.
   */
  postUserMessage(input: UserMessage): PostedUserMessage {
    const user = this.store.ensureUser(input.user);
    const channel = this.store.ensureChannel(input.channel, input.channelType, input.channelType === 'im' ? user.id : undefined);
    const isDm = channel.type === 'im';
    // Slack marks a DM carrying files as file_share; mentions with files keep no subtype.
    const subtype = input.subtype ?? (isDm && input.files !== undefined ? 'file_share' : undefined);
    const stored = this.store.post(channel.id, {
      client_msg_id: randomUUID(),
      text: input.text,
      user: user.id,
      team: this.ids.teamId,
      blocks: richTextBlocks(input.text),
      ...(input.threadTs === undefined ? {} : { thread_ts: input.threadTs }),
      ...(input.files === undefined ? {} : { files: input.files }),
      ...(subtype === undefined ? {} : { subtype }),
      ...(input.botId === undefined ? {} : { bot_id: input.botId }),
    });
    if (stored === undefined) throw new Error(`fake Slack: thread ${input.threadTs ?? ''} not found in ${channel.id}`);
    this.waiters.notify();
    const mentioned = input.subtype === undefined && mentions(input.text, this.ids.botUserId);
    const kind = isDm ? 'message' : mentioned ? 'app_mention' : undefined;
    if (kind === undefined) {
      const acked = observed(Promise.reject(new Error('fake Slack: no event is sent for this message')));
      return { ts: stored.ts, eventId: null, envelopeId: null, acked };
    }
    const delivery = this.sendEvent(messageEvent(kind, channel, stored), input.connection === undefined ? {} : { connection: input.connection });
    return { ts: stored.ts, ...delivery };
  }

  sendSlashCommand(command: SlashCommand): Delivery {
    const user = this.store.ensureUser(command.user);
    const channel = this.store.ensureChannel(command.channel);
    const responseUrl = `${this.#baseUrl}/commands/${this.ids.teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`;
    const envelope = slashCommandEnvelope(this.ids, { ...command, userName: user.name, channelName: channel.name }, responseUrl);
    return this.#deliver(envelope, null);
  }

  /** The next ack is lost with the socket it came on; Slack redelivers that envelope elsewhere. */
  loseNextAck(): void {
    this.socket.loseNextAck();
  }

  dropConnections(): void {
    this.socket.dropConnections();
  }

  sendDisconnect(reason: DisconnectReason, closeAfterMs?: number): void {
    this.socket.sendDisconnect(reason, closeAfterMs);
  }

  /** `at: 'upgrade'` (default) rejects WebSocket upgrades with 503; `'open'` makes apps.connections.open answer 503. */
  refuseConnections(on: boolean, at: 'upgrade' | 'open' = 'upgrade'): void {
    if (at === 'upgrade') this.socket.refuse(on);
    else if (on) this.web.failNext('apps.connections.open', 'service_unavailable', { status: 503, times: Infinity });
    else this.web.clearFaults('apps.connections.open');
  }

  setServerPings(on: boolean): void {
    this.socket.setServerPings(on);
  }

  /** Off: events for a bot that is not connected are dropped instead of delivered on reconnect. */
  setQueueWhileDisconnected(on: boolean): void {
    this.socket.setQueueWhileDisconnected(on);
  }

  setSilent(on: boolean): void {
    this.socket.setSilent(on);
  }

  /**
   * Closes HTTP and WebSocket servers and ends open sockets; pending waits reject. Stop the Bolt app
   * first: a client left running retries apps.connections.open against the closed port for a long time.
   */
  async close(): Promise<void> {
    this.waiters.close();
    await this.socket.close();
    await this.#closeServer();
  }

  #expireDueStreams(): void {
    expireDueStreams(this.store, this.#streams, { idleMs: this.#settings.streamIdleMs, lifetimeMs: this.#settings.streamLifetimeMs });
  }

  #deliver(envelope: Envelope, eventId: string | null, connection?: number): Delivery {
    this.socket.deliver(envelope, connection);
    const acked = observed(this.socket.waitForAck(envelope.envelope_id, this.#settings.ackTimeoutMs, true));
    return { eventId, envelopeId: envelope.envelope_id, acked };
  }
}
