import { InvalidHandoverError, type Bridge, type ChatPlatform, type PlatformHandoverState } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { InvocationError } from './invocation-errors.js';

/**
 * A session's part in a rotation. `idle`: booted, nothing connected (waiting to
 * be told); `standby`: successor, connected only where two sessions may listen
 * at once; `taking_over`: taking the predecessor's connections; `active`: owns
 * the platforms; `draining`: handed over, finishing replies; `drained`: done,
 * safe to stop.
 */
export type SessionRole = 'idle' | 'standby' | 'taking_over' | 'active' | 'draining' | 'drained';

/** What moves a session on: the runtime's actions, and the ends of the two that take time. */
export type RoleAction = 'activate' | 'standby' | 'takeover' | 'takeover_refused' | 'takeover_done' | 'handover' | 'drained';

/** Every allowed move, as [from, by, to]; anything else is a bug and `#become` refuses it. */
const transitions: readonly (readonly [SessionRole, RoleAction, SessionRole])[] = [
  ['idle', 'activate', 'active'],
  ['idle', 'standby', 'standby'],
  ['idle', 'takeover', 'taking_over'],
  ['standby', 'takeover', 'taking_over'],
  // A payload a platform refused (InvalidHandoverError) changed nothing: back to where it was, so a corrected retry works.
  ['taking_over', 'takeover_refused', 'idle'],
  ['taking_over', 'takeover_refused', 'standby'],
  ['taking_over', 'takeover_done', 'active'],
  ['active', 'handover', 'draining'],
  ['draining', 'drained', 'drained'],
];

type PlatformName = ChatPlatform['name'];

export type HandoverPayload = Readonly<Record<string, PlatformHandoverState | null | undefined>>;

export interface HandoverResult {
  /** Per platform: what the successor resumes, or null (connect afresh, identify and catch up). */
  readonly payload: HandoverPayload;
  /** Platforms whose handover threw or hung: reported as null, their intake stopped. */
  readonly failed: readonly PlatformName[];
}

export interface TakeoverResult {
  /** Platforms whose takeover threw after others had changed: started afresh instead. */
  readonly failed: readonly PlatformName[];
}

export interface SessionRolesOptions {
  readonly platforms: readonly ChatPlatform[];
  readonly bridge: Pick<Bridge, 'whenIdle'>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** A platform handover that has not settled by then counts as failed (default 10 s). */
  readonly platformHandoverTimeoutMs?: number;
}

/**
 * Well under the Lambda's 100 s call timeout, and far above what releasing a healthy gateway
 * socket takes (one close handshake): a hung release must not keep the successor waiting.
 */
const defaultPlatformHandoverTimeoutMs = 10_000;

/**
 * Drives the platforms through a session's roles; the runtime's rotation actions call it.
 * `handover` and `takeover` are idempotent: asked again (the Lambda and the SDK both retry)
 * while running or after finishing, they answer the same promise and never start a second
 * resume or login.
 */
export class SessionRoles {
  readonly #now: () => number;
  #role: SessionRole = 'idle';
  #closed = false;
  #since: number;
  #handover: Promise<HandoverResult> | undefined;
  #takeover: Promise<TakeoverResult> | undefined;

  constructor(private readonly options: SessionRolesOptions) {
    this.#now = options.now ?? Date.now;
    this.#since = this.#now();
  }

  get role(): SessionRole {
    return this.#role;
  }

  /** Epoch ms the current role began. */
  get since(): number {
    return this.#since;
  }

  /**
   * The process is shutting down: nothing may connect from here. A keepalive that arrived just
   * after SIGTERM used to activate an idle session, whose new Slack socket then took (and acked)
   * events the closing bridge refused: those messages were lost.
   */
  close(): void {
    this.#closed = true;
  }

