// A scripted stand-in for the bot's side of session rotation, one tiny HTTP server per runtime
// session (plugged into the fake AgentCore as its sessionTarget). It answers keepalive, status,
// standby, handover and takeover with the roles and shapes of the bot contract, can be told to
// fail, and records who listened to Discord when, so the controller's state machine is proven
// without the real bot.
import { startServer } from '../fakes/agentcore/http.js';
import type { RunningServer } from '../fakes/agentcore/http.js';
import type { SessionContext } from '../fakes/agentcore/index.js';

export type Role = 'idle' | 'standby' | 'active' | 'draining' | 'drained';

export interface ScriptedSession {
  readonly sessionId: string;
  readonly generation: number;
  readonly imageVersion: string;
  readonly startedAt: number;
  role: Role;
  /** Added to the real uptime: pretend the session is older. */
  agedSeconds: number;
  standbyAt?: number;
  discordGateway?: { session_id: string; sequence: number; resume_gateway_url: string; shard_id: number; shard_count: number };
  handoverResult?: 'resumed' | 'resume_failed' | 'identified';
  handover?: { discord: Record<string, unknown> | null };
  drainedAt?: number;
  ended: boolean;
}

export interface ScriptedFaults {
  /** Standby is reported ready this long after the first standby call. */
  standbyReadyAfterMs: number;
  /** Sessions that never become ready in standby ('*': all). */
  neverReady: Set<string>;
  /** The next N handover calls answer 500. */
  handoverFailures: number;
  /** The next N takeover calls answer 500 without taking over. */
  takeoverFailures: number;
  /** The next N takeover calls take over but answer 500 (the answer was lost). */
  takeoverLostAnswers: number;
  /** A draining session says drained this long after handover (Infinity: never). */
  drainAfterMs: number;
  /**
   * Per session id ('*': every session without its own entry): what its answers report instead of
   * healthy platforms, e.g. `{ ping_status: 'Unhealthy', platforms: { discord: 'failed' } }`.
   */
  health: Map<string, ScriptedHealth>;
}

export interface ScriptedHealth {
  readonly ping_status?: 'Healthy' | 'HealthyBusy' | 'Unhealthy';
  readonly platforms?: Partial<Record<'slack' | 'discord', string>>;
}

export interface Invocation {
  readonly sessionId: string;
  readonly action: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly at: number;
}

export interface ScriptedBots {
  readonly sessions: Map<string, ScriptedSession>;
  readonly invocations: Invocation[];
  readonly faults: ScriptedFaults;
  /** Most sessions ever listening to Discord at the same time. */
  readonly maxDiscordListeners: () => number;
  sessionTarget(context: SessionContext): Promise<string>;
  onStopSession(context: SessionContext): Promise<void>;
  close(): Promise<void>;
}

let gatewaySessions = 0;

