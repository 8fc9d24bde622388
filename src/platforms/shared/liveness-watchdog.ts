import type { PlatformConnection } from '../../core/index.js';
import type { Logger } from '../../log/index.js';

export interface LivenessStatus {
  last_event_at: string | null;
  last_liveness_at: string | null;
  watchdog_restarts: number;
}

/**
 * Watches a connection end to end rather than its TCP state: the adapter
 * reports every liveness signal (server pings, pongs, heartbeat ACKs, events);
 * a connection that stays `connected` without one for `silenceMs` is restarted.
 */
export class LivenessWatchdog {
  readonly status: LivenessStatus = { last_event_at: null, last_liveness_at: null, watchdog_restarts: 0 };
  #lastSignalMs = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #restarting = false;

  constructor(
    private readonly options: {
      readonly connection: PlatformConnection;
      readonly silenceMs: number;
      readonly restart: (silentForMs: number) => Promise<void>;
      readonly logger: Logger;
    },
  ) {
    // Connecting is not silence: the clock starts when the connection does.
    options.connection.on('change', (change) => {
      if (change.to === 'connected') this.#lastSignalMs = Date.now();
    });
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#check(), Math.max(250, Math.min(5000, this.options.silenceMs / 4)));
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A ping, pong or heartbeat ACK: the socket is alive. */
  alive(): void {
    this.#lastSignalMs = Date.now();
    this.status.last_liveness_at = new Date(this.#lastSignalMs).toISOString();
  }

  /** An event arrived: alive, and worth showing separately. */
  event(): void {
    this.alive();
    this.status.last_event_at = this.status.last_liveness_at;
  }

  async #check(): Promise<void> {
    const silentForMs = Date.now() - this.#lastSignalMs;
    if (this.#restarting || this.options.connection.state !== 'connected' || silentForMs < this.options.silenceMs) return;
    this.#restarting = true;
    this.status.watchdog_restarts += 1;
    this.options.logger.warn('connection looks connected but has been silent; restarting it', { silentForMs, restarts: this.status.watchdog_restarts });
    try {
      await this.options.restart(silentForMs);
    } catch (error) {
      this.options.logger.error('watchdog restart failed', { error });
    } finally {
      this.#lastSignalMs = Date.now();
      this.#restarting = false;
    }
  }
}
