// A protocol-faithful fake Discord (REST v10 + Gateway v10) on one 127.0.0.1 port, for the real
// discord.js client: `new Client({ rest: { api: fake.apiUrl } })` finds the gateway through GET /gateway/bot.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIUser } from 'discord-api-types/v10';
import { FakeGateway } from './gateway.js';
import { Router } from './http.js';
import { botToken } from './ids.js';
import { Interactions } from './interactions.js';
import { composeMessage } from './messages.js';
import { type Outage, type OutageOptions, Outages } from './outages.js';
import { RateLimiter } from './ratelimit.js';
import { handleRest } from './rest.js';
import { type Backend, coreRoutes } from './routes.js';
import { DEFAULT_USER, DiscordStore } from './store.js';
import type {
  CloseRecord, FakeDiscordOptions, FakeUserSpec, GatewayCounts, GatewayOpRecord, InteractionInput, RecordedCall,
  RouteMatch, SentInteraction, SessionInfo, StoredMessage, UpgradeRecord, UserMessageInput,
} from './types.js';
import { Changes, DEFAULT_WAIT_MS } from './waiters.js';

export type * from './types.js';
export { DEFAULT_USER } from './store.js';
export { Intent } from './sessions.js';
export type { Outage, OutageOptions } from './outages.js';

export interface FakeDiscord {
  /** What DISCORD_API_URL / `rest.api` gets; the client appends `/v10/...`. */
  readonly apiUrl: string;
  readonly gatewayUrl: string;
  readonly token: string;
  readonly botUser: APIUser;
  readonly applicationId: string;
  /** The first guild and its first channel, for tests that need just one of each. */
  readonly guildId: string;
  readonly channelId: string;

  readonly calls: readonly RecordedCall[];
  /** Resolves with the first recorded call (earlier ones included) that matches. */
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** The next matching request gets 429 and its bucket stays empty for `retryAfterSeconds`. */
  rateLimitNext(match: RouteMatch, retryAfterSeconds: number, options?: { global?: boolean }): void;
  /**
   * Discord's edge answers a 5xx page (502 by default) to REST calls (all, or those matching) and, with
   * `gateway`, to WebSocket upgrades, for `forMs` or until `end()`. Calls are recorded with that status.
   */
  startOutage(options?: OutageOptions): Outage;

  /** A channel's messages, oldest first. */
  messages(channelId?: string): StoredMessage[];
  botMessages(channelId?: string): StoredMessage[];
  waitForBotMessage(predicate?: (message: StoredMessage) => boolean, channelId?: string, timeoutMs?: number): Promise<StoredMessage>;
  sendUserMessage(input: UserMessageInput): StoredMessage;
  /** Stops serving an attachment's bytes (404 after), so a long run frees what it uploaded. */
  removeAttachment(url: string): boolean;
  /** Dispatches MESSAGE_CREATE for a stored message once more, as a replay after a resume can. */
  redeliverMessage(message: StoredMessage): void;
  /** Starts a public thread (type 11) in a guild text channel (default: the first) and dispatches THREAD_CREATE. */
  createThread(name: string, parentId?: string, owner?: FakeUserSpec): { id: string; parentId: string };
  /** The DM channel with this user (type 1), created on first use. */
  dmChannel(user?: string | FakeUserSpec): { id: string; type: number; recipients: APIUser[] };
  sendInteraction(input: InteractionInput): SentInteraction;
  /** Registered application commands: global, or for one guild. */
  commands(guildId?: string): ReadonlyArray<Record<string, unknown>>;

  readonly sessions: SessionInfo[];
  readonly upgrades: readonly UpgradeRecord[];
  readonly ops: readonly GatewayOpRecord[];
  readonly closes: readonly CloseRecord[];
  readonly counts: Readonly<GatewayCounts>;
  waitForReady(count?: number, timeoutMs?: number): Promise<void>;
  waitForIdentify(count?: number, timeoutMs?: number): Promise<void>;
  waitForResume(count?: number, timeoutMs?: number): Promise<void>;
  waitForClose(predicate?: (close: CloseRecord) => boolean, timeoutMs?: number): Promise<CloseRecord>;
  waitForOp(op: number, count?: number, timeoutMs?: number): Promise<GatewayOpRecord>;
  /** Any other condition on the fake's state, re-checked whenever REST or the gateway changes it. */
  waitUntil(probe: () => boolean, label?: string, timeoutMs?: number): Promise<void>;

