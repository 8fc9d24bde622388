import { SimpleShardingStrategy, type SessionInfo, type WebSocketManager } from '@discordjs/ws';
import { ChannelType, Client, Events, GatewayIntentBits, IntentsBitField, Options, Partials, Routes, type APIMessage, type APIUser, type Message } from 'discord.js';
import type { DiscordConfig } from '../../config/index.js';
import {
  PlatformConnection,
  RecentIds,
  type Bridge,
  type ChatPlatform,
  type ConversationTurn,
  type InboundMessage,
  type PlatformHandoverState,
  type PreparedInput,
  type ReplySink,
} from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { collectAttachments } from '../shared/collect-attachments.js';
import { safeDownload } from '../shared/safe-download.js';
import { handleCommand, registerCommandsIfChanged } from './discord-commands.js';
import { fatalCloseReason, loginFailureReason } from './discord-connection.js';
import { discordChannelOf, routeDiscordMessage, viewFromApiMessage, type DiscordMessageView } from './discord-events.js';
import { loadDiscordTurns, replyChainContext } from './discord-history.js';
import { createDiscordReply } from './discord-reply.js';
import { parseHandoverState, toHandoverState } from './gateway-handover.js';
import { GatewaySessionDrain, type DrainOutcome } from './session-drain.js';

export interface DiscordPlatformOptions {
  readonly config: DiscordConfig;
  readonly bridge: Bridge;
  readonly logger: Logger;
  /** Tokens of earlier thread messages shown when the bot joins a conversation. */
  readonly contextTokenBudget: number;
  /** The bot's state as a short text, for /status. */
  readonly describeStatus: () => string;
}

/** Discord's attachment hosts; the configured API host is allowed too, so a compatible server can serve files. */
const attachmentHosts = ['cdn.discordapp.com', 'media.discordapp.net'];
const fileDownloadTimeoutMs = 20_000;

const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent];
/** A close code other than 1000/1001 keeps the gateway session resumable for the successor. */
const handoverCloseCode = 4200;

