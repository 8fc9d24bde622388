// The rotation controller: one run per keepalive tick. It keeps the current session alive and,
// when that session nears AgentCore's maximum lifetime, a deploy asked for it, or its /ping says
// Unhealthy (with a growing wait after replacements that did not help), replaces it without a gap:
//   1. standby   a successor under a fresh session id connects Slack (several Socket Mode
//                connections may share an app) and holds Discord back; polled until ready;
//   2. handover  the old session stops taking events and hands over its Discord gateway session;
//   3. takeover  the successor RESUMEs that gateway session (Discord replays what was sent
//                meanwhile) and becomes the current session;
//   4. drain     the old session finishes its in-flight replies; once it says `drained` (or after
//                a bound) it is stopped with StopRuntimeSession.
// Every step is written to the state store before its side effect, and every write is a
// compare-and-swap on the state's version, so a run that dies anywhere leaves a state the next
// run continues (standby not ready in time: stop the successor, keep the old; handover done but
// takeover failed: retry takeover), and two overlapping runs can never both start a successor.
// The old session is never stopped before the successor took over.
import { randomUUID } from 'node:crypto';
import { assertRunning, invokeAction, stopSession } from './runtime-client.js';
import type { BotAction, BotAnswer } from './runtime-client.js';
import { StateConflictError } from './rotation-state.js';
import type {
  DrainingSession, HandoverPayload, RotationInProgress, RotationReason, RotationRecord, RotationRequest, RotationState,
} from './rotation-state.js';
import { newSessionId } from './session-id.js';
import { RotationError, type RotationConfig, type RotationDeps, type RunOutcome, type RunReport } from './rotation-config.js';
import { allPlatformsUp, backoffAfterAttempt, standbyHopeless, standbyReady, unhealthyRotationDue } from './session-verdicts.js';

export * from './rotation-config.js';
export * from './session-verdicts.js';

/** One controller run. Throws (after releasing its lease) when the bot or a rotation needs attention. */
export async function runRotation(deps: RotationDeps): Promise<RunReport> {
  return new RotationRun(deps).execute();
}

type Versioned = { state: RotationState; version: number };

class RotationRun {
  readonly #deps: RotationDeps;
  readonly #config: RotationConfig;
  readonly #owner: string;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #current: Versioned | undefined;
  readonly #stopped: string[] = [];

