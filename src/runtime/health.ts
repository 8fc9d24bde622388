import type { PlatformConnection } from '../core/index.js';

export type PingStatus = 'Healthy' | 'HealthyBusy' | 'Unhealthy';

export interface HealthSources {
  readonly connections: readonly PlatformConnection[];
  /** Turns queued or being answered plus background tasks running. */
  readonly busyWork: () => number;
  /** A platform reconnecting longer than this is reported Unhealthy, so operators (and the keepalive) see it. */
  readonly unhealthyAfterMs?: number;
}

/**
 * Derives the AgentCore /ping answer. `time_of_last_update` moves only when the
 * status changes or real work happens: AgentCore measures idleness from it, so
 * re-stamping it on every ping would keep every session alive to its limit.
 */
export class HealthMonitor {
  #lastStatus: PingStatus;
  #lastUpdateMs = Date.now();

  constructor(private readonly sources: HealthSources) {
    this.#lastStatus = this.#derive();
    for (const connection of sources.connections) connection.on('change', () => this.#refresh());
  }

  /** Called on real activity (a message handled, an invocation served). */
  noteActivity(): void {
    this.#lastUpdateMs = Date.now();
    this.#refresh();
  }

  current(): { status: PingStatus; timeOfLastUpdate: number } {
    this.#refresh();
    return { status: this.#lastStatus, timeOfLastUpdate: Math.floor(this.#lastUpdateMs / 1000) };
  }

  #refresh(): void {
    const status = this.#derive();
    if (status !== this.#lastStatus) {
      this.#lastStatus = status;
      this.#lastUpdateMs = Date.now();
    }
  }

  #stuckConnecting(): boolean {
    const bound = this.sources.unhealthyAfterMs;
    if (bound === undefined) return false;
    const now = Date.now();
    return this.sources.connections.some((connection) => connection.state === 'connecting' && now - connection.stateSinceMs > bound);
  }

  #derive(): PingStatus {
    const states = this.sources.connections.map((connection) => connection.state);
    if (states.includes('failed') || this.#stuckConnecting()) return 'Unhealthy';
    // A standby platform keeps a rotation's successor alive until it takes over.
    const socketsLive = states.some((state) => state === 'connected' || state === 'connecting' || state === 'standby');
    return socketsLive || this.sources.busyWork() > 0 ? 'HealthyBusy' : 'Healthy';
  }
}
