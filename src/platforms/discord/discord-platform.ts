import { ChannelType, Events, IntentsBitField, Routes, type APIMessage, type Client } from 'discord.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { DiscordConfig, SelfHealingConfig } from '../../config/index.js';
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
import { CatchUp } from '../shared/catch-up.js';
import { collectAttachments } from '../shared/collect-attachments.js';
import { LivenessWatchdog } from '../shared/liveness-watchdog.js';
import { safeDownload } from '../shared/safe-download.js';
import { scanDiscordForUnanswered } from './discord-catch-up.js';
import { handleCommand, registerCommandsIfChanged } from './discord-commands.js';
import { DiscordClock, observeRestClock } from './discord-clock.js';
import { closeVerdict, finalFailureReason } from './discord-connection.js';
import { botReplyTargetOf, routeDiscordMessage, viewFromApiMessage, type DiscordMessageView } from './discord-events.js';
import { loadDiscordTurns, replyChainContext } from './discord-history.js';
import { checkTokenPatiently, createDiscordClient, intents, reportPassingFailure } from './discord-login.js';
import { toView } from './discord-message-view.js';
import { createDiscordReply } from './discord-reply.js';
import { discordChannelOf } from './discord-target.js';
import { parseHandoverState, toHandoverState } from './gateway-handover.js';
import { GatewaySession } from './gateway-session.js';
import { GatewaySessionDrain, type DrainOutcome } from './session-drain.js';

export interface DiscordPlatformOptions {
  readonly config: DiscordConfig;
  readonly selfHealing: SelfHealingConfig;
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

/**
 * Discord over the gateway with discord.js, which owns heartbeats, RESUME and
 * re-identify; we map its shard events to our connection state, hand the
 * gateway session over in a rotation, restart a connection that goes silent,
 * and catch up after every fresh IDENTIFY (a session that lost its events).
 */
export class DiscordPlatform implements ChatPlatform {
  readonly name = 'discord';
  readonly allowsParallelSessions = false;
  readonly connection = new PlatformConnection('discord', 'disconnected');
  readonly #logger: Logger;
  readonly #client: Client;
  readonly #gateway: GatewaySession;
  readonly #watchdog: LivenessWatchdog;
  readonly #catchUp: CatchUp;
  readonly #interactions = new RecentIds(15 * 60_000, 10_000);
  /** Discord's time as Discord's own timestamps tell it: decides whether a reply we posted is ours. */
  readonly #clock = new DiscordClock();
  /** Aborted by stop(): ends every wait for Discord to come back. */
  readonly #stopping = new AbortController();
  readonly #reportRetry: ReturnType<typeof reportPassingFailure>;
  #intake = true;
  #handedOver = false;
  /** Only the session that owns the platform catches up (not a rotation's standby or a drain). */
  #owner = false;
  #botUserId: string | undefined;
  #takeover: DrainOutcome | 'identified' | null = null;