  constructor(deps: RotationDeps) {
    this.#deps = deps;
    this.#config = deps.config;
    this.#owner = deps.owner ?? `run-${randomUUID()}`;
    this.#now = deps.now ?? Date.now;
    this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get #state(): RotationState {
    if (this.#current === undefined) throw new Error('no state loaded');
    return this.#current.state;
  }

  async execute(): Promise<RunReport> {
    if (!(await this.#acquire())) {
      return { outcome: 'skipped', sessionId: this.#current?.state.current.sessionId ?? this.#config.seedSessionId, stopped: [] };
    }
    let report: RunReport | undefined;
    let failure: unknown;
    try {
      report = await this.#run();
    } catch (error) {
      failure = error;
    }
    if (!(failure instanceof StateConflictError)) await this.#release();
    if (failure !== undefined) {
      this.#log('error', 'rotation run failed', { error: describe(failure) });
      throw asError(failure);
    }
    return report!;
  }

  async #run(): Promise<RunReport> {
    let answer: BotAnswer | undefined;
    let keepaliveError: unknown;
    const rotation = this.#state.rotation;
    // While handing over, the old session is draining and keepalive would only report.
    if (rotation === undefined || rotation.phase === 'standby') {
      try {
        answer = await this.#invoke(this.#state.current.sessionId, 'keepalive');
        assertRunning(answer);
        this.#log('info', 'keepalive answered', { session_id: this.#state.current.sessionId, answer });
        await this.#noteRecovery(answer);
      } catch (error) {
        keepaliveError = error;
        this.#log('error', 'keepalive failed', { session_id: this.#state.current.sessionId, error: describe(error) });
      }
    }

    let outcome: RunOutcome = 'kept_alive';
    let record: RotationRecord | undefined;
    if (rotation !== undefined) {
      this.#log('info', 'continuing rotation', { rotation });
      record = await this.#continue();
      outcome = record === undefined ? 'rotation_pending' : 'rotated';
    } else {
      const request = await this.#pendingRequest();
      const reason = this.#reasonToRotate(answer, request);
      if (reason !== undefined) {
        await this.#start(reason, request);
        record = await this.#continue();
        outcome = record === undefined ? 'rotation_pending' : 'rotated';
      } else if (keepaliveError !== undefined) {
        await this.#drain(false);
        throw asError(keepaliveError);
      }
    }
    await this.#drain(record !== undefined);
    return {
      outcome,
      sessionId: this.#state.current.sessionId,
      ...(answer === undefined ? {} : { answer }),
      ...(record === undefined ? {} : { rotation: record }),
      stopped: this.#stopped,
    };
  }

  async #pendingRequest(): Promise<RotationRequest | undefined> {
    const request = await this.#deps.store.loadRequest();
    return request !== undefined && request.id !== this.#state.lastRequest?.id ? request : undefined;
  }

  /** Lifetime first: a session in an unhealthy backoff must still be replaced before AgentCore ends it. */
  #reasonToRotate(answer: BotAnswer | undefined, request: RotationRequest | undefined): RotationReason | undefined {
    if (request !== undefined) return 'deploy';
    if (answer === undefined) return undefined;
    if (answer.role === 'draining' || answer.role === 'drained') return 'recovery';
    // The bot's own uptime, or how long ago this controller made it current (or first saw it) if
    // that is longer: the bot's clock starts seconds after AgentCore's, and whether AgentCore's
    // lifetime restarts when it revives a crashed session is not documented. Early is harmless.
    const uptimeMs = typeof answer.uptime_seconds === 'number' ? answer.uptime_seconds * 1000 : 0;
    const ageMs = Math.max(uptimeMs, this.#now() - this.#state.current.since);
    if (ageMs >= this.#config.maxLifetimeMs - this.#config.rotateBeforeMs) return 'max_lifetime';
    if (answer.ping_status !== 'Unhealthy') return undefined;
    const backoff = this.#state.unhealthy;
    if (unhealthyRotationDue(backoff, this.#now())) return 'unhealthy';
    this.#log('warn', 'the current session is unhealthy and the last unhealthy rotation did not help; waiting before the next', {
      session_id: this.#state.current.sessionId, platforms: answer.platforms, attempts: backoff?.attempts, next_attempt_at: new Date(backoff?.notBefore ?? 0).toISOString(),
    });
    return undefined;
  }

  /** Every platform up again: the outage is over, so a later one starts from the shortest wait. */
  async #noteRecovery(answer: BotAnswer): Promise<void> {
    if (this.#state.unhealthy === undefined || !allPlatformsUp(answer)) return;
    this.#log('info', 'every platform is up again; the unhealthy backoff is cleared', { unhealthy: this.#state.unhealthy });
    const { unhealthy: _cleared, ...rest } = this.#state;
    await this.#save(rest);
  }

  async #start(reason: RotationReason, request: RotationRequest | undefined): Promise<void> {
    const rotation: RotationInProgress = {
      id: randomUUID(),
      reason,
      ...(request === undefined ? {} : { requestId: request.id, ...(request.imageVersion === undefined ? {} : { wantedImageVersion: request.imageVersion }) }),
      from: this.#state.current.sessionId,
      successor: (this.#deps.newSessionId ?? newSessionId)(),
      phase: 'standby',
      startedAt: this.#now(),
      attempts: 0,
    };
    // Written before the successor exists: a second run reading this continues it, never starts another.
    // An unhealthy attempt counts against the backoff from its start, so a run dying mid-way counts too.
    const unhealthy = reason === 'unhealthy' ? backoffAfterAttempt(this.#state.unhealthy, this.#now(), this.#config.unhealthyBackoffMs) : this.#state.unhealthy;
    await this.#save({ ...this.#state, rotation, ...(unhealthy === undefined ? {} : { unhealthy }) });
    this.#log('info', 'rotation started', { rotation });
  }

  /** Drives the rotation in the state as far as it goes; the record once the successor took over. */
  async #continue(): Promise<RotationRecord | undefined> {
    for (;;) {
      const rotation = this.#state.rotation;
      if (rotation === undefined) return undefined;
      if (rotation.phase === 'standby') {
        if (!(await this.#standby(rotation))) return undefined;
      } else if (rotation.phase === 'handover') {
        await this.#handover(rotation);
      } else {
        return this.#takeover(rotation);
      }
    }
  }

  /** True once the successor is ready and the rotation moved on to handover. */
  async #standby(rotation: RotationInProgress): Promise<boolean> {
    const giveUpAt = rotation.startedAt + this.#config.standbyTimeoutMs;
    let last = 'no answer yet';
    for (;;) {
      let answer: BotAnswer | undefined;
      try {
        answer = await this.#invoke(rotation.successor, 'standby');
      } catch (error) {
        last = describe(error).message;
      }
      if (answer !== undefined) {
        if (standbyReady(answer)) {
          if (rotation.wantedImageVersion !== undefined && answer.image_version !== rotation.wantedImageVersion) {
            await this.#abort(rotation, `the successor runs image version ${String(answer.image_version)}, expected ${rotation.wantedImageVersion}`);
          }
          this.#log('info', 'successor ready', { successor: rotation.successor, answer });
          await this.#save({ ...this.#state, rotation: { ...rotation, phase: 'handover', attempts: 0, successorImageVersion: stringOr(answer.image_version) } });
          return true;
        }
        if (answer.role !== 'standby' && answer.role !== 'idle') {
          await this.#abort(rotation, `the successor answered standby as role ${String(answer.role)}, not standby`);
        }
        const hopeless = standbyHopeless(answer);
        if (hopeless !== undefined) await this.#abort(rotation, hopeless);
        last = `role ${String(answer.role)}, slack ${String(answer.platforms?.slack)}, discord ${String(answer.platforms?.discord)}`;
      }
      const now = this.#now();
      if (now >= giveUpAt) await this.#abort(rotation, `the successor was not ready within ${this.#config.standbyTimeoutMs / 1000} s (last: ${last})`);
      if (now + this.#config.pollMs > this.#deadline()) {
        this.#log('warn', 'successor not ready yet; the next run continues', { successor: rotation.successor, last });
        return false;
      }
      await this.#sleep(this.#config.pollMs);
    }
  }

  async #handover(rotation: RotationInProgress): Promise<void> {
    let last: unknown;
    for (let attempt = 1; attempt <= this.#config.handoverAttempts; attempt++) {
      let answer: BotAnswer | undefined;
      try {
        answer = await this.#invoke(rotation.from, 'handover');
      } catch (error) {
        last = error;
        this.#log('warn', 'handover failed', { from: rotation.from, attempt, error: describe(error) });
        if (attempt < this.#config.handoverAttempts) await this.#sleep(this.#config.pollMs);
        continue;
      }
      this.#log('info', 'old session handed over', { from: rotation.from, answer });
      await this.#save({ ...this.#state, rotation: { ...rotation, phase: 'takeover', attempts: 0, handover: handoverOf(answer) } });
      return;
    }
    // The old session may already be draining (its answer lost), or be gone: going back would leave
    // nobody connected, so go on. The successor identifies afresh and the old one is stopped at once.
    this.#log('error', 'the old session never answered handover; the successor takes over without it', { from: rotation.from, error: describe(last) });
    await this.#save({ ...this.#state, rotation: { ...rotation, phase: 'takeover', attempts: 0, handover: { discord: null }, handoverFailed: true } });
  }

  async #takeover(rotation: RotationInProgress): Promise<RotationRecord> {
    let answer: BotAnswer | undefined;
    let last: unknown;
    for (let attempt = 1; attempt <= this.#config.takeoverAttempts && answer === undefined; attempt++) {
      try {
        answer = await this.#invoke(rotation.successor, 'takeover', { handover: rotation.handover ?? { discord: null } });
      } catch (error) {
        last = error;
        this.#log('warn', 'takeover failed', { successor: rotation.successor, attempt, error: describe(error) });
        // An earlier takeover may have worked with its answer lost (a second one is refused with 409).
        // keepalive only reports on an active or standby session.
        try {
          const probe = await this.#invoke(rotation.successor, 'keepalive');
          if (probe.role === 'active') answer = probe;
        } catch {
          // still unknown
        }
        if (answer === undefined && attempt < this.#config.takeoverAttempts) await this.#sleep(this.#config.pollMs);
      }
    }
    if (answer === undefined) {
      const message = `takeover by ${rotation.successor} failed: ${describe(last).message}; the next run retries it`;
      await this.#save({ ...this.#state, rotation: { ...rotation, attempts: rotation.attempts + 1 }, lastError: { at: this.#now(), message } });
      throw new RotationError(message);
    }
    const now = this.#now();
    const record: RotationRecord = {
      id: rotation.id,
      reason: rotation.reason,
      from: rotation.from,
      to: rotation.successor,
      startedAt: rotation.startedAt,
      completedAt: now,
      discordHandover: rotation.handoverFailed === true ? 'handover_failed' : rotation.handover?.discord ? 'handed_over' : 'none',
    };
    const draining: DrainingSession = {
      sessionId: rotation.from,
      handedOverAt: now,
      stopBy: rotation.handoverFailed === true ? now : now + this.#config.drainTimeoutMs,
    };
    const imageVersion = stringOr(answer.image_version) ?? rotation.successorImageVersion;
    const { rotation: _done, lastError: _cleared, ...rest } = this.#state;
    await this.#save({
      ...rest,
      current: { sessionId: rotation.successor, since: rotation.startedAt, ...(imageVersion === undefined ? {} : { imageVersion }) },
      draining: [...this.#state.draining.filter((d) => d.sessionId !== rotation.from), draining],
      lastRotation: record,
      rotations: this.#state.rotations + 1,
      ...(rotation.requestId === undefined ? {} : {
        lastRequest: { id: rotation.requestId, status: 'done' as const, at: now, sessionId: rotation.successor, ...(imageVersion === undefined ? {} : { imageVersion }) },
      }),
    });
    this.#log('info', 'rotation completed', { rotation: record, answer, duration_ms: now - rotation.startedAt });
    return record;
  }

  /** Gives up before the old session was touched: stop the successor, keep the old one. Throws. */
  async #abort(rotation: RotationInProgress, message: string): Promise<never> {
    this.#log('error', 'rotation abandoned; the current session stays', { rotation, reason: message });
    try {
      await this.#stop(rotation.successor);
    } catch (error) {
      this.#log('warn', 'could not stop the abandoned successor', { successor: rotation.successor, error: describe(error) });
    }
    const now = this.#now();
    const { rotation: _dropped, ...rest } = this.#state;
    await this.#save({
      ...rest,
      lastError: { at: now, message },
      ...(rotation.requestId === undefined ? {} : { lastRequest: { id: rotation.requestId, status: 'failed' as const, at: now, error: message } }),
    });
    throw new RotationError(`rotation abandoned: ${message}`);
  }

  /** Stops handed-over sessions once they say drained (or at their bound); waits a while after a rotation. */
  async #drain(wait: boolean): Promise<void> {
    const until = Math.min(this.#now() + (wait ? this.#config.drainWaitMs : 0), this.#deadline());
    for (;;) {
      const keep: DrainingSession[] = [];
      for (const session of this.#state.draining) {
        if (!(await this.#finishedDraining(session))) {
          keep.push(session);
          continue;
        }
        try {
          this.#log('info', 'stopping drained session', { session_id: session.sessionId, result: await this.#stop(session.sessionId) });
        } catch (error) {
          this.#log('warn', 'could not stop a drained session; the next run retries', { session_id: session.sessionId, error: describe(error) });
          keep.push(session);
        }
      }
      if (keep.length !== this.#state.draining.length) await this.#save({ ...this.#state, draining: keep });
      if (keep.length === 0 || this.#now() + this.#config.pollMs > until) return;
      await this.#sleep(this.#config.pollMs);
    }
  }

  async #finishedDraining(session: DrainingSession): Promise<boolean> {
    if (this.#now() >= session.stopBy) return true;
    try {
      // handover is idempotent and only reports on a draining session; keepalive or status would
      // activate a fresh one if AgentCore had meanwhile recycled this id.
      const answer = await this.#invoke(session.sessionId, 'handover');
      return answer.role === 'drained';
    } catch (error) {
      // 409: the process refused handover, so it is not the draining one (AgentCore recycled the
      // id and this call booted a fresh, idle one): nothing left to wait for. Anything else is
      // unknown: ask again next time, stop at the bound.
      return error instanceof Error && /\(409\)/.test(error.message);
    }
  }

  async #stop(sessionId: string): Promise<string> {
    const result = await stopSession(this.#deps.client, this.#target(sessionId));
    this.#stopped.push(sessionId);
    return result;
  }

  #invoke(sessionId: string, action: BotAction, fields: Record<string, unknown> = {}): Promise<BotAnswer> {
    return invokeAction(this.#deps.client, this.#target(sessionId), action, fields);
  }

  #target(sessionId: string): { runtimeArn: string; qualifier: string; sessionId: string } {
    return { runtimeArn: this.#config.runtimeArn, qualifier: this.#config.qualifier, sessionId };
  }

  #deadline(): number {
    return this.#deps.deadline ?? Number.POSITIVE_INFINITY;
  }

  async #acquire(): Promise<boolean> {
    const loaded = await this.#deps.store.load();
    const now = this.#now();
    const state: RotationState = loaded.state ?? { current: { sessionId: this.#config.seedSessionId, since: now }, draining: [], rotations: 0 };
    this.#current = { state, version: loaded.version };
    const lease = state.lease;
    if (lease !== undefined && lease.until > now && lease.owner !== this.#owner) {
      this.#log('info', 'another run holds the rotation lease; skipping', { owner: lease.owner, until: new Date(lease.until).toISOString() });
      return false;
    }
    try {
      await this.#save(state);
      return true;
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
      this.#log('info', 'another run took the rotation lease first; skipping', {});
      return false;
    }
  }

  async #release(): Promise<void> {
    if (this.#current === undefined) return;
    const { lease: _lease, ...rest } = this.#current.state;
    try {
      const version = await this.#deps.store.save(rest, this.#current.version);
      this.#current = { state: rest, version };
    } catch (error) {
      this.#log('warn', 'could not release the rotation lease; it expires by itself', { error: describe(error) });
    }
  }

  /** Compare-and-swap on the version read; every write also renews this run's lease. */
  async #save(next: RotationState): Promise<void> {
    if (this.#current === undefined) throw new Error('no state loaded');
    const state: RotationState = { ...next, lease: { owner: this.#owner, until: this.#now() + this.#config.leaseMs } };
    const version = await this.#deps.store.save(state, this.#current.version);
    this.#current = { state, version };
  }

  #log(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
    this.#deps.log({ level, message, ...fields });
  }
}

function handoverOf(answer: BotAnswer): HandoverPayload {
  const handover = answer.handover;
  if (typeof handover === 'object' && handover !== null) {
    const discord = (handover as { discord?: unknown }).discord;
    return { discord: typeof discord === 'object' && discord !== null ? (discord as Record<string, unknown>) : null };
  }
  return { discord: null };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}