  /** Server-side close of every socket; 4007/4009 and the fatal codes also end the sessions. */
  closeAll(code: number, reason?: string): void;
  /** Sockets vanish without a close frame (the client sees 1006). */
  dropAll(): void;
  sendReconnect(): void;
  invalidateSessions(resumable: boolean): void;
  setSilent(silent: boolean, options?: { halfOpen?: boolean }): void;
  refuseConnections(refuse: boolean): void;
  requestHeartbeat(): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const store = new DiscordStore(options);
  const token = options.token ?? botToken(store.bot.id);
  const changes = new Changes();
  const changed = (): void => changes.notify();
  const calls: RecordedCall[] = [];
  const outages = new Outages(changed);
  let origin = '';
  const gatewayUrl = (): string => origin.replace(/^http/, 'ws');
  const gateway = new FakeGateway({
    store, token, changed, url: gatewayUrl, outageStatus: () => outages.gatewayStatus(),
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    disallowedIntents: options.disallowedIntents ?? 0,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 120_000,
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  });
  const backend: Backend = {
    store, gatewayUrl, dispatch: (event, data) => gateway.dispatch(event, data),
    identifies: () => (options.sessionStartsUsed ?? 0) + gateway.counts.identifies,
    applicationFlags: () => gateway.applicationFlags(),
  };
  const interactions = new Interactions(backend, options.interactionAckWindowMs ?? 3000);
  const router = new Router();
  router.add(...coreRoutes(backend), ...interactions.routes());
  const limiter = new RateLimiter(options.rateLimit?.limit ?? 50, options.rateLimit?.windowMs ?? 1000);
  const restConfig = { store, token, router, limiter, outages, calls, changed, ...(options.observer === undefined ? {} : { observer: options.observer }) };

  const server = http.createServer((req, res) => void handleRest(restConfig, req, res));
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  store.origin = origin;

  const firstGuild = [...store.guilds.values()][0];
  const defaultChannel = firstGuild?.channelIds[0] ?? '';

