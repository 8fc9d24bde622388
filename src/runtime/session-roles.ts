import type { Bridge, ChatPlatform, PlatformHandoverState } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { InvocationError } from './invocation-errors.js';

/**
 * A session's part in a rotation. `idle`: booted, nothing connected (waiting to
 * be told); `standby`: successor, connected only where two sessions may listen
 * at once; `active`: owns the platforms; `draining`: handed over, finishing
 * replies; `drained`: done, safe to stop.
 */
export type SessionRole = 'idle' | 'standby' | 'active' | 'draining' | 'drained';

export type HandoverPayload = Readonly<Record<string, PlatformHandoverState | null | undefined>>;

export interface SessionRolesOptions {
  readonly platforms: readonly ChatPlatform[];
  readonly bridge: Bridge;
  readonly logger: Logger;
}

/** Drives the platforms through a session's roles; the runtime's rotation actions call it. */
export class SessionRoles {
  #role: SessionRole = 'idle';
  #handover: HandoverPayload | undefined;

  constructor(private readonly options: SessionRolesOptions) {}

  get role(): SessionRole {
    return this.#role;
  }

  /** An ordinary invocation (or start-up with CONNECT_ON=start): an idle session takes the platforms. */
  activate(reason: string): void {
    if (this.#role !== 'idle') return;
    this.#become('active', reason);
    for (const platform of this.options.platforms) this.#background(platform, platform.start({ catchUp: true }));
  }

  /** Successor of a rotation: connect where sharing is safe, only check credentials elsewhere. */
  standby(): void {
    if (this.#role === 'standby') return;
    if (this.#role !== 'idle') throw new InvocationError(409, `standby is for a new session; this one is ${this.#role}`);
    this.#become('standby', 'standby action');
    for (const platform of this.options.platforms) {
      this.#background(platform, platform.allowsParallelSessions ? platform.start() : platform.standby());
    }
  }

  /** Outgoing side: release every platform and report what the successor needs. */
  async handover(): Promise<HandoverPayload> {
    if (this.#handover !== undefined) return this.#handover;
    if (this.#role !== 'active') throw new InvocationError(409, `only an active session can hand over; this one is ${this.#role}`);
    this.#become('draining', 'handover action');
    const entries = await Promise.all(this.options.platforms.map(async (platform) => [platform.name, await platform.handover()] as const));
    this.#handover = Object.fromEntries(entries);
    void this.options.bridge.whenIdle().then(() => this.#become('drained', 'in-flight replies finished'));
    return this.#handover;
  }

  /** Incoming side: take the predecessor's connections (platforms with state first, so a bad one fails before anything changes). */
  async takeover(payload: HandoverPayload): Promise<void> {
    if (this.#role !== 'idle' && this.#role !== 'standby') throw new InvocationError(409, `only a new or standby session can take over; this one is ${this.#role}`);
    const ordered = [...this.options.platforms].sort((a, b) => Number((payload[b.name] ?? null) !== null) - Number((payload[a.name] ?? null) !== null));
    for (const platform of ordered) await platform.takeover(payload[platform.name] ?? null);
    this.#become('active', 'takeover action');
  }

  #become(role: SessionRole, reason: string): void {
    this.options.logger.info('session role changed', { from: this.#role, to: role, reason });
    this.#role = role;
  }

  #background(platform: ChatPlatform, work: Promise<void>): void {
    work.catch((error: unknown) => this.options.logger.error('platform start failed', { platform: platform.name, error }));
  }
}
