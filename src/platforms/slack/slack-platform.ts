import { App, SocketModeReceiver, webApi } from '@slack/bolt';
import type { SlackConfig } from '../../config/index.js';
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
import { toSlackLogger } from './bolt-logger.js';
import { isSlackAuthError, slackStateFor, socketModeSignals } from './slack-connection.js';
import { mentionedUserIds, routeSlackEvent, slackReplyTarget, slackTextToPlain, type SlackIdentity, type SlackMessageEvent } from './slack-events.js';
import { collectAttachments } from '../shared/collect-attachments.js';
import { safeDownload } from '../shared/safe-download.js';
import { registerSlackCommands } from './slack-commands.js';
import { loadSlackTurns } from './slack-history.js';
import { createSlackReply, slackErrorCode, type SlackReplyDeps } from './slack-reply.js';
import { SlackUserNames } from './user-names.js';

export interface SlackPlatformOptions {
  readonly config: SlackConfig;
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

/**
 * Slack over Socket Mode with Bolt. Bolt acks each envelope before our
 * listener runs; the listener only normalises and hands off to the core.
 */
export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack';
  /** Slack gives each event to one of an app's (up to 10) Socket Mode connections. */
  readonly allowsParallelSessions = true;
  readonly connection = new PlatformConnection('slack', 'disconnected');
  readonly #logger: Logger;
  readonly #web: webApi.WebClient;
  readonly #streaming: { native: boolean };
  #identity: SlackIdentity | undefined;
  #app: App | undefined;
  #receiver: SocketModeReceiver | undefined;
  #names: SlackUserNames | undefined;
  #stopping = false;

  constructor(private readonly options: SlackPlatformOptions) {
    this.#logger = options.logger.child({ platform: 'slack' });
    this.#streaming = { native: options.config.nativeStreaming };
    this.#web = new webApi.WebClient(options.config.botToken, {
      slackApiUrl: options.config.apiUrl,
      logger: toSlackLogger(this.#logger),
      // Replies must not hang for the SDK's default half hour of retries; 429s are still waited out.
      retryConfig: { retries: 3, factor: 2, minTimeout: 300, maxTimeout: 3000 },
    });
  }

  async start(): Promise<void> {
    this.connection.transition('connecting', 'starting');
    const identity = await this.#authenticate();
    if (identity === undefined) return;
    this.#identity = identity;
    const { app, receiver } = this.#build(identity);
    this.#app = app;
    this.#receiver = receiver;
    try {
      await app.start();
    } catch (error) {
      const code = slackErrorCode(error);
      const hint = isSlackAuthError(code)
        ? 'Slack rejected SLACK_APP_TOKEN at apps.connections.open: use an App-Level Token (xapp-) with connections:write and turn on Socket Mode for the app'
        : 'Slack Socket Mode could not start';
      this.#logger.error(`${hint}; Slack stays off until the bot restarts`, { error });
      this.connection.transition('failed', code ?? 'socket mode start failed', error);
    }
  }

  /** A successor connects right away: Slack splits events between the two sockets, never doubling one. */
  standby(): Promise<void> {
    return this.start();
  }

  async handover(): Promise<PlatformHandoverState | null> {
    await this.stopIntake();
    this.connection.transition('disconnected', 'handed over: socket closed, Slack delivers to the successor');
    return null;
  }

  async takeover(state: PlatformHandoverState | null): Promise<void> {
    if (state !== null) throw new InvalidHandoverError('handover.slack: Slack passes no state between sessions; send null');
    if (this.connection.state === 'disconnected') await this.start();
  }

  async stopIntake(): Promise<void> {
    // Closing our socket makes Slack deliver new events to the bot's other connections.
    this.#stopping = true;
    await this.#receiver?.client.disconnect();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#app?.stop().catch((error: unknown) => this.#logger.debug('slack stop', { error }));
    this.connection.transition('disconnected', 'stopped');
  }

  openReply(message: InboundMessage): ReplySink {
    const deps: SlackReplyDeps = { client: this.#web, identity: this.#requireIdentity(), logger: this.#logger, streaming: this.#streaming };
    return createSlackReply(deps, message);
  }

  async loadEarlierTurns(message: InboundMessage): Promise<ConversationTurn[]> {
    const source = { client: this.#web, identity: this.#requireIdentity(), names: this.#requireNames(), tokenBudget: this.options.contextTokenBudget };
    return loadSlackTurns(source, slackReplyTarget(message));
  }

  async prepareInput(message: InboundMessage, signal: AbortSignal): Promise<PreparedInput> {
    const names = this.#requireNames();
    const ids = mentionedUserIds(message.text);
    if (ids.length > 0) await names.resolve(ids);
    const { attachments, notices } = await collectAttachments(message.files ?? [], (file, maxBytes, fileSignal) => this.#download(file.url, maxBytes, fileSignal), signal, this.#logger);
    return { text: slackTextToPlain(message.text, (id) => names.cached(id)), attachments, notices };
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

  #requireNames(): SlackUserNames {
    this.#names ??= new SlackUserNames(this.#web, this.#logger);
    return this.#names;
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

  #build(identity: SlackIdentity): { app: App; receiver: SocketModeReceiver } {
    const slackLogger = toSlackLogger(this.#logger);
    const receiver = new SocketModeReceiver({
      appToken: this.options.config.appToken,
      logger: slackLogger,
      clientPingTimeout: this.options.config.clientPingTimeoutMs,
      // The receiver builds its own WebClient (for apps.connections.open) from installerOptions.
      installerOptions: { clientOptions: { slackApiUrl: this.options.config.apiUrl } },
    });
    for (const signal of socketModeSignals) {
      receiver.client.on(signal, () => {
        const next = slackStateFor(signal, this.#stopping);
        if (next !== null) this.connection.transition(next, `socket mode ${signal}`);
      });
    }
    const app = new App({
      token: this.options.config.botToken,
      receiver,
      logger: slackLogger,
      clientOptions: { slackApiUrl: this.options.config.apiUrl },
      // auth.test already ran above; handing Bolt its result avoids a second, unobserved call.
      botId: identity.botId ?? '',
      botUserId: identity.botUserId,
      tokenVerificationEnabled: false,
    });
    const onEvent = ({ event }: { event: unknown }) => {
      this.#handle(event as SlackMessageEvent);
      return Promise.resolve();
    };
    app.event('app_mention', onEvent);
    app.event('message', onEvent);
    registerSlackCommands(app, { bridge: this.options.bridge, threadChannel: this, describeStatus: this.options.describeStatus, logger: this.#logger });
    app.error((error) => {
      this.#logger.warn('bolt listener error', { error });
      return Promise.resolve();
    });
    return { app, receiver };
  }

  #handle(event: SlackMessageEvent): void {
    const identity = this.#requireIdentity();
    const routing = routeSlackEvent(event, identity, { channels: this.options.config.allowedChannels, users: this.options.config.allowedUsers });
    if (!routing.answer) {
      this.#logger.debug('slack event ignored', { reason: routing.reason, type: event.type });
      return;
    }
    this.options.bridge.submit(routing.message, this);
  }

  #requireIdentity(): SlackIdentity {
    if (this.#identity === undefined) throw new Error('Slack is not authenticated yet');
    return this.#identity;
  }
}
