import { SimpleShardingStrategy, WebSocketShardEvents, type WebSocketManager, type WebSocketShardDestroyOptions } from '@discordjs/ws';
import { closeVerdict, FinalCloseError } from './discord-connection.js';

/**
 * discord.js's sharding strategy, except that connecting waits out a passing
 * failure. A shard already reconnects by itself after a failed socket (500 ms
 * later, @discordjs/ws WebSocketShard#destroy with `recover`), but its first
 * connect() rejects on the first error it emits, such as a 5xx answer to the
 * WebSocket upgrade; login() then destroys the Client while the shard goes on
 * reconnecting, which leaves a live gateway session nothing can close. Here
 * connect() instead waits until every shard is ready or resumed, or a close
 * code says no retry can help, or the strategy is destroyed.
 */
export class PatientShardingStrategy extends SimpleShardingStrategy {
  readonly #events: WebSocketManager;
  #stopWaiting: AbortController | undefined;

  constructor(
    manager: WebSocketManager,
    private readonly onWait: (error: unknown) => void,
  ) {
    super(manager);
    this.#events = manager;
  }

  override async connect(): Promise<void> {
    const stop = new AbortController();
    this.#stopWaiting = stop;
    const recovered = this.#recovered(await this.#events.getShardIds(), stop.signal);
    recovered.catch(() => undefined);
    try {
      await super.connect();
    } catch (error) {
      // A final close code has rejected `recovered` already: its 'closed' event comes before the shard's error.
      this.onWait(error);
      await recovered;
    } finally {
      stop.abort();
    }
  }

  override async destroy(options?: Omit<WebSocketShardDestroyOptions, 'recover'>): Promise<void> {
    this.#stopWaiting?.abort();
    await super.destroy(options);
  }

  #recovered(shardIds: readonly number[], signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = new Set(shardIds);
      const onUp = ({ shardId }: { shardId: number }): void => {
        pending.delete(shardId);
        if (pending.size === 0) settle(resolve);
      };
      const onClosed = ({ code }: { code: number }): void => {
        const verdict = closeVerdict(code);
        if (verdict.final) settle(() => reject(new FinalCloseError(code, verdict.reason)));
      };
      const onStop = (): void => settle(() => reject(new Error('stopped while connecting to the Discord gateway')));
      const settle = (finish: () => void): void => {
        this.#events.off(WebSocketShardEvents.Ready, onUp).off(WebSocketShardEvents.Resumed, onUp).off(WebSocketShardEvents.Closed, onClosed);
        signal.removeEventListener('abort', onStop);
        finish();
      };
      this.#events.on(WebSocketShardEvents.Ready, onUp).on(WebSocketShardEvents.Resumed, onUp).on(WebSocketShardEvents.Closed, onClosed);
      signal.addEventListener('abort', onStop, { once: true });
    });
  }
}
