import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { App, SocketModeReceiver, type Logger as SlackLogger } from '@slack/bolt';
import type { PlatformState } from '../../core/index.js';
import { slackStateFor, socketModeSignals } from './slack-connection.js';
import type { SlackIdentity } from './slack-events.js';

export interface SlackSocketOptions {
  readonly botToken: string;
  readonly appToken: string;
  readonly apiUrl: string;
  readonly clientPingTimeoutMs: number;
  readonly identity: SlackIdentity;
  readonly logger: SlackLogger;
  /** Registers event and command listeners on the new App. */
  readonly register: (app: App) => void;
  /** A state the socket moved to (only while this socket is the current one). */
  readonly onState: (state: PlatformState, reason: string) => void;
  /** A sign of life: an envelope or a server ping. */
  readonly onAlive: (kind: 'event' | 'ping') => void;
  /** The socket went away without being asked to (a drop, a ping timeout, Slack's disconnect frame). */
  readonly onLost: () => void;
}

/**
 * Pings Slack's server sends, as undici publishes them. Pongs to our own pings
 * are left out on purpose: the client's own pong watch covers them, and a
 * server that answers pings but sends neither pings nor events is what this
 * watchdog is for.
 */
const pingChannels = ['undici:websocket:ping'];

/**
 * One Socket Mode connection (Bolt App + our own SocketModeReceiver, so we set
 * its ping and reconnect options and read its client's events). A watchdog
 * restart builds a new one and retires the old, whose late events are ignored.
 */
export class SlackSocket {
  readonly app: App;
  readonly #receiver: SocketModeReceiver;
  #current = true;
  #stopping = false;
  readonly #onPing = () => {
    if (this.#current) this.options.onAlive('ping');
  };

  constructor(private readonly options: SlackSocketOptions) {
    this.#receiver = new SocketModeReceiver({
      appToken: options.appToken,
      logger: options.logger,
      clientPingTimeout: options.clientPingTimeoutMs,
      // @slack/socket-mode reconnects by calling start() again, and when apps.connections.open
      // answers a 5xx that start() rejects unobserved and the client stays down for good
      // (SocketModeClient.delayReconnectAttempt: `cb.apply(this).then(res)`). The platform
      // reconnects instead, with capped backoff; a failed open comes back to it quickly.
      autoReconnectEnabled: false,
      // The receiver builds its own WebClient (for apps.connections.open) from installerOptions.
      installerOptions: { clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 1, minTimeout: 300, maxTimeout: 1000 } } },
    });
    for (const signal of socketModeSignals) {
      this.#receiver.client.on(signal, () => {
        const next = slackStateFor(signal, this.#stopping);
        if (this.#current && next !== null) options.onState(next, `socket mode ${signal}`);
      });
    }
    this.#receiver.client.on('disconnected', () => {
      if (this.#current && !this.#stopping) options.onLost();
    });
    this.#receiver.client.on('slack_event', () => {
      if (this.#current) options.onAlive('event');
    });
    this.app = new App({
      token: options.botToken,
      receiver: this.#receiver,
      logger: options.logger,
      clientOptions: { slackApiUrl: options.apiUrl },
      // auth.test already ran; handing Bolt its result avoids a second, unobserved call.
      botId: options.identity.botId ?? '',
      botUserId: options.identity.botUserId,
      tokenVerificationEnabled: false,
      // Bolt's conversation store (context.conversation) is read by nothing here; it cost a store look-up and write per event.
      convoStore: false,
    });
    options.register(this.app);
    for (const channel of pingChannels) subscribe(channel, this.#onPing);
  }

  start(): Promise<unknown> {
    return this.app.start();
  }

  /** Closes the socket so Slack delivers to the app's other connections; waits for the close. */
  async disconnect(): Promise<void> {
    this.#stopping = true;
    await this.#receiver.client.disconnect();
  }

  /** Stops listening at once, without waiting for a dead socket's close handshake (up to 30 s). */
  retire(): void {
    this.#current = false;
    this.#stopping = true;
    for (const channel of pingChannels) unsubscribe(channel, this.#onPing);
    void this.#receiver.client.disconnect().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    for (const channel of pingChannels) unsubscribe(channel, this.#onPing);
    await this.app.stop().catch(() => undefined);
  }
}
