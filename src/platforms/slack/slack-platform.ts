import { webApi, type App } from '@slack/bolt';
import type { SelfHealingConfig, SlackConfig } from '../../config/index.js';
import {
  InvalidHandoverError,
  PlatformConnection,
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
import { toSlackLogger } from './bolt-logger.js';
import { scanSlackForUnanswered } from './slack-catch-up.js';
import { registerSlackCommands } from './slack-commands.js';
import { isSlackAuthError } from './slack-connection.js';
import { mentionedUserIds, routeSlackEvent, slackReplyTarget, slackTextToPlain, type SlackIdentity, type SlackMessageEvent } from './slack-events.js';
import { loadSlackTurns } from './slack-history.js';
import { claimWithEyes, createSlackReply, slackErrorCode } from './slack-reply.js';
import { SlackSocket } from './slack-socket.js';
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

/**
 * Slack over Socket Mode with Bolt. Bolt acks each envelope before our
 * listener runs; the listener only normalises and hands off to the core.
 * A watchdog restarts a socket that stays open but silent, and catch-up
 * answers what arrived while the bot was away.
 */
export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack';
  /** Slack gives each event to one of an app's (up to 10) Socket Mode connections. */
  readonly allowsParallelSessions = true;
  readonly connection = new PlatformConnection('slack', 'disconnected');
  readonly #logger: Logger;
  readonly #web: webApi.WebClient;
  readonly #streaming: { native: boolean };
  readonly #names: SlackUserNames;
  readonly #watchdog: LivenessWatchdog;
  readonly #catchUp: CatchUp;
  #identity: SlackIdentity | undefined;
  #socket: SlackSocket | undefined;
  /** Only the session that owns the platform catches up (not a rotation's standby). */
  #owner = false;
  #catchUpReason: string | undefined;
  #downSinceMs: number | undefined;

  constructor(private readonly options: SlackPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#streaming = { native: options.config.nativeStreaming };
    this.#web = new webApi.WebClient(options.config.botToken, {
      slackApiUrl: options.config.apiUrl,
      logger: toSlackLogger(this.#logger),
      // Replies must not hang for the SDK's default half hour of retries; 429s are still waited out.
      retryConfig: { retries: 3, factor: 2, minTimeout: 300, maxTimeout: 3000 },
    });
    this.#names = new SlackUserNames(this.#web, this.#logger);
    this.#watchdog = new LivenessWatchdog({ connection: this.connection, silenceMs: options.selfHealing.watchdogSilenceMs, restart: () => this.#restartSocket(), logger: this.#logger });
    this.#catchUp = new CatchUp({
      windowMs: options.selfHealing.catchUpWindowMs,
      maxMessages: options.selfHealing.catchUpMaxMessages,
      bridge: options.bridge,
      channel: this,
      logger: this.#logger,
      scan: (readFromMs) => scanSlackForUnanswered({ client: this.#web, identity: this.#requireIdentity(), allow: this.#allowlist(), maxConversations: options.selfHealing.catchUpMaxChannels }, readFromMs),
      claim: (message) => this.#claim(message),
    });
    this.connection.on('change', (change) => this.#onStateChange(change.to));
  }

  async start(options: { catchUp?: boolean } = {}): Promise<void> {
    if (options.catchUp === true) {
      this.#owner = true;
      this.#catchUpReason = 'start';
    }
    this.connection.transition('connecting', 'starting');
    this.#identity ??= await this.#authenticate();
    if (this.#identity === undefined) return;
    await this.#openSocket(this.#identity);
    this.#watchdog.start();
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
    this.#watchdog.stop();
    // Closing our socket makes Slack deliver new events to the bot's other connections.
    await this.#socket?.disconnect();
  }

  async stop(): Promise<void> {
    this.#watchdog.stop();
    await this.#socket?.stop();
    this.connection.transition('disconnected', 'stopped');
  }

  statusDetails(): Record<string, unknown> {
    return { ...this.#watchdog.status, catch_up: this.#catchUp.status };
  }

  openReply(message: InboundMessage): ReplySink {
    return createSlackReply({ client: this.#web, identity: this.#requireIdentity(), logger: this.#logger, streaming: this.#streaming }, message);
  }

  async loadEarlierTurns(message: InboundMessage): Promise<ConversationTurn[]> {
    const source = { client: this.#web, identity: this.#requireIdentity(), names: this.#names, tokenBudget: this.options.contextTokenBudget };
    return loadSlackTurns(source, slackReplyTarget(message));
  }

  async prepareInput(message: InboundMessage, signal: AbortSignal): Promise<PreparedInput> {
    const ids = mentionedUserIds(message.text);
    if (ids.length > 0) await this.#names.resolve(ids);
    const { attachments, notices } = await collectAttachments(message.files ?? [], (file, maxBytes, fileSignal) => this.#download(file.url, maxBytes, fileSignal), signal, this.#logger);
    return { text: slackTextToPlain(message.text, (id) => this.#names.cached(id)), attachments, notices };
  }

  async #openSocket(identity: SlackIdentity): Promise<void> {
    const socket = new SlackSocket({
      botToken: this.options.config.botToken,
      appToken: this.options.config.appToken,
      apiUrl: this.options.config.apiUrl,
      clientPingTimeoutMs: this.options.config.clientPingTimeoutMs,
      identity,
      logger: toSlackLogger(this.#logger),
      register: (app) => this.#register(app),
      onState: (state, reason) => this.connection.transition(state, reason),
      onAlive: (kind) => (kind === 'event' ? this.#watchdog.event() : this.#watchdog.alive()),
    });
    this.#socket = socket;
    try {
      await socket.start();
    } catch (error) {
      const code = slackErrorCode(error);
      const hint = isSlackAuthError(code)
        ? 'Slack rejected SLACK_APP_TOKEN at apps.connections.open: use an App-Level Token (xapp-) with connections:write and turn on Socket Mode for the app'
        : 'Slack Socket Mode could not start';
      this.#logger.error(`${hint}; Slack stays off until the bot restarts`, { error });
      this.connection.transition('failed', code ?? 'socket mode start failed', error);
    }
  }

  /** The old socket may be half-open for its 30 s close handshake; a new one connects beside it. */
  async #restartSocket(): Promise<void> {
    this.#socket?.retire();
    this.#catchUpReason = 'watchdog restart';
    this.connection.transition('connecting', 'watchdog restart');
    if (this.#identity !== undefined) await this.#openSocket(this.#identity);
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

  /** The :eyes: reaction is the claim: a second session of the bot gets already_reacted and leaves the message. */
  async #claim(message: InboundMessage): Promise<boolean> {
    try {
      return await claimWithEyes(this.#web, slackReplyTarget(message));
    } catch (error) {
      this.#logger.warn('catch-up claim failed', { error });
      return false;
    }
  }

  #register(app: App): void {
    const onEvent = ({ event }: { event: unknown }) => {
      this.#handle(event as SlackMessageEvent);
      return Promise.resolve();
    };
    app.event('app_mention', onEvent);
    app.event('message', onEvent);
    registerSlackCommands(app, { bridge: this.options.bridge, web: this.#web, threadChannel: this, describeStatus: this.options.describeStatus, logger: this.#logger });
    app.error((error) => {
      this.#logger.warn('bolt listener error', { error });
      return Promise.resolve();
    });
  }

  #handle(event: SlackMessageEvent): void {
    const routing = routeSlackEvent(event, this.#requireIdentity(), this.#allowlist());
    if (!routing.answer) {
      this.#logger.debug('slack event ignored', { reason: routing.reason, type: event.type });
      return;
    }
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

  async #authenticate(): Promise<SlackIdentity | undefined> {
    try {
      const auth = await this.#web.auth.test();
      if (auth.user_id === undefined || auth.team_id === undefined) throw new Error('auth.test returned no user_id or team_id');
      this.#logger.info('slack authenticated', { botUserId: auth.user_id, team: auth.team_id });
      return { botUserId: auth.user_id, botId: auth.bot_id, teamId: auth.team_id };
    } catch (error) {
      const code = slackErrorCode(error);
      const hint = isSlackAuthError(code)
        ? `Slack rejected SLACK_BOT_TOKEN (${code}): use the Bot User OAuth Token (xoxb-) from OAuth & Permissions, reinstalling the app if it was revoked`
        : 'Slack auth.test failed';
      this.#logger.error(`${hint}; Slack stays off until the bot restarts`, { error });
      this.connection.transition('failed', code ?? 'auth.test failed', error);
      return undefined;
    }
  }

  #allowlist() {
    return { channels: this.options.config.allowedChannels, users: this.options.config.allowedUsers };
  }

  #requireIdentity(): SlackIdentity {
    if (this.#identity === undefined) throw new Error('Slack is not authenticated yet');
    return this.#identity;
  }
}
