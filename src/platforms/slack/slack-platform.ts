import type { App } from '@slack/bolt';
import type { SelfHealingConfig, SlackConfig } from '../../config/index.js';
import {
  InvalidHandoverError,
  PlatformConnection,
  RecentIds,
  TtlCache,
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
import { SlackApi } from './slack-api.js';
import { scanSlackForUnanswered } from './slack-catch-up.js';
import { registerSlackCommands } from './slack-commands.js';
import { mentionedUserIds, routeSlackEvent, slackTextToPlain, type SlackIdentity, type SlackMessageEvent } from './slack-events.js';
import { loadSlackTurns } from './slack-history.js';
import { createSlackReply } from './slack-reply.js';
import { SlackSocketKeeper } from './slack-socket-keeper.js';
import { slackReplyTarget } from './slack-target.js';
import { SlackUserNames } from './user-names.js';

export interface SlackPlatformOptions {
  readonly config: SlackConfig;
  readonly selfHealing: SelfHealingConfig;
  readonly bridge: Bridge;
  readonly logger: Logger;
  /** Tokens of earlier thread messages shown when the bot joins a conversation. */
  readonly contextTokenBudget: number;
  /** The bot's state as a short text, for /status. */
  readonly describeStatus: () => string;
}

/** Slack's own file host; the configured API host is allowed too, so a compatible server can serve files. */
const slackFileHost = 'files.slack.com';
const fileDownloadTimeoutMs = 20_000;
/** Slack retries an event for a while; a connection down longer than this may have missed some. */
const catchUpAfterDowntimeMs = 30_000;
/** Slack redelivers an envelope it got no ack for within 3 s: a socket lost that soon after a message may have lost its ack. */
const ackWindowMs = 3000;

/**
 * Slack over Socket Mode with Bolt. Bolt acks each envelope before our
 * listener runs; the listener only normalises and hands off to the core.
 * The socket keeper connects (retrying passing failures for as long as it
 * takes), a watchdog restarts a socket that stays open but silent, and
 * catch-up answers what arrived while the bot was away.
 */
export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack';
  /** Slack gives each event to one of an app's (up to 10) Socket Mode connections. */
  readonly allowsParallelSessions = true;
  readonly connection = new PlatformConnection('slack', 'disconnected');
  readonly #logger: Logger;
  readonly #api: SlackApi;
  readonly #streaming: { native: boolean };
  readonly #names: SlackUserNames;
  readonly #watchdog: LivenessWatchdog;
  readonly #catchUp: CatchUp;
  readonly #keeper: SlackSocketKeeper;
  /** Messages Slack delivered more than once: another connection (maybe another session) got them first. */
  readonly #redelivered = new RecentIds(15 * 60_000, 10_000);
  readonly #receivedAt = new TtlCache<number>(20_000, 15 * 60_000);
  /** Only the session that owns the platform catches up (not a rotation's standby). */
  #owner = false;
  #intake = true;
  #catchUpReason: string | undefined;
  #downSinceMs: number | undefined;

  constructor(private readonly options: SlackPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#streaming = { native: options.config.nativeStreaming };
    this.#api = new SlackApi({ token: options.config.botToken, apiUrl: options.config.apiUrl, rateWindowMs: options.config.rateWindowMs, logger: this.#logger });
    this.#names = new SlackUserNames(this.#api, this.#logger);
    this.#keeper = new SlackSocketKeeper({
      config: options.config,
      api: this.#api,
      connection: this.connection,
      logger: this.#logger,
      register: (app) => this.#register(app),
      onAlive: (kind) => (kind === 'event' ? this.#watchdog.event() : this.#watchdog.alive()),
    });
    this.#watchdog = new LivenessWatchdog({ connection: this.connection, silenceMs: options.selfHealing.watchdogSilenceMs, restart: () => this.#restartSocket(), logger: this.#logger });
    this.#catchUp = new CatchUp({
      windowMs: options.selfHealing.catchUpWindowMs,
      maxMessages: options.selfHealing.catchUpMaxMessages,
      bridge: options.bridge,
      channel: this,
      logger: this.#logger,
      settleMs: options.selfHealing.catchUpSettleMs,
      scan: (readFromMs) => scanSlackForUnanswered({ api: this.#api, identity: this.#keeper.identity(), allow: this.#allowlist(), maxConversations: options.selfHealing.catchUpMaxChannels }, readFromMs),
    });
    this.connection.on('change', (change) => this.#onStateChange(change.to));
  }

  async start(options: { catchUp?: boolean } = {}): Promise<void> {
    if (options.catchUp === true) {
      this.#owner = true;
      this.#catchUpReason = 'start';
    }
    this.#intake = true;
    if (await this.#keeper.connect('starting')) this.#watchdog.start();
  }

  /** A successor connects right away: Slack splits events between the two sockets, never doubling one. */
  standby(): Promise<void> {
    return this.start();
  }

  async handover(): Promise<PlatformHandoverState | null> {
    this.#owner = false;
    await this.stopIntake();
    this.connection.transition('disconnected', 'handed over: socket closed, Slack delivers to the successor');
    return null;
  }

  async takeover(state: PlatformHandoverState | null): Promise<void> {
    if (state !== null) throw new InvalidHandoverError('handover.slack: Slack passes no state between sessions; send null');
    // Nothing was missed in a handover; from now on this session catches up after long outages.
    this.#owner = true;
    if (this.connection.state === 'disconnected') await this.start();
  }

  async stopIntake(): Promise<void> {
    // From here every answer not yet written is contested: a successor may get this socket's unacked events.
    this.#intake = false;
    this.#watchdog.stop();
    this.#catchUp.stop();
    // Closing our socket makes Slack deliver new events to the bot's other connections.
    await this.#keeper.disconnect();
  }

  async stop(): Promise<void> {
    this.#intake = false;
    this.#watchdog.stop();
    this.#catchUp.stop();
    await this.#keeper.stop();
    this.connection.transition('disconnected', 'stopped');
  }

  statusDetails(): Record<string, unknown> {
    return {
      ...this.#watchdog.status,
      catch_up: this.#catchUp.status,
      web_api_rate_limited: Object.fromEntries(this.#api.rateLimited),
      web_api_held_back: Object.fromEntries(this.#api.heldBack),
      native_streaming: this.#streaming.native,
    };
  }

  openReply(message: InboundMessage): ReplySink {
    return createSlackReply({ api: this.#api, identity: this.#keeper.identity(), logger: this.#logger, streaming: this.#streaming, contested: (m) => this.#contested(m) }, message);
  }

  async loadEarlierTurns(message: InboundMessage): Promise<ConversationTurn[]> {
    const source = { api: this.#api, identity: this.#keeper.identity(), names: this.#names, tokenBudget: this.options.contextTokenBudget };
    return loadSlackTurns(source, slackReplyTarget(message));
  }

  async prepareInput(message: InboundMessage, signal: AbortSignal): Promise<PreparedInput> {
    const ids = mentionedUserIds(message.text);
    if (ids.length > 0) await this.#names.resolve(ids);
    const { attachments, notices } = await collectAttachments(message.files ?? [], (file, maxBytes, fileSignal) => this.#download(file.url, maxBytes, fileSignal), signal, this.#logger);
    return { text: slackTextToPlain(message.text, (id) => this.#names.cached(id)), attachments, notices };
  }

  /**
   * Whether another session of the bot may be answering this message too, so the answer must be
   * claimed first: a late answer, a redelivery, this session handing over or stopping, or a socket
   * lost soon enough after the message that its ack may not have arrived. Everything else needs no
   * call: each event reaches one connection, and a catch-up elsewhere leaves young messages alone
   * (CATCHUP_SETTLE_SECONDS) until the session that got them has posted.
   */
  #contested(message: InboundMessage): boolean {
    if (message.late === true || !this.#intake || this.#redelivered.has(message.messageId)) return true;
    const lostAt = this.#keeper.lastLostAt;
    const receivedAt = this.#receivedAt.get(message.messageId);
    return lostAt !== undefined && receivedAt !== undefined && lostAt >= receivedAt && lostAt - receivedAt <= ackWindowMs;
  }

  /** The old socket may be half-open for its 30 s close handshake; a new one connects beside it. */
  async #restartSocket(): Promise<void> {
    this.#catchUpReason = 'watchdog restart';
    await this.#keeper.connect('watchdog restart');
  }

  #onStateChange(state: string): void {
    if (state === 'connecting') this.#downSinceMs ??= Date.now();
    if (state !== 'connected') return;
    const downForMs = this.#downSinceMs === undefined ? 0 : Date.now() - this.#downSinceMs;
    this.#downSinceMs = undefined;
    const reason = this.#catchUpReason ?? (downForMs > catchUpAfterDowntimeMs ? `reconnected after ${Math.round(downForMs / 1000)} s` : undefined);
    this.#catchUpReason = undefined;
    if (this.#owner && reason !== undefined) void this.#catchUp.run(reason);
  }

  #register(app: App): void {
    const onEvent = ({ event, context }: { event: unknown; context: { retryNum?: number } }) => {
      this.#handle(event as SlackMessageEvent, context.retryNum ?? 0);
      return Promise.resolve();
    };
    app.event('app_mention', onEvent);
    app.event('message', onEvent);
    registerSlackCommands(app, { bridge: this.options.bridge, api: this.#api, threadChannel: this, describeStatus: this.options.describeStatus, logger: this.#logger });
    app.error((error) => {
      this.#logger.warn('bolt listener error', { error });
      return Promise.resolve();
    });
  }

  #handle(event: SlackMessageEvent, retryNum: number): void {
    const routing = routeSlackEvent(event, this.#keeper.identity(), this.#allowlist());
    if (!routing.answer) {
      this.#logger.debug('slack event ignored', { reason: routing.reason, type: event.type });
      return;
    }
    const { messageId } = routing.message;
    if (this.#receivedAt.get(messageId) === undefined) this.#receivedAt.set(messageId, Date.now());
    if (retryNum > 0) this.#redelivered.remember(messageId);
    this.options.bridge.submit(routing.message, this);
  }

  /** url_private_download needs the bot token; it is only ever sent to Slack's file hosts. */
  #download(url: string, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    return safeDownload(url, {
      allowedHosts: new Set([slackFileHost, new URL(this.options.config.apiUrl).host]),
      headers: { Authorization: `Bearer ${this.options.config.botToken}` },
      maxBytes,
      timeoutMs: fileDownloadTimeoutMs,
      signal,
    });
  }

  #allowlist() {
    return { channels: this.options.config.allowedChannels, users: this.options.config.allowedUsers };
  }
}

export type { SlackIdentity };
