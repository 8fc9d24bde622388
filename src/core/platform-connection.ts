import { EventEmitter } from 'node:events';
import type { PlatformName } from './types.js';

/**
 * `standby`: configured and its credentials checked, deliberately not connected
 * because another session owns the connection (during a rotation).
 */
export type PlatformState = 'disabled' | 'standby' | 'connecting' | 'connected' | 'disconnected' | 'failed';

/** Which state may follow which; `disabled` and `failed` are final until restart. */
const allowedTransitions: Readonly<Record<PlatformState, readonly PlatformState[]>> = {
  disabled: [],
  disconnected: ['standby', 'connecting', 'connected', 'failed', 'disabled'],
  standby: ['connecting', 'connected', 'disconnected', 'failed', 'disabled'],
  connecting: ['connected', 'disconnected', 'failed', 'disabled'],
  connected: ['connecting', 'disconnected', 'failed', 'disabled'],
  failed: [],
};

export interface PlatformConnectionSnapshot {
  readonly state: PlatformState;
  /** ISO time the current state began. */
  readonly since: string;
  /** ISO time of the current connection, when connected. */
  readonly connectedSince: string | null;
  readonly reconnects: number;
  readonly lastError: string | null;
}

export interface StateChange {
  readonly from: PlatformState;
  readonly to: PlatformState;
  readonly reason: string;
}

/**
 * Owns one platform's connection state. Adapters map library signals to
 * `transition`; health and status only read it.
 */
export class PlatformConnection extends EventEmitter<{ change: [StateChange] }> {
  #state: PlatformState;
  #since = Date.now();
  #connectedSince: number | null = null;
  #hasConnected = false;
  #reconnects = 0;
  #lastError: string | null = null;

  constructor(
    readonly platform: PlatformName,
    initial: 'disabled' | 'disconnected',
  ) {
    super();
    this.#state = initial;
  }

  get state(): PlatformState {
    return this.#state;
  }

  /** Epoch ms the current state began. */
  get stateSinceMs(): number {
    return this.#since;
  }

  /** Moves to `next` if allowed; returns whether it moved. Same-state calls are no-ops. */
  transition(next: PlatformState, reason: string, error?: unknown): boolean {
    if (error !== undefined) this.#lastError = describeError(error);
    const from = this.#state;
    if (next === from || !allowedTransitions[from].includes(next)) return false;
    this.#state = next;
    this.#since = Date.now();
    if (next === 'connected') {
      if (this.#hasConnected) this.#reconnects += 1;
      this.#hasConnected = true;
      this.#connectedSince = this.#since;
    } else {
      this.#connectedSince = null;
    }
    this.emit('change', { from, to: next, reason });
    return true;
  }

  snapshot(): PlatformConnectionSnapshot {
    return {
      state: this.#state,
      since: new Date(this.#since).toISOString(),
      connectedSince: this.#connectedSince === null ? null : new Date(this.#connectedSince).toISOString(),
      reconnects: this.#reconnects,
      lastError: this.#lastError,
    };
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
