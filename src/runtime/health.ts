import type { PlatformConnection, PlatformState } from '../core/index.js';

export type PingStatus = 'Healthy' | 'HealthyBusy' | 'Unhealthy';

export interface HealthSources {
  readonly connections: readonly PlatformConnection[];
  /** Turns queued or being answered plus background tasks running. */
  readonly busyWork: () => number;
  /** A platform without its connection longer than this is reported Unhealthy, so operators (and the keepalive) see it. */
  readonly unhealthyAfterMs?: number;
  /**
   * Whether this session is meant to hold the platforms (active, not shutting down). Only then is
   * a `disconnected` or `standby` platform an outage; in an idle, standby or drained session it is
   * the plan. Without it, only `connecting` counts (the rule before sessions had roles).
   */
  readonly owning?: () => boolean;
  readonly now?: () => number;
}

/** One platform as the health rule sees it: its state, and since when it has been without its connection. */
export interface PlatformHealthView {
  readonly state: PlatformState;
  readonly downSinceMs: number;
}

export interface HealthInputs {
  readonly platforms: readonly PlatformHealthView[];
  readonly owning: boolean;
  readonly busyWork: number;
  readonly unhealthyAfterMs: number | undefined;
}

/** A platform that should be connected and is not: trying (`connecting`), or given up on / never started while owned. */
export function isOutage(state: PlatformState, owning: boolean): boolean {
  if (state === 'connecting') return true;
  return owning && (state === 'disconnected' || state === 'standby');
}

/**
 * The /ping rule. `failed` (a rejected credential: nothing but the operator fixes it) is Unhealthy
 * at once; an outage only once it lasted longer than `unhealthyAfterMs` (at exactly the bound it is
 * still Healthy), so one bad minute does not make the keepalive replace the session.
 */
export function pingStatusOf(inputs: HealthInputs, nowMs: number): PingStatus {
  const { platforms, owning, unhealthyAfterMs } = inputs;
  if (platforms.some((platform) => platform.state === 'failed')) return 'Unhealthy';
  if (unhealthyAfterMs !== undefined && platforms.some((p) => isOutage(p.state, owning) && nowMs - p.downSinceMs > unhealthyAfterMs)) return 'Unhealthy';
  // A standby platform keeps a rotation's successor alive until it takes over.
  const socketsLive = platforms.some(({ state }) => state === 'connected' || state === 'connecting' || state === 'standby');
  return socketsLive || inputs.busyWork > 0 ? 'HealthyBusy' : 'Healthy';
}

/**
 * Derives the AgentCore /ping answer. `time_of_last_update` moves only when the
 * status changes or real work happens: AgentCore measures idleness from it, so
 * re-stamping it on every ping would keep every session alive to its limit.
 */
export class HealthMonitor {
  readonly #now: () => number;
  readonly #downSince = new Map<PlatformConnection, number>();
  #lastStatus: PingStatus;
  #lastUpdateMs: number;

  constructor(private readonly sources: HealthSources) {
    this.#now = sources.now ?? Date.now;
    this.#lastUpdateMs = this.#now();
    for (const connection of sources.connections) {
      this.#downSince.set(connection, connection.stateSinceMs);
      connection.on('change', ({ from, to }) => {
        // The library giving up after trying (connecting -> disconnected) is the same outage; every other move starts a new clock.
        if (!(from === 'connecting' && to === 'disconnected')) this.#downSince.set(connection, this.#now());
        this.#refresh();
      });
    }
    this.#lastStatus = this.#derive();
  }

  /** Called on real activity (a message handled, an invocation served). */
  noteActivity(): void {
    this.#lastUpdateMs = this.#now();
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
      this.#lastUpdateMs = this.#now();
    }
  }

  #derive(): PingStatus {
    const platforms = this.sources.connections.map((connection) => ({ state: connection.state, downSinceMs: this.#downSince.get(connection) ?? connection.stateSinceMs }));
    const owning = this.sources.owning?.() ?? false;
    return pingStatusOf({ platforms, owning, busyWork: this.sources.busyWork(), unhealthyAfterMs: this.sources.unhealthyAfterMs }, this.#now());
  }
}
