import { WebSocketShardEvents, type SessionInfo, type WebSocketManager } from '@discordjs/ws';
import { keepTrying } from '../shared/backoff.js';
import { isFinalDiscordFailure } from './discord-connection.js';
import { PatientShardingStrategy } from './patient-sharding-strategy.js';

/** A close code other than 1000/1001 keeps the gateway session resumable. */
const resumableCloseCode = 4200;

export interface GatewaySessionOptions {
  /** Liveness: heartbeat ACKs and dispatches. */
  readonly onSignal: (kind: 'heartbeat' | 'event') => void;
  /** A passing failure on the way to a connection, before the next try (or, for the socket, the library's own retry). */
  readonly onRetry: (what: string, error: unknown, delayMs: number | null) => void;
  /** Stopping ends the waits. */
  readonly signal: AbortSignal;
}

/**
 * Our hold on discord.js's gateway: it mirrors the session (id, sequence,
 * resume URL) as the library updates it, reports liveness (heartbeat ACKs,
 * dispatches), and can close the connection while keeping the session, either
 * to hand it to another process or to resume it here on a fresh socket.
 * Connecting outlasts an outage: GET /gateway/bot is retried with backoff
 * (the REST client gives up after 3 immediate retries of a 5xx), and the
 * first socket waits for the library's own reconnects (PatientShardingStrategy).
 * Wired in through the Client's public `ws.buildStrategy` option.
 */
export class GatewaySession {
  #manager: WebSocketManager | undefined;
  #session: SessionInfo | null = null;
  #resumeWith: SessionInfo | null = null;

  constructor(private readonly options: GatewaySessionOptions) {}

  /** For `new Client({ ws: { buildStrategy } })`. */
  readonly buildStrategy = (manager: WebSocketManager): PatientShardingStrategy => {
    this.#manager = manager;
    const options = manager.options;
    const retrieve = options.retrieveSessionInfo.bind(options);
    const update = options.updateSessionInfo.bind(options);
    options.retrieveSessionInfo = (shardId) => this.#resumeWith ?? retrieve(shardId);
    options.updateSessionInfo = (shardId, info) => {
      this.#session = info;
      if (info !== null) this.#resumeWith = null;
      return update(shardId, info);
    };
    this.#fetchGatewayPatiently(manager);
    manager.on(WebSocketShardEvents.HeartbeatComplete, () => this.options.onSignal('heartbeat'));
    manager.on(WebSocketShardEvents.Dispatch, () => this.options.onSignal('event'));
    return new PatientShardingStrategy(manager, (error) => this.options.onRetry('gateway connection', error, null));
  };

  /**
   * Login, a watchdog reconnect and a shard count update all read GET /gateway/bot
   * through this method; a retry forces a fresh read, and an exhausted daily
   * session budget is waited out the same way rather than failing the connect.
   */
  #fetchGatewayPatiently(manager: WebSocketManager): void {
    const fetchOnce = manager.fetchGatewayInformation.bind(manager);
    manager.fetchGatewayInformation = (force = false) => {
      let tries = 0;
      return keepTrying(
        async () => {
          tries += 1;
          const info = await fetchOnce(force || tries > 1);
          if (info.session_start_limit.remaining < 1) throw new Error(`Discord's daily gateway session budget is used up; it resets in ${info.session_start_limit.reset_after} ms`);
          return info;
        },
        { isFinal: isFinalDiscordFailure, onRetry: (error, delayMs) => this.options.onRetry('GET /gateway/bot', error, delayMs), signal: this.options.signal },
      );
    };
  }

  get current(): SessionInfo | null {
    return this.#session;
  }

  /** Closes the socket without invalidating the session; returns the session as it was. */
  async release(reason: string): Promise<SessionInfo | null> {
    const session = this.#session;
    await this.#manager?.destroy({ code: resumableCloseCode, reason });
    return session;
  }

  /** Drops a socket that went silent and resumes the same session on a new one (Discord replays the gap). */
  async reconnect(): Promise<void> {
    const manager = this.#manager;
    if (manager === undefined) return;
    const session = await this.release('connection silent; reconnecting');
    this.#resumeWith = session;
    await manager.connect();
  }
}