  return {
    apiUrl: `${origin}/api`,
    gatewayUrl: gatewayUrl(),
    token,
    botUser: store.bot,
    applicationId: store.applicationId,
    guildId: firstGuild?.id ?? '',
    channelId: defaultChannel,
    calls,
    waitForCall: (predicate, timeoutMs) => changes.waitFor(() => calls.find(predicate), 'a matching REST call', timeoutMs),
    rateLimitNext: (match, seconds, opts) => limiter.forceNext(match, seconds, opts?.global ?? false),
    startOutage: (opts) => outages.start(opts),
    messages: (channelId = defaultChannel) => store.messages(channelId),
    botMessages: (channelId = defaultChannel) => store.messages(channelId).filter((m) => m.author.id === store.bot.id),
    waitForBotMessage: (predicate = () => true, channelId = defaultChannel, timeoutMs) =>
      changes.waitFor(() => store.messages(channelId).find((m) => m.author.id === store.bot.id && predicate(m)), 'a bot message', timeoutMs),
    sendUserMessage: (input) => {
      const message = userMessage(store, input, defaultChannel);
      gateway.dispatch('MESSAGE_CREATE', store.gatewayMessage(message));
      return message;
    },
    removeAttachment: (url) => store.blobs.delete(new URL(url).pathname),
    redeliverMessage: (message) => gateway.dispatch('MESSAGE_CREATE', store.gatewayMessage(message)),
    createThread: (name, parentId = defaultChannel, owner = DEFAULT_USER) => {
      const thread = store.createThread(parentId, name, store.ensureUser(owner).id);
      gateway.dispatch('THREAD_CREATE', { ...store.channelPayload(thread), newly_created: true });
      changed();
      return { id: thread.id, parentId };
    },
    dmChannel: (user = DEFAULT_USER) => {
      const recipient = store.ensureUser(typeof user === 'string' ? { id: user, username: `user${user.slice(-4)}` } : user);
      const channel = store.dmChannelFor(recipient.id);
      return { id: channel.id, type: channel.type, recipients: [recipient] };
    },
    sendInteraction: (input) => interactions.create(input),
    commands: (guildId) => interactions.commands.get(guildId ?? 'global') ?? [],
    get sessions() { return gateway.sessionInfo(); },
    upgrades: gateway.upgrades,
    ops: gateway.ops,
    closes: gateway.closes,
    counts: gateway.counts,
    ...gatewayControls(gateway, changes),
    close: async () => {
      outages.endAll();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type GatewayControls = Pick<FakeDiscord,
  'waitForReady' | 'waitForIdentify' | 'waitForResume' | 'waitForClose' | 'waitForOp' | 'waitUntil' | 'closeAll' | 'dropAll' |
  'sendReconnect' | 'invalidateSessions' | 'setSilent' | 'refuseConnections' | 'requestHeartbeat'>;

function gatewayControls(gateway: FakeGateway, changes: Changes): GatewayControls {
  const waitCount = (read: () => number, label: string) => (count = 1, timeoutMs = DEFAULT_WAIT_MS) =>
    changes.waitFor(() => read() >= count, `${count} ${label}`, timeoutMs).then(() => undefined);
  return {
    waitForReady: waitCount(() => gateway.counts.readies, 'READY'),
    waitForIdentify: waitCount(() => gateway.counts.identifies, 'IDENTIFY'),
    waitForResume: waitCount(() => gateway.counts.resumes, 'RESUMED'),
    waitForClose: (predicate = () => true, timeoutMs) => changes.waitFor(() => gateway.closes.find(predicate), 'a gateway close', timeoutMs),
    waitForOp: (op, count = 1, timeoutMs) =>
      changes.waitFor(() => gateway.ops.filter((o) => o.op === op)[count - 1], `op ${op} #${count}`, timeoutMs),
    waitUntil: (probe, label = 'a condition', timeoutMs) => changes.waitFor(probe, label, timeoutMs).then(() => undefined),
    closeAll: (code, reason) => gateway.closeAll(code, reason),
    dropAll: () => gateway.dropAll(),
    sendReconnect: () => gateway.sendReconnect(),
    invalidateSessions: (resumable) => gateway.invalidateSessions(resumable),
    setSilent: (silent, opts) => gateway.setSilent(silent, opts?.halfOpen ?? false),
    refuseConnections: (refuse) => void (gateway.refusing = refuse),
    requestHeartbeat: () => gateway.requestHeartbeat(),
  };
}

function userMessage(store: DiscordStore, input: UserMessageInput, defaultChannel: string): StoredMessage {
  const channel = store.channels.get(input.channelId ?? defaultChannel);
  if (!channel) throw new Error(`fake Discord: no channel ${input.channelId ?? defaultChannel}`);
  if (input.guildId !== undefined && input.guildId !== channel.guildId) {
    throw new Error(`fake Discord: channel ${channel.id} is not in guild ${input.guildId}`);
  }
  const author = store.ensureUser(input.author ?? DEFAULT_USER);
  if (channel.guildId) store.joinGuild(channel.guildId, author);
  const replyTo = input.replyTo === undefined ? undefined : store.message(channel.id, input.replyTo);
  if (input.replyTo !== undefined && !replyTo) throw new Error(`fake Discord: no message ${input.replyTo} in ${channel.id}`);
  const message = composeMessage(store, {
    channel, author, content: input.content,
    attachments: (input.attachments ?? []).map((a) => store.attachment(channel.id, a)),
    ...(replyTo ? { replyTo } : {}),
    ...(input.mentionsBot ? { extraMentions: [store.bot] } : {}),
    ...(input.type === undefined ? {} : { type: input.type }),
  });
  store.insert(message);
  return message;
}