  /** An ordinary invocation (or start-up with CONNECT_ON=start): an idle session takes the platforms. */
  activate(reason: string): void {
    if (this.#role !== 'idle' || this.#closed) return;
    this.#become('active', 'activate', reason);
    for (const platform of this.options.platforms) this.#background(platform, platform.start({ catchUp: true }));
  }

  /** Successor of a rotation: connect where sharing is safe, only check credentials elsewhere. */
  standby(): void {
    if (this.#closed) throw new InvocationError(409, 'this session is shutting down');
    if (this.#role === 'standby') return;
    if (this.#role !== 'idle') throw new InvocationError(409, `standby is for a new session; this one is ${this.#role}`);
    this.#become('standby', 'standby', 'standby action');
    for (const platform of this.options.platforms) {
      this.#background(platform, platform.allowsParallelSessions ? platform.start() : platform.standby());
    }
  }

  /** Outgoing side: release every platform and report what the successor needs. Always resolves. */
  handover(): Promise<HandoverResult> {
    if (this.#handover !== undefined) return this.#handover;
    if (this.#role !== 'active') throw new InvocationError(409, `only an active session can hand over; this one is ${this.#role}`);
    this.#become('draining', 'handover', 'handover action');
    this.#handover = this.#handOverAll();
    this.#handover
      .then(() => this.options.bridge.whenIdle())
      .then(() => this.#become('drained', 'drained', 'in-flight replies finished'))
      .catch((error: unknown) => this.options.logger.error('could not mark the session drained', { error }));
    return this.#handover;
  }

  /**
   * Incoming side: take the predecessor's connections, platforms with state first so a payload
   * one refuses (400) fails before anything changed. A throw after that cannot be undone (the
   * predecessor has let go): the session still becomes active and starts that platform afresh.
   */
  takeover(payload: HandoverPayload): Promise<TakeoverResult> {
    if (this.#takeover !== undefined && (this.#role === 'taking_over' || this.#role === 'active')) return this.#takeover;
    if (this.#role !== 'idle' && this.#role !== 'standby') throw new InvocationError(409, `only a new or standby session can take over; this one is ${this.#role}`);
    const before = this.#role;
    this.#become('taking_over', 'takeover', 'takeover action');
    const running = this.#takeOverAll(payload, before);
    this.#takeover = running;
    running.catch(() => {
      // Refused before any change: forget it, so a retry with a corrected payload runs afresh.
      if (this.#takeover === running) this.#takeover = undefined;
    });
    return running;
  }

  async #handOverAll(): Promise<HandoverResult> {
    const failed: PlatformName[] = [];
    const entries = await Promise.all(
      this.options.platforms.map(async (platform) => {
        try {
          return [platform.name, await this.#withinHandoverTimeout(platform)] as const;
        } catch (error) {
          failed.push(platform.name);
          this.options.logger.error('platform handover failed; the successor connects it afresh', { platform: platform.name, error });
          // Whatever the platform still holds, this session must take no more of its events. Not awaited:
          // a dead Slack socket's close handshake may hang for 30 s, and the successor is waiting.
          void platform.stopIntake?.().catch((stopError: unknown) => this.options.logger.warn('could not stop intake', { platform: platform.name, error: stopError }));
          return [platform.name, null] as const;
        }
      }),
    );
    return { payload: Object.fromEntries(entries), failed };
  }

  async #withinHandoverTimeout(platform: ChatPlatform): Promise<PlatformHandoverState | null> {
    const limitMs = this.options.platformHandoverTimeoutMs ?? defaultPlatformHandoverTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${platform.name} handover did not finish within ${limitMs} ms`)), limitMs);
    });
    try {
      return await Promise.race([platform.handover(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #takeOverAll(payload: HandoverPayload, before: SessionRole): Promise<TakeoverResult> {
    const hasState = (platform: ChatPlatform) => Number((payload[platform.name] ?? null) !== null);
    const ordered = [...this.options.platforms].sort((a, b) => hasState(b) - hasState(a));
    const failed: PlatformName[] = [];
    let changed = false;
    for (const platform of ordered) {
      try {
        await platform.takeover(payload[platform.name] ?? null);
      } catch (error) {
        if (!changed && error instanceof InvalidHandoverError) {
          this.#become(before, 'takeover_refused', error.message);
          throw error;
        }
        failed.push(platform.name);
        this.options.logger.error('platform takeover failed; connecting it afresh', { platform: platform.name, error });
        this.#connectAfresh(platform);
      }
      changed = true;
    }
    this.#become('active', 'takeover_done', failed.length === 0 ? 'took over' : `took over; connected afresh: ${failed.join(', ')}`);
    return { failed };
  }

  /** A platform left short of a connection (still in standby, or closed) starts as a fresh owner would; one already trying is left to its library. */
  #connectAfresh(platform: ChatPlatform): void {
    const state = platform.connection.state;
    if (state === 'standby' || state === 'disconnected') this.#background(platform, platform.start({ catchUp: true }));
  }

  #become(role: SessionRole, action: RoleAction, reason: string): void {
    const from = this.#role;
    if (!transitions.some(([a, by, b]) => a === from && by === action && b === role)) {
      throw new Error(`session role ${from} cannot become ${role} by ${action}`);
    }
    this.options.logger.info('session role changed', { from, to: role, action, reason });
    this.#role = role;
    this.#since = this.#now();
  }

  #background(platform: ChatPlatform, work: Promise<void>): void {
    work.catch((error: unknown) => this.options.logger.error('platform start failed', { platform: platform.name, error }));
  }
}
