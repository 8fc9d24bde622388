// A small AgentCore Runtime emulator for the fake data plane: one real bot process per runtime
// session, started on the session's first invocation with the environment of the runtime version
// the endpoint serves then (so a redeploy's IMAGE_VERSION reaches new sessions only), plus the
// fakes' URLs. Like AgentCore it
//   - polls GET /ping and ends a session that stayed idle longer than the idle timeout, idleness
//     measured AgentCore's way: HealthyBusy or an invocation resets it, and so does a
//     time_of_last_update later than the last activity seen (Healthy with an old stamp does not);
//   - ends every session at its maximum lifetime, however busy;
//   - ends a session with SIGTERM, then SIGKILL after a grace period;
//   - starts a fresh process under the same session id when an invocation arrives for a session
//     that ended (StopRuntimeSession, idleness, lifetime or a crash).
// Every limit is an explicit knob in milliseconds: a test scales hours down to seconds.
import type { AgentCoreState, SessionContext } from './index.js';
import { startBot } from './bot-process.js';
import type { BotOptions, BotProcess } from './bot-process.js';

export interface RuntimeEmulatorOptions {
  /** lifecycleConfiguration.idleRuntimeSessionTimeout, scaled (AgentCore: 60-28800 s). */
  readonly idleTimeoutMs: number;
  /** lifecycleConfiguration.maxLifetime, scaled (AgentCore: 60-28800 s). */
  readonly maxLifetimeMs: number;
  /** How often /ping is polled (AgentCore: about every 2 s). */
  readonly pingIntervalMs: number;
  /** From SIGTERM to SIGKILL (AgentCore: about 15 s). */
  readonly stopGraceMs: number;
  /** Added to every session's environment: the fakes' URLs, tokens, dummy AWS credentials. */
  readonly env?: Record<string, string>;
  readonly startTimeoutMs?: number;
  readonly args?: BotOptions['args'];
  readonly onEvent?: (event: EmulatorEvent) => void;
}

export type EndReason = 'idle' | 'max_lifetime' | 'stopped' | 'crashed';

export interface EmulatorEvent {
  readonly at: number;
  readonly kind: 'started' | 'ended';
  readonly sessionId: string;
  /** Counts every process the emulator started, across sessions. */
  readonly generation: number;
  readonly imageVersion: string;
  readonly reason?: EndReason;
}

interface SessionProcess {
  readonly sessionId: string;
  readonly generation: number;
  readonly imageVersion: string;
  readonly startedAt: number;
  readonly ready: Promise<BotProcess>;
  /** Set once `ready` resolved. */
  bot?: BotProcess;
  lastActivity: number;
  ending: boolean;
  timers: NodeJS.Timeout[];
}

export interface RuntimeEmulator {
  /** The emulator marks ended sessions in the fake's state, so their next invocation opens a fresh one. */
  attach(state: AgentCoreState): void;
  sessionTarget(context: SessionContext): Promise<string>;
  onStopSession(context: SessionContext): Promise<void>;
  readonly events: readonly EmulatorEvent[];
  /** Processes up now (not ending), by session id. */
  running(): Map<string, BotProcess>;
  /** Every process ever started, for its output. */
  readonly processes: readonly { sessionId: string; generation: number; bot: Promise<BotProcess> }[];
  stopAll(): Promise<void>;
}