  constructor(private readonly options: DiscordPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'discord' });
    this.#reportRetry = reportPassingFailure(this.connection, this.#logger);
    this.#gateway = new GatewaySession({
      onSignal: (kind) => (kind === 'event' ? this.#watchdog.event() : this.#watchdog.alive()),
      onRetry: this.#reportRetry,
      signal: this.#stopping.signal,
    });
    this.#client = createDiscordClient(options.config, this.#gateway);
    observeRestClock(this.#client.rest, this.#clock);
    this.#watchdog = new LivenessWatchdog({ connection: this.connection, silenceMs: options.selfHealing.watchdogSilenceMs, restart: () => this.#gateway.reconnect(), logger: this.#logger });
    this.#catchUp = new CatchUp({
      windowMs: options.selfHealing.catchUpWindowMs,
      maxMessages: options.selfHealing.catchUpMaxMessages,
      bridge: options.bridge,
      channel: this,
      logger: this.#logger,
      scan: (readFromMs) => scanDiscordForUnanswered({ rest: this.#client.rest, botUserId: this.#botUserId ?? '', allow: this.#allowlist(), channels: () => this.#knownChannels(), maxConversations: options.selfHealing.catchUpMaxChannels }, readFromMs),
      claim: (message) => this.#stillUnanswered(message),
    });
    this.#attach();
  }

  async start(options: { catchUp?: boolean } = {}): Promise<void> {
    if (options.catchUp === true) this.#owner = true;
    this.connection.transition('connecting', 'login');
    try {
      // Passing failures are retried inside (GatewaySession): this rejects for a rejected credential, or when stopped.
      await this.#client.login(this.options.config.botToken);
      this.#botUserId = this.#client.user?.id ?? this.#botUserId;
    } catch (error) {
      if (!this.#stopping.signal.aborted) this.#fail(finalFailureReason(error), error);
      return;
    }
    this.#watchdog.start();
    const applicationId = this.#client.application?.id;
    if (this.options.config.registerCommands && applicationId !== undefined) {
      await registerCommandsIfChanged(this.#client.rest, applicationId, this.options.config.commandGuildId, this.#logger).catch((error: unknown) =>
        this.#logger.warn('could not register slash commands', { error }),
      );
    }
  }

  async standby(): Promise<void> {
    try {
      const me = await checkTokenPatiently(this.#client.rest, this.#stopping.signal, this.#reportRetry);
      this.#botUserId = me.id;
      // `connecting` (while Discord was unreachable) cannot go straight to standby.
      if (this.connection.state === 'connecting') this.connection.transition('disconnected', 'Discord reachable again');
      this.connection.transition('standby', 'token checked; waiting for the gateway session to be handed over');
    } catch (error) {
      if (!this.#stopping.signal.aborted) this.#fail(finalFailureReason(error), error);
    }
  }

  async handover(): Promise<PlatformHandoverState | null> {
    // Intake off and the session read in one tick: every event up to `sequence` was taken here, every later one is replayed to the successor.
    this.#intake = false;
    this.#owner = false;
    this.#watchdog.stop();
    const session = this.#gateway.current;
    if (session === null || this.connection.state !== 'connected') return null;
    this.#handedOver = true;
    // release() hands back this same session: it is read before the socket closes.
    await this.#gateway.release('handed over to the next session');
    this.connection.transition('disconnected', 'gateway session handed over');
    this.#logger.info('gateway session handed over', { sequence: session.sequence });
    return toHandoverState(session);
  }

  async takeover(state: PlatformHandoverState | null): Promise<void> {
    if (state === null) {
      this.#takeover = 'identified';
      await this.start({ catchUp: true });
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
        if (event === 'MESSAGE_CREATE') this.#route((botUserId) => viewFromApiMessage(data as APIMessage, botUserId));
      },
    });
    const replay = drain.run();
    await this.start();
    this.#takeover = await replay;
    await drain.close();
    this.#owner = true;
    if (this.#takeover === 'resumed') {
      this.#logger.info('took over the gateway session: Discord replayed what was sent during the handover');
    } else {
      this.#logger.warn('could not resume the handed-over gateway session; identified afresh and catching up on what the handover missed');
      void this.#catchUp.run('handover resume failed');
    }
  }

  stopIntake(): Promise<void> {
    this.#intake = false;
    this.#watchdog.stop();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#intake = false;
    this.#watchdog.stop();
    await this.#client.destroy();
    this.connection.transition('disconnected', 'stopped');
  }

  statusDetails(): Record<string, unknown> {
    const ping = this.#client.ws.ping;
    return { handover: this.#takeover, heartbeat_ms: ping >= 0 ? ping : null, ...this.#watchdog.status, catch_up: this.#catchUp.status };
  }

  openReply(message: InboundMessage): ReplySink {
    return createDiscordReply(this.#client.rest, { channelId: discordChannelOf(message), replyToMessageId: message.messageId }, this.#clock, this.#logger);
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

  /**
   * Two sessions may catch up at once (a restart overlapping the old process):
   * after a random pause, read the channel again and leave the message if a
   * reply appeared. The reply's nonce stops a double post within minutes.
   */
  async #stillUnanswered(message: InboundMessage): Promise<boolean> {
    await delay(Math.floor(Math.random() * 500));
    const query = new URLSearchParams({ after: message.messageId, limit: '100' });
    const later = (await this.#client.rest.get(Routes.channelMessages(discordChannelOf(message)), { query })) as APIMessage[];
    return !later.some((m) => botReplyTargetOf(m, this.#botUserId) === message.messageId);
  }

  #knownChannels(): { id: string; lastMessageId: string | null; guildId: string | null }[] {
    return [...this.#client.channels.cache.values()].flatMap((channel) =>
      channel.isTextBased() && 'lastMessageId' in channel ? [{ id: channel.id, lastMessageId: channel.lastMessageId ?? null, guildId: 'guildId' in channel ? channel.guildId : null }] : [],
    );
  }

  #attach(): void {
    const client = this.#client;
    const transition = (next: 'connected' | 'connecting', reason: string) => {
      if (!this.#handedOver) this.connection.transition(next, reason);
    };
    client.on(Events.ShardReady, () => {
      this.#botUserId ??= client.user?.id;
      transition('connected', 'ready (identified)');
      // A fresh IDENTIFY starts a session that never saw what was sent before it.
      if (this.#owner && this.#intake) void this.#catchUp.run('identified');
    });
    client.on(Events.ShardResume, (_id, replayed) => transition('connected', `resumed, ${replayed} events replayed`));
    client.on(Events.ShardReconnecting, () => transition('connecting', 'gateway reconnecting'));
    client.on(Events.ShardDisconnect, (event) => {
      const verdict = closeVerdict(event.code);
      if (verdict.final) this.#fail(verdict.reason, new Error(verdict.reason));
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
      this.#clock.observe(message.createdTimestamp);
      this.#botUserId ??= client.user?.id;
      this.#route((botUserId) => toView(message, botUserId));
    });
  }

  /** The view is built only for a message that is taken in (intake on, the bot's id known). */
  #route(viewOf: (botUserId: string) => DiscordMessageView): void {
    if (!this.#intake || this.#botUserId === undefined) return;
    const routing = routeDiscordMessage(viewOf(this.#botUserId), this.#botUserId, this.#allowlist());
    if (!routing.answer) {
      this.#logger.debug('discord message ignored', { reason: routing.reason });
      return;
    }
    this.options.bridge.submit(routing.message, this);
  }

  #allowlist() {
    return { guilds: this.options.config.allowedGuilds, channels: this.options.config.allowedChannels, users: this.options.config.allowedUsers };
  }

  #fail(reason: string, error: unknown): void {
    this.#logger.error(`${reason}; Discord stays off until the bot restarts`, { error });
    this.connection.transition('failed', reason, error);
  }
}