export function scriptedBots(faults: Partial<ScriptedFaults> = {}): ScriptedBots {
  const sessions = new Map<string, ScriptedSession>();
  const servers = new Map<string, RunningServer>();
  const invocations: Invocation[] = [];
  const settings: ScriptedFaults = {
    standbyReadyAfterMs: 0, neverReady: new Set(), handoverFailures: 0, takeoverFailures: 0, takeoverLostAnswers: 0, drainAfterMs: 0, health: new Map(), ...faults,
  };
  let generations = 0;
  let maxListeners = 0;
  const listeners = (): string[] => [...sessions.values()].filter((s) => !s.ended && s.role === 'active').map((s) => s.sessionId);
  const observe = (): void => {
    maxListeners = Math.max(maxListeners, listeners().length);
  };

  const keepaliveShape = (session: ScriptedSession): Record<string, unknown> => {
    const ready = session.role === 'standby' && Date.now() - (session.standbyAt ?? Infinity) >= settings.standbyReadyAfterMs && !settings.neverReady.has(session.sessionId) && !settings.neverReady.has('*');
    const slack = session.role === 'active' ? 'connected' : session.role === 'standby' ? (ready ? 'connected' : 'connecting') : 'disconnected';
    const discord = session.role === 'active' ? 'connected' : session.role === 'standby' ? 'standby' : 'disconnected';
    const health = settings.health.get(session.sessionId) ?? settings.health.get('*') ?? {};
    return {
      status: 'running',
      role: session.role,
      uptime_seconds: Math.floor((Date.now() - session.startedAt) / 1000) + session.agedSeconds,
      image_version: session.imageVersion,
      session_id: session.sessionId,
      ping_status: health.ping_status ?? (session.role === 'drained' || session.role === 'idle' ? 'Healthy' : 'HealthyBusy'),
      platforms: { slack, discord, ...health.platforms, ...(session.handoverResult === undefined ? {} : { discord_handover: session.handoverResult }) },
    };
  };

  const answer = (session: ScriptedSession, body: Record<string, unknown>): { status: number; body: unknown } => {
    if (session.role === 'draining' && Date.now() - (session.drainedAt ?? 0) >= settings.drainAfterMs) session.role = 'drained';
    switch (body.action) {
      case 'keepalive':
      case 'status':
        if (session.role === 'idle') {
          session.role = 'active';
          session.discordGateway = { session_id: `gw-${++gatewaySessions}`, sequence: 1, resume_gateway_url: 'wss://gateway.fake', shard_id: 0, shard_count: 1 };
          session.handoverResult = 'identified';
        }
        return { status: 200, body: keepaliveShape(session) };
      case 'standby':
        if (session.role === 'idle') {
          session.role = 'standby';
          session.standbyAt = Date.now();
        }
        if (session.role !== 'standby') return { status: 409, body: { error: `standby from ${session.role}` } };
        return { status: 200, body: keepaliveShape(session) };
      case 'handover':
        if (settings.handoverFailures > 0) {
          settings.handoverFailures -= 1;
          return { status: 500, body: { error: 'scripted handover failure' } };
        }
        if (session.role === 'active') {
          session.role = 'draining';
          session.drainedAt = Date.now();
          session.handover = { discord: session.discordGateway === undefined ? null : { ...session.discordGateway } };
          if (Date.now() - session.drainedAt >= settings.drainAfterMs) session.role = 'drained';
        }
        if (session.role !== 'draining' && session.role !== 'drained') return { status: 409, body: { error: `handover from ${session.role}` } };
        return { status: 200, body: { status: session.role, role: session.role, in_flight: 0, handover: session.handover } };
      case 'takeover': {
        if (session.role !== 'idle' && session.role !== 'standby') return { status: 409, body: { error: `takeover from ${session.role}` } };
        if (settings.takeoverFailures > 0) {
          settings.takeoverFailures -= 1;
          return { status: 500, body: { error: 'scripted takeover failure' } };
        }
        const handover = (body.handover ?? { discord: null }) as { discord: ScriptedSession['discordGateway'] | null };
        session.role = 'active';
        session.discordGateway = handover.discord ?? { session_id: `gw-${++gatewaySessions}`, sequence: 1, resume_gateway_url: 'wss://gateway.fake', shard_id: 0, shard_count: 1 };
        session.handoverResult = handover.discord ? 'resumed' : 'identified';
        if (settings.takeoverLostAnswers > 0) {
          settings.takeoverLostAnswers -= 1;
          return { status: 500, body: { error: 'scripted lost answer' } };
        }
        return { status: 200, body: keepaliveShape(session) };
      }
      default:
        return { status: 400, body: { error: `unknown action ${String(body.action)}` } };
    }
  };

  return {
    sessions,
    invocations,
    faults: settings,
    maxDiscordListeners: () => maxListeners,
    async sessionTarget({ session: record, environment }) {
      const running = sessions.get(record.sessionId);
      const server = servers.get(record.sessionId);
      if (running !== undefined && !running.ended && server !== undefined) return server.url;
      const session: ScriptedSession = {
        sessionId: record.sessionId, generation: ++generations, imageVersion: environment.IMAGE_VERSION ?? 'unset',
        startedAt: Date.now(), role: 'idle', agedSeconds: 0, ended: false,
      };
      sessions.set(record.sessionId, session);
      const created = await startServer((_req, res, raw) => {
        const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
        const result = answer(session, body);
        observe();
        invocations.push({ sessionId: session.sessionId, action: String(body.action), body, status: result.status, at: Date.now() });
        res.writeHead(result.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.body));
      });
      servers.set(record.sessionId, created);
      return created.url;
    },
    async onStopSession({ session: record }) {
      const session = sessions.get(record.sessionId);
      if (session !== undefined) session.ended = true;
      invocations.push({ sessionId: record.sessionId, action: 'StopRuntimeSession', body: {}, status: 200, at: Date.now() });
      await servers.get(record.sessionId)?.close();
      servers.delete(record.sessionId);
    },
    async close() {
      await Promise.all([...servers.values()].map((server) => server.close()));
      servers.clear();
    },
  };
}
