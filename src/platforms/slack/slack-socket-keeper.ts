import type { App } from '@slack/bolt';
import type { SlackConfig } from '../../config/index.js';
import type { PlatformConnection } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { keepTrying } from '../shared/backoff.js';
import { toSlackLogger } from './bolt-logger.js';
import { slackErrorCode, type SlackApi } from './slack-api.js';
import { isSlackAuthError } from './slack-connection.js';
import type { SlackIdentity } from './slack-events.js';
import { SlackSocket } from './slack-socket.js';

export interface SlackSocketKeeperOptions {
  readonly config: SlackConfig;
  readonly api: SlackApi;
  readonly connection: PlatformConnection;
  readonly logger: Logger;
  readonly register: (app: App) => void;
  readonly onAlive: (kind: 'event' | 'ping') => void;
}

const botTokenHint = 'Slack rejected SLACK_BOT_TOKEN: use the Bot User OAuth Token (xoxb-) from OAuth & Permissions, reinstalling the app if it was revoked';
const appTokenHint = 'Slack rejected SLACK_APP_TOKEN at apps.connections.open: use an App-Level Token (xapp-) with connections:write and turn on Socket Mode for the app';

/** A rejected credential: no retry fixes it (everything else, 5xx and network errors included, passes). */
function isFinal(error: unknown): boolean {
  return isSlackAuthError(slackErrorCode(error));
}

/**
 * Keeps one Socket Mode connection up: who the bot is (auth.test), then a socket, and a new
 * socket whenever one is lost. Only a rejected token is final (`failed`); any other failure is
 * retried with backoff and jitter, capped near a minute, for as long as it takes, `connecting`
 * meanwhile. The library's own reconnect is off: it gives up for good on a 5xx from
 * apps.connections.open (see SlackSocket).
 */
export class SlackSocketKeeper {
  #identity: SlackIdentity | undefined;
  #socket: SlackSocket | undefined;
  #connecting: Promise<boolean> | undefined;
  #stopping = false;
  #abort = new AbortController();
  /** When a socket last went away unasked (epoch ms). */
  lastLostAt: number | undefined;

  constructor(private readonly options: SlackSocketKeeperOptions) {}

  identity(): SlackIdentity {
    if (this.#identity === undefined) throw new Error('Slack is not authenticated yet');
    return this.#identity;
  }

  /** Resolves true once connected, false when a token was rejected or the keeper was stopped. Asked twice, the same promise. */
  connect(reason: string): Promise<boolean> {
    if (this.#stopping) {
      this.#stopping = false;
      this.#abort = new AbortController();
    }
    this.#connecting ??= this.#connect(reason).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Closes the socket so Slack delivers to the app's other connections; no reconnect follows. */
  async disconnect(): Promise<void> {
    this.#halt();
    await this.#socket?.disconnect();
  }

  async stop(): Promise<void> {
    this.#halt();
    await this.#socket?.stop();
  }

  async #connect(reason: string): Promise<boolean> {
    const { connection, logger } = this.options;
    connection.transition('connecting', reason);
    const signal = this.#abort.signal;
    let step: 'auth.test' | 'apps.connections.open' = 'auth.test';
    const onRetry = (error: unknown, delayMs: number, attempt: number) => {
      logger.warn(`Slack ${step} failed; retrying`, { attempt, retryInMs: delayMs, error });
      connection.transition('connecting', `${step} failed (attempt ${attempt}); retrying`, error);
    };
    try {
      this.#identity ??= await keepTrying(() => this.#authenticate(), { isFinal, onRetry, signal });
      step = 'apps.connections.open';
      await keepTrying(() => this.#open(this.identity()), { isFinal, onRetry, signal });
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      const hint = step === 'auth.test' ? botTokenHint : appTokenHint;
      logger.error(`${hint}; Slack stays off until the bot restarts`, { error });
      connection.transition('failed', slackErrorCode(error) ?? `${step} failed`, error);
      return false;
    }
  }

  async #authenticate(): Promise<SlackIdentity> {
    const auth = await this.options.api.client.auth.test();
    if (auth.user_id === undefined || auth.team_id === undefined) throw new Error('auth.test returned no user_id or team_id');
    this.options.logger.info('slack authenticated', { botUserId: auth.user_id, team: auth.team_id });
    return { botUserId: auth.user_id, botId: auth.bot_id, teamId: auth.team_id };
  }

  /** A new socket beside the old one (which may be half-open for its 30 s close handshake), then the old one retired. */
  async #open(identity: SlackIdentity): Promise<void> {
    const { config, connection, logger } = this.options;
    const socket = new SlackSocket({
      botToken: config.botToken,
      appToken: config.appToken,
      apiUrl: config.apiUrl,
      clientPingTimeoutMs: config.clientPingTimeoutMs,
      identity,
      logger: toSlackLogger(logger),
      register: this.options.register,
      onState: (state, why) => connection.transition(state, why),
      onAlive: this.options.onAlive,
      onLost: () => this.#lost(socket),
    });
    const previous = this.#socket;
    this.#socket = socket;
    previous?.retire();
    try {
      await socket.start();
    } catch (error) {
      socket.retire();
      throw error;
    }
    if (this.#stopping) await socket.stop();
  }

  #lost(socket: SlackSocket): void {
    if (socket !== this.#socket || this.#stopping) return;
    this.lastLostAt = Date.now();
    void this.connect('socket lost; reconnecting');
  }

  #halt(): void {
    this.#stopping = true;
    this.#abort.abort();
  }
}