export function runtimeEmulator(options: RuntimeEmulatorOptions): RuntimeEmulator {
  const sessions = new Map<string, SessionProcess>();
  const events: EmulatorEvent[] = [];
  const processes: { sessionId: string; generation: number; bot: Promise<BotProcess> }[] = [];
  let state: AgentCoreState | undefined;
  let generations = 0;
  let closing = false;

  const emit = (event: Omit<EmulatorEvent, 'at'>): void => {
    const full = { at: Date.now(), ...event };
    events.push(full);
    options.onEvent?.(full);
  };

  const end = async (session: SessionProcess, reason: EndReason): Promise<void> => {
    if (session.ending) return;
    session.ending = true;
    for (const timer of session.timers) clearTimeout(timer);
    // AgentCore forgets the session now: the next invocation with this id gets a fresh microVM.
    const record = state?.sessions.get(session.sessionId);
    if (record !== undefined && record.stoppedAt === undefined) record.stoppedAt = Date.now();
    if (sessions.get(session.sessionId) === session) sessions.delete(session.sessionId);
    emit({ kind: 'ended', sessionId: session.sessionId, generation: session.generation, imageVersion: session.imageVersion, reason });
    const bot = await session.ready.catch(() => undefined);
    await bot?.stop(options.stopGraceMs);
  };

  const watch = (session: SessionProcess, bot: BotProcess): void => {
    session.bot = bot;
    bot.child.once('exit', () => void end(session, 'crashed'));
    const lifetime = setTimeout(() => void end(session, 'max_lifetime'), Math.max(0, session.startedAt + options.maxLifetimeMs - Date.now()));
    session.timers.push(lifetime);
    const poll = async (): Promise<void> => {
      if (session.ending) return;
      try {
        const response = await fetch(`${bot.url}/ping`, { signal: AbortSignal.timeout(options.pingIntervalMs) });
        const ping = (await response.json()) as { status?: string; time_of_last_update?: number };
        const now = Date.now();
        if (ping.status === 'HealthyBusy') session.lastActivity = now;
        else if (typeof ping.time_of_last_update === 'number') session.lastActivity = Math.max(session.lastActivity, Math.min(now, ping.time_of_last_update * 1000));
      } catch {
        // An unanswered ping is not activity.
      }
      if (Date.now() - session.lastActivity > options.idleTimeoutMs) return void end(session, 'idle');
      if (!session.ending) session.timers.push(setTimeout(() => void poll(), options.pingIntervalMs));
    };
    session.timers.push(setTimeout(() => void poll(), options.pingIntervalMs));
  };

  return {
    attach(attached) {
      state = attached;
    },
    async sessionTarget({ session: record, environment }) {
      if (closing) throw new Error('runtime emulator is closing');
      const now = Date.now();
      let session = sessions.get(record.sessionId);
      if (session === undefined || session.ending) {
        // No Secrets Manager here: the tokens come from options.env.
        const { BRIDGE_SECRET_ID: _secret, ...runtimeEnv } = environment;
        const imageVersion = runtimeEnv.IMAGE_VERSION ?? 'unset';
        const ready = startBot({
          env: { ...runtimeEnv, ...options.env },
          ...(options.args === undefined ? {} : { args: options.args }),
          startTimeoutMs: options.startTimeoutMs ?? 30_000,
        });
        session = { sessionId: record.sessionId, generation: ++generations, imageVersion, startedAt: now, ready, lastActivity: now, ending: false, timers: [] };
        const started = session;
        sessions.set(record.sessionId, started);
        processes.push({ sessionId: record.sessionId, generation: started.generation, bot: ready });
        emit({ kind: 'started', sessionId: record.sessionId, generation: started.generation, imageVersion });
        ready.then((bot) => watch(started, bot), () => void end(started, 'crashed'));
      }
      session.lastActivity = now;
      return (await session.ready).url;
    },
    async onStopSession({ session: record }) {
      const session = sessions.get(record.sessionId);
      if (session !== undefined) await end(session, 'stopped');
    },
    events,
    running() {
      return new Map([...sessions.values()].flatMap((s) => {
        return s.bot === undefined || s.ending ? [] : [[s.sessionId, s.bot] as const];
      }));
    },
    processes,
    async stopAll() {
      closing = true;
      await Promise.all([...sessions.values()].map((session) => end(session, 'stopped')));
      await Promise.all(processes.map(async (p) => (await p.bot.catch(() => undefined))?.stop(options.stopGraceMs)));
    },
  };
}
