import { SimpleShardingStrategy, WebSocketShardEvents, type SessionInfo, type WebSocketManager } from '@discordjs/ws';

/** A close code other than 1000/1001 keeps the gateway session resumable. */
const resumableCloseCode = 4200;

/**
 * Our hold on discord.js's gateway: it mirrors the session (id, sequence,
 * resume URL) as the library updates it, reports liveness (heartbeat ACKs,
 * dispatches), and can close the connection while keeping the session, either
 * to hand it to another process or to resume it here on a fresh socket.
 * Wired in through the Client's public `ws.buildStrategy` option.
 */
export class GatewaySession {
  #manager: WebSocketManager | undefined;
  #session: SessionInfo | null = null;
  #resumeWith: SessionInfo | null = null;

  constructor(private readonly onSignal: (kind: 'heartbeat' | 'event') => void) {}

  /** For `new Client({ ws: { buildStrategy } })`. */
  readonly buildStrategy = (manager: WebSocketManager): SimpleShardingStrategy => {
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
    manager.on(WebSocketShardEvents.HeartbeatComplete, () => this.onSignal('heartbeat'));
    manager.on(WebSocketShardEvents.Dispatch, () => this.onSignal('event'));
    return new SimpleShardingStrategy(manager);
  };

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