/**
 * Discord over the gateway with discord.js, which owns heartbeats, RESUME and
 * re-identify; we map its shard events to our connection state, and track the
 * gateway session so a rotation can hand it to the next session.
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord';
  readonly allowsParallelSessions = false;
  readonly connection = new PlatformConnection('discord', 'disconnected');
  readonly #logger: Logger;
  readonly #client: Client;
  #intake = true;
  #handedOver = false;
  #botUserId: string | undefined;
  #gateway: WebSocketManager | undefined;
  #session: SessionInfo | null = null;
  #takeover: DrainOutcome | 'identified' | null = null;
  readonly #interactions = new RecentIds(15 * 60_000, 10_000);

  constructor(private readonly options: DiscordPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'discord' });
    this.#client = new Client({
      intents,
      // Without the Channel partial, DMs in channels the client has not cached are dropped silently.
      partials: [Partials.Channel],
      rest: { api: options.config.apiUrl },
      // Weeks of uptime: keep caches small; we never need old messages from memory.
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20, PresenceManager: 0, ReactionManager: 0, GuildMemberManager: 200 }),
      sweepers: { ...Options.DefaultSweeperSettings, messages: { interval: 600, lifetime: 1800 } },
      allowedMentions: { parse: [], repliedUser: false },
      ws: { buildStrategy: (manager) => this.#trackSession(manager) },
    });
    this.#client.rest.setToken(options.config.botToken);
    this.#attach();
  }

  async start(): Promise<void> {
    this.connection.transition('connecting', 'login');
    try {
      await this.#client.login(this.options.config.botToken);
      this.#botUserId = this.#client.user?.id ?? this.#botUserId;
    } catch (error) {
      this.#fail(loginFailureReason(error), error);
      return;
    }
    const applicationId = this.#client.application?.id;
    if (this.options.config.registerCommands && applicationId !== undefined) {
      await registerCommandsIfChanged(this.#client.rest, applicationId, this.options.config.commandGuildId, this.#logger).catch((error: unknown) =>
        this.#logger.warn('could not register slash commands', { error }),
      );
    }
  }

  async standby(): Promise<void> {
    try {
      const me = (await this.#client.rest.get(Routes.user('@me'))) as APIUser;
      this.#botUserId = me.id;
      this.connection.transition('standby', 'token checked; waiting for the gateway session to be handed over');
    } catch (error) {
      this.#fail(loginFailureReason(error), error);
    }
  }

  async handover(): Promise<PlatformHandoverState | null> {
    // Both at once, in one tick: every event up to `sequence` was taken here, every later one is replayed to the successor.
    this.#intake = false;
    const session = this.#session;
    if (this.#gateway === undefined || session === null || this.connection.state !== 'connected') return null;
    this.#handedOver = true;
    await this.#gateway.destroy({ code: handoverCloseCode, reason: 'handed over to the next session' });
    this.connection.transition('disconnected', 'gateway session handed over');
    this.#logger.info('gateway session handed over', { sequence: session.sequence });
    return toHandoverState(session);
  }

  async takeover(state: PlatformHandoverState | null): Promise<void> {
    if (state === null) {
      this.#takeover = 'identified';
      await this.start();
      return;
    }
    const session = parseHandoverState(state);
    this.connection.transition('connecting', 'resuming the handed-over gateway session');
    const drain = new GatewaySessionDrain({
      token: this.options.config.botToken,
      intents: new IntentsBitField(intents).bitfield,
      rest: this.#client.rest,
      session,
      logger: this.#logger,
      onDispatch: (event, data) => {
        if (event === 'MESSAGE_CREATE' && this.#botUserId !== undefined) this.#route(viewFromApiMessage(data as APIMessage, this.#botUserId));
      },
    });
    const replay = drain.run();
    await this.start();
    this.#takeover = await replay;
    await drain.close();
    if (this.#takeover === 'resume_failed') {
      this.#logger.warn('could not resume the handed-over gateway session; identified afresh, so messages sent during the handover may be missed');
    } else {
      this.#logger.info('took over the gateway session: Discord replayed what was sent during the handover');
    }
  }

  stopIntake(): Promise<void> {
    this.#intake = false;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#intake = false;
    await this.#client.destroy();
    this.connection.transition('disconnected', 'stopped');
  }

  statusDetails(): Record<string, unknown> {
    return { handover: this.#takeover, heartbeat_ms: this.#client.ws.ping >= 0 ? this.#client.ws.ping : null };
  }

  openReply(message: InboundMessage): ReplySink {
    return createDiscordReply(this.#client.rest, discordChannelOf(message), message.messageId, this.#logger);
  }

  async loadEarlierTurns(message: InboundMessage): Promise<ConversationTurn[]> {
    const channelId = discordChannelOf(message);
    const channel = this.#client.channels.cache.get(channelId);
    const scope = channel === undefined || channel.type === ChannelType.DM ? 'dm' : channel.isThread() ? 'thread' : 'channel';
    const before = message.messageId.startsWith('interaction:') ? undefined : message.messageId;
    return loadDiscordTurns({ rest: this.#client.rest, botUserId: this.#botUserId ?? '', tokenBudget: this.options.contextTokenBudget }, channelId, before, scope);
  }

  async prepareInput(message: InboundMessage, signal: AbortSignal): Promise<PreparedInput> {
    const channelId = discordChannelOf(message);
    const context = message.replyToMessageId === undefined ? '' : await replyChainContext(this.#client.rest, channelId, message.replyToMessageId, this.#botUserId ?? '', this.#logger);
    const { attachments, notices } = await collectAttachments(message.files ?? [], (file, maxBytes, fileSignal) => this.#download(file.url, maxBytes, fileSignal), signal, this.#logger);
    return { text: context === '' ? message.text : `${context}\n\n${message.text}`, attachments, notices };
  }

  /** Attachment URLs are signed: no token is sent, and only Discord's hosts are fetched. */
  #download(url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return safeDownload(url, { allowedHosts: new Set([...attachmentHosts, new URL(this.options.config.apiUrl).host]), maxBytes, timeoutMs: fileDownloadTimeoutMs, signal });
  }

  /** Keeps a mirror of the gateway session (id, sequence, resume URL) as the library updates it. */
  #trackSession(manager: WebSocketManager): SimpleShardingStrategy {
    this.#gateway = manager;
    const options = manager.options;
    const update = options.updateSessionInfo.bind(options);
    options.updateSessionInfo = (shardId, info) => {
      this.#session = info;
      return update(shardId, info);
    };
    return new SimpleShardingStrategy(manager);
  }

  #attach(): void {
    const client = this.#client;
    const transition = (next: 'connected' | 'connecting', reason: string) => {
      if (!this.#handedOver) this.connection.transition(next, reason);
    };
    client.on(Events.ShardReady, () => transition('connected', 'ready (identified)'));
    client.on(Events.ShardResume, (_id, replayed) => transition('connected', `resumed, ${replayed} events replayed`));
    client.on(Events.ShardReconnecting, () => transition('connecting', 'gateway reconnecting'));
    client.on(Events.ShardDisconnect, (event) => {
      const reason = fatalCloseReason(event.code);
      if (reason !== null) this.#fail(reason, new Error(reason));
      else if (!this.#handedOver) this.connection.transition('disconnected', `gateway closed ${event.code}`);
    });
    client.on(Events.ShardError, (error) => this.#logger.warn('gateway error', { error }));
    client.on(Events.Error, (error) => this.#logger.warn('discord client error', { error }));
    client.on(Events.Warn, (message) => this.#logger.warn('discord warning', { detail: message }));
    const commands = { bridge: this.options.bridge, platform: this, describeStatus: this.options.describeStatus, logger: this.#logger };
    client.on(Events.InteractionCreate, (interaction) => {
      if (!this.#intake || !interaction.isChatInputCommand() || !this.#interactions.remember(interaction.id)) return;
      handleCommand(interaction, commands).catch((error: unknown) => this.#logger.warn('slash command failed', { command: interaction.commandName, error }));
    });
    client.on(Events.MessageCreate, (message) => {
      this.#botUserId ??= client.user?.id;
      if (this.#botUserId !== undefined) this.#route(toView(message, this.#botUserId));
    });
  }

  #route(view: DiscordMessageView): void {
    if (!this.#intake) return;
    const botUserId = this.#botUserId ?? '';
    const routing = routeDiscordMessage(view, botUserId, {
      guilds: this.options.config.allowedGuilds,
      channels: this.options.config.allowedChannels,
      users: this.options.config.allowedUsers,
    });
    if (!routing.answer) {
      this.#logger.debug('discord message ignored', { reason: routing.reason });
      return;
    }
    this.options.bridge.submit(routing.message, this);
  }

  #fail(reason: string, error: unknown): void {
    this.#logger.error(`${reason}; Discord stays off until the bot restarts`, { error });
    this.connection.transition('failed', reason, error);
  }
}

function toView(message: Message, botUserId: string): DiscordMessageView {
  const names = new Map<string, string>();
  for (const user of message.mentions.users.values()) names.set(user.id, user.globalName ?? user.username);
  for (const role of message.mentions.roles.values()) names.set(role.id, role.name);
  for (const channel of message.mentions.channels.values()) names.set(channel.id, 'name' in channel && channel.name !== null ? channel.name : channel.id);
  return {
    id: message.id,
    channelId: message.channelId,
    parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
    guildId: message.guildId,
    content: message.content,
    type: message.type,
    authorId: message.author.id,
    authorName: message.author.globalName ?? message.author.username,
    authorIsBot: message.author.bot,
    mentionsBot: message.mentions.users.has(botUserId),
    repliesToBot: message.mentions.repliedUser?.id === botUserId,
    createdTimestamp: message.createdTimestamp,
    names,
    replyToId: message.reference?.messageId ?? null,
    files: [...message.attachments.values()].map((a) => ({ id: a.id, name: a.name, mimeType: a.contentType ?? 'application/octet-stream', sizeBytes: a.size, url: a.url })),
  };
}
