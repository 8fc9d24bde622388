// Proves the rotation controller's state machine against scripted bots behind the fake AgentCore,
// with the real AgentCore and DynamoDB SDK clients and the real DynamoDB state store: when it
// rotates and in what order (an Unhealthy session too, with a growing wait when replacing it did not
// help), that Discord never has two listeners, that every failure leaves a state the next run
// continues or rolls back from, and that overlapping runs start one successor.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  RotationError, allPlatformsUp, backoffAfterAttempt, rotationConfigFromEnv, runRotation, standbyHopeless, standbyReady, unhealthyRotationDue,
} from '../../infra/lambda/rotation.js';
import type { RotationConfig, RotationDeps } from '../../infra/lambda/rotation.js';
import { DynamoStateStore } from '../../infra/lambda/rotation-state.js';
import type { RotationState, StateStore } from '../../infra/lambda/rotation-state.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { scriptedBots } from './scripted-bot.js';
import type { ScriptedBots, ScriptedFaults } from './scripted-bot.js';

const SEED = 'agentcore-chat-bridge-session-initial-0000000001';

interface Rig {
  readonly fake: FakeAgentCore;
  readonly bots: ScriptedBots;
  readonly store: DynamoStateStore;
  readonly logs: Record<string, unknown>[];
  deps(overrides?: Omit<Partial<RotationDeps>, 'config'> & { config?: Partial<RotationConfig> }): RotationDeps;
  state(): Promise<RotationState>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function rig(faults: Partial<ScriptedFaults> = {}): Promise<Rig> {
  const bots = scriptedBots(faults);
  const fake = await startFakeAgentCore({ sessionTarget: (c) => bots.sessionTarget(c), onStopSession: (c) => bots.onStopSession(c) });
  const base = { region: 'us-east-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 };
  const client = new BedrockAgentCoreClient({ ...base, endpoint: fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE! });
  const dynamo = new DynamoDBClient({ ...base, endpoint: fake.env.AWS_ENDPOINT_URL_DYNAMODB! });
  cleanups.push(async () => {
    client.destroy();
    dynamo.destroy();
    await bots.close();
    await fake.close();
  });
  const store = new DynamoStateStore(dynamo, fake.tableName);
  const logs: Record<string, unknown>[] = [];
  const config: RotationConfig = {
    runtimeArn: fake.runtimeArn, qualifier: 'live', seedSessionId: SEED,
    maxLifetimeMs: 60_000, rotateBeforeMs: 10_000, standbyTimeoutMs: 1500, pollMs: 50,
    drainTimeoutMs: 2000, drainWaitMs: 600, leaseMs: 5000, handoverAttempts: 2, takeoverAttempts: 2,
    unhealthyBackoffMs: [300_000, 900_000, 3_600_000],
  };
  return {
    fake, bots, store, logs,
    deps: (overrides = {}) => {
      const { config: configOverrides, ...rest } = overrides;
      return { client, store, log: (entry) => logs.push(entry), ...rest, config: { ...config, ...configOverrides } };
    },
    state: async () => (await store.load()).state!,
  };
}

/** The actions each session got, in order, as `session:action` with sessions named old/new. */
function timeline(bots: ScriptedBots, names: Record<string, string>): string[] {
  return bots.invocations.map((i) => `${names[i.sessionId] ?? i.sessionId}:${i.action}`);
}

async function ageCurrent(r: Rig, seconds: number): Promise<void> {
  await runRotation(r.deps());
  r.bots.sessions.get((await r.state()).current.sessionId)!.agedSeconds = seconds;
}

describe('rotation controller: the normal paths', () => {
  it('seeds the state from SESSION_ID, keeps a young session alive, and releases its lease', async () => {
    const r = await rig();
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'kept_alive');
    assert.equal(report.sessionId, SEED);
    assert.equal(report.answer?.role, 'active');
    const state = await r.state();
    assert.equal(state.current.sessionId, SEED);
    assert.equal(state.lease, undefined);
    assert.deepEqual(timeline(r.bots, { [SEED]: 'old' }), ['old:keepalive']);
  });

  it('near the maximum lifetime: standby, handover, takeover with the handed-over gateway, then stop the drained old session', async () => {
    const r = await rig({ standbyReadyAfterMs: 150 });
    await ageCurrent(r, 51); // 60 s max, rotate 10 s before
    const oldGateway = r.bots.sessions.get(SEED)!.discordGateway;
    const report = await runRotation(r.deps({ newSessionId: () => 'successor-session-000000000000000000000000000001' }));
    assert.equal(report.outcome, 'rotated');
    const successor = 'successor-session-000000000000000000000000000001';
    assert.equal(report.sessionId, successor);
    assert.deepEqual(report.stopped, [SEED]);
    const actions = timeline(r.bots, { [SEED]: 'old', [successor]: 'new' });
    const firstHandover = actions.indexOf('old:handover');
    assert.deepEqual(actions.slice(0, 2), ['old:keepalive', 'old:keepalive']);
    assert.ok(actions.slice(2, firstHandover).every((a) => a === 'new:standby') && firstHandover > 3, 'polled standby until ready, then handover');
    assert.equal(actions[firstHandover + 1], 'new:takeover');
    assert.equal(actions.at(-1), 'old:StopRuntimeSession');
    const takeover = r.bots.invocations.find((i) => i.action === 'takeover')!;
    assert.deepEqual(takeover.body.handover, { discord: oldGateway }, 'the successor got the old Discord gateway session to resume');
    assert.equal(r.bots.sessions.get(successor)!.handoverResult, 'resumed');
    assert.equal(r.bots.maxDiscordListeners(), 1, 'never two sessions listening to Discord');
    const state = await r.state();
    assert.equal(state.current.sessionId, successor);
    assert.equal(state.rotation, undefined);
    assert.deepEqual(state.draining, []);
    assert.equal(state.rotations, 1);
    assert.equal(state.lastRotation?.reason, 'max_lifetime');
    assert.equal(state.lastRotation?.discordHandover, 'handed_over');
    // The next run just keeps the successor alive.
    assert.equal((await runRotation(r.deps())).outcome, 'kept_alive');
  });

  it('a deploy request rotates at once onto the wanted image and records the outcome for the deploy', async () => {
    const r = await rig();
    await runRotation(r.deps());
    r.fake.state.versions[0]!.configuration.environmentVariables!.IMAGE_VERSION = 'v2';
    await r.store.saveRequest({ id: 'req-1', requestedAt: Date.now(), imageVersion: 'v2', reason: 'deploy' });
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'rotated');
    const state = await r.state();
    assert.equal(state.lastRequest?.id, 'req-1');
    assert.equal(state.lastRequest?.status, 'done');
    assert.equal(state.lastRequest?.imageVersion, 'v2');
    assert.equal(state.current.imageVersion, 'v2');
    assert.equal(state.lastRotation?.reason, 'deploy');
    // The request is answered once: the next run does not rotate again.
    assert.equal((await runRotation(r.deps())).outcome, 'kept_alive');
  });

  it('a draining session that never says drained is stopped at its bound', async () => {
    const r = await rig({ drainAfterMs: Number.POSITIVE_INFINITY });
    await ageCurrent(r, 55);
    const rotated = await runRotation(r.deps({ config: { drainWaitMs: 200, drainTimeoutMs: 800 } }));
    assert.equal(rotated.outcome, 'rotated');
    assert.deepEqual(rotated.stopped, []);
    assert.equal((await r.state()).draining.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const later = await runRotation(r.deps());
    assert.deepEqual(later.stopped, [SEED]);
    assert.deepEqual((await r.state()).draining, []);
  });
});

describe('rotation controller: a draining session AgentCore recycled meanwhile', () => {
  it('is stopped as soon as the poll finds a fresh idle process under its id, not at the bound', async () => {
    const r = await rig({ drainAfterMs: Number.POSITIVE_INFINITY });
    await ageCurrent(r, 55);
    await runRotation(r.deps({ config: { drainWaitMs: 100, drainTimeoutMs: 60_000 } }));
    assert.equal((await r.state()).draining.length, 1);
    // AgentCore ends the old session (its maximum lifetime); the next poll boots a fresh one.
    r.fake.state.sessions.get(SEED)!.stoppedAt = Date.now();
    await r.bots.onStopSession({ session: r.fake.state.sessions.get(SEED)!, environment: {} });
    const report = await runRotation(r.deps({ config: { drainTimeoutMs: 60_000 } }));
    assert.deepEqual(report.stopped, [SEED]);
    const revived = r.bots.invocations.filter((i) => i.sessionId === SEED && i.action === 'handover').at(-1)!;
    assert.deepEqual({ action: revived.action, status: revived.status }, { action: 'handover', status: 409 });
    assert.equal(r.bots.sessions.get(SEED)!.role, 'idle', 'the fresh process never connected anything');
  });
});

describe('rotation controller: failures leave a state to continue or roll back from', () => {
  it('a successor that never gets ready is stopped and the old session stays current, untouched', async () => {
    const r = await rig();
    await ageCurrent(r, 55);
    const successor = 'never-ready-session-00000000000000000000000000001';
    r.bots.faults.neverReady.add(successor);
    await assert.rejects(runRotation(r.deps({ newSessionId: () => successor })), (error: unknown) => {
      assert.ok(error instanceof RotationError);
      assert.match(error.message, /not ready within 1\.5 s \(last: role standby, slack connecting, discord standby\)/);
      return true;
    });
    const actions = timeline(r.bots, { [SEED]: 'old', [successor]: 'new' });
    assert.ok(!actions.includes('old:handover'), 'the old session was never asked to hand over');
    assert.equal(actions.at(-1), 'new:StopRuntimeSession');
    const state = await r.state();
    assert.equal(state.current.sessionId, SEED);
    assert.equal(state.rotation, undefined);
    assert.match(state.lastError?.message ?? '', /not ready/);
    assert.equal(state.lease, undefined, 'the lease is released after a failure too');
    assert.equal(r.bots.sessions.get(SEED)!.role, 'active');
  });

  it('a deploy whose successor runs another image fails the request and keeps the old session', async () => {
    const r = await rig();
    await runRotation(r.deps());
    await r.store.saveRequest({ id: 'req-wrong', requestedAt: Date.now(), imageVersion: 'v-not-deployed', reason: 'deploy' });
    await assert.rejects(runRotation(r.deps()), /the successor runs image version initial, expected v-not-deployed/);
    const state = await r.state();
    assert.equal(state.current.sessionId, SEED);
    assert.deepEqual({ id: state.lastRequest?.id, status: state.lastRequest?.status }, { id: 'req-wrong', status: 'failed' });
    assert.equal(r.bots.sessions.get(SEED)!.role, 'active');
  });

  it('takeover failing after the handover is retried by the next run; the old session is not stopped before', async () => {
    const r = await rig({ takeoverFailures: 2 });
    await ageCurrent(r, 55);
    await assert.rejects(runRotation(r.deps()), /takeover by .* failed: .*; the next run retries it/);
    const pending = await r.state();
    assert.equal(pending.rotation?.phase, 'takeover');
    assert.ok(pending.rotation?.handover?.discord, 'the handover payload is kept for the retry');
    assert.equal(pending.current.sessionId, SEED);
    assert.ok(!r.bots.invocations.some((i) => i.action === 'StopRuntimeSession'));
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'rotated');
    assert.equal((await r.state()).current.sessionId, pending.rotation?.successor);
    const names = { [SEED]: 'old', [pending.rotation?.successor ?? '']: 'new' };
    const actions = timeline(r.bots, names);
    assert.ok(actions.lastIndexOf('new:takeover') < actions.indexOf('old:StopRuntimeSession'));
    assert.equal(r.bots.maxDiscordListeners(), 1);
  });

  it('a takeover whose answer was lost is recognised by the successor saying active', async () => {
    const r = await rig({ takeoverLostAnswers: 1 });
    await ageCurrent(r, 55);
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'rotated');
    assert.equal(r.bots.invocations.filter((i) => i.action === 'takeover').length, 1, 'no second takeover');
    assert.equal(r.bots.maxDiscordListeners(), 1);
  });

  it('an old session that never answers handover: the successor identifies afresh and the old one is stopped at once', async () => {
    const r = await rig({ handoverFailures: 2 });
    await ageCurrent(r, 55);
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'rotated');
    assert.deepEqual(report.stopped, [SEED]);
    const takeover = r.bots.invocations.find((i) => i.action === 'takeover')!;
    assert.deepEqual(takeover.body.handover, { discord: null });
    assert.equal((await r.state()).lastRotation?.discordHandover, 'handover_failed');
  });

  it('a run that dies mid-rotation holds the lease until it expires; the next run then continues from the state', async () => {
    const r = await rig();
    await ageCurrent(r, 55);
    // The store fails the write that would record the handover answer: the run dies there.
    let saves = 0;
    const dying: StateStore = {
      load: () => r.store.load(),
      loadRequest: () => r.store.loadRequest(),
      saveRequest: (q) => r.store.saveRequest(q),
      save: async (state, expected) => {
        if (state.rotation?.phase === 'takeover' && saves++ === 0) throw new Error('Lambda timed out');
        return r.store.save(state, expected);
      },
    };
    await assert.rejects(runRotation(r.deps({ store: dying, config: { leaseMs: 700 } })), /Lambda timed out/);
    const stuck = await r.state();
    assert.equal(stuck.rotation?.phase, 'handover');
    // The failed run still released its lease; simulate a killed run whose lease stayed.
    await r.store.save({ ...stuck, lease: { owner: 'killed-run', until: Date.now() + 700 } }, (await r.store.load()).version);
    assert.equal((await runRotation(r.deps())).outcome, 'skipped');
    await new Promise((resolve) => setTimeout(resolve, 750));
    const report = await runRotation(r.deps());
    assert.equal(report.outcome, 'rotated');
    assert.equal(r.bots.invocations.filter((i) => i.action === 'handover' && i.status === 200 && i.sessionId === SEED).length >= 2, true,
      'handover was asked again (idempotent) and gave the same gateway session');
    assert.equal(r.bots.maxDiscordListeners(), 1);
    assert.equal((await r.state()).current.sessionId, stuck.rotation?.successor);
  });

  it('two overlapping runs start exactly one successor', async () => {
    const r = await rig({ standbyReadyAfterMs: 200 });
    await ageCurrent(r, 55);
    const results = await Promise.allSettled([runRotation(r.deps()), runRotation(r.deps()), runRotation(r.deps())]);
    const outcomes = results.map((result) => (result.status === 'fulfilled' ? result.value.outcome : `rejected: ${String(result.reason)}`)).sort();
    assert.deepEqual(outcomes, ['rotated', 'skipped', 'skipped']);
    const successors = new Set(r.bots.invocations.filter((i) => i.action === 'standby').map((i) => i.sessionId));
    assert.equal(successors.size, 1);
    assert.equal(r.bots.maxDiscordListeners(), 1);
  });
});

describe('rotation controller: an Unhealthy session', () => {
  const rejectedDiscord = { ping_status: 'Unhealthy', platforms: { discord: 'failed' } } as const;
  const hours = { maxLifetimeMs: 8 * 3600_000, rotateBeforeMs: 900_000 };

  it('is replaced by a successor that is ready (the secret was fixed meanwhile); the backoff clears once every platform is up', async () => {
    const r = await rig();
    await runRotation(r.deps());
    r.bots.faults.health.set(SEED, rejectedDiscord);
    const successor = 'unhealthy-successor-000000000000000000000000000001';
    const report = await runRotation(r.deps({ newSessionId: () => successor }));
    assert.equal(report.outcome, 'rotated');
    assert.equal(report.rotation?.reason, 'unhealthy');
    const state = await r.state();
    assert.equal(state.current.sessionId, successor);
    assert.equal(state.unhealthy?.attempts, 1, 'counted until the successor proves itself');
    const actions = timeline(r.bots, { [SEED]: 'old', [successor]: 'new' });
    assert.ok(actions.indexOf('new:standby') < actions.indexOf('old:handover') && actions.indexOf('old:handover') < actions.indexOf('new:takeover'));
    assert.equal(r.bots.maxDiscordListeners(), 1);
    assert.equal((await runRotation(r.deps())).outcome, 'kept_alive');
    assert.equal((await r.state()).unhealthy, undefined, 'every platform up: the next outage starts from the shortest wait');
  });

  it('a successor whose token is rejected too is abandoned at once; the current session stays and the next attempt waits 5, then 15 minutes', async () => {
    const r = await rig();
    let clock = Date.now();
    const sleep = (ms: number) => {
      clock += ms;
      return Promise.resolve();
    };
    const deps = () => r.deps({ now: () => clock, sleep, config: hours, newSessionId: () => `unhealthy-successor-${String(clock).padStart(30, '0')}` });
    await runRotation(deps());
    r.bots.faults.health.set('*', rejectedDiscord);
    await assert.rejects(runRotation(deps()), /rotation abandoned: the successor's discord failed too \(a rejected token; update the secret\)/);
    const first = await r.state();
    assert.equal(first.current.sessionId, SEED);
    assert.deepEqual(first.unhealthy, { attempts: 1, lastAttemptAt: clock, notBefore: clock + 300_000 });
    const standbys = () => r.bots.invocations.filter((i) => i.action === 'standby').length;
    assert.equal(standbys(), 1, 'abandoned on the first answer, not after the standby timeout');
    assert.equal(r.bots.invocations.at(-1)?.action, 'StopRuntimeSession', 'the successor is stopped');
    assert.equal(r.bots.sessions.get(SEED)!.role, 'active', 'the current session was never asked to hand over');

    clock += 3 * 60_000;
    assert.equal((await runRotation(deps())).outcome, 'kept_alive');
    assert.equal(standbys(), 1, 'no new attempt before the backoff ends');

    clock += 2 * 60_000 - 30_000; // the next scheduled run, a little early
    await assert.rejects(runRotation(deps()), /rotation abandoned/);
    assert.equal(standbys(), 2);
    const second = (await r.state()).unhealthy!;
    assert.deepEqual({ attempts: second.attempts, waitMs: second.notBefore - second.lastAttemptAt }, { attempts: 2, waitMs: 900_000 });
    clock += 10 * 60_000;
    assert.equal((await runRotation(deps())).outcome, 'kept_alive');
    assert.equal(standbys(), 2);
  });

  it('Healthy and HealthyBusy sessions are not rotated for health; a lifetime rotation is not held back by the backoff', async () => {
    const r = await rig();
    for (const ping_status of ['Healthy', 'HealthyBusy'] as const) {
      r.bots.faults.health.set(SEED, { ping_status, platforms: { discord: 'connecting' } });
      assert.equal((await runRotation(r.deps())).outcome, 'kept_alive');
    }
    assert.ok(!r.bots.invocations.some((i) => i.action === 'standby'));
    const state = await r.state();
    await r.store.save({ ...state, unhealthy: { attempts: 3, lastAttemptAt: Date.now(), notBefore: Date.now() + 3_600_000 } }, (await r.store.load()).version);
    r.bots.faults.health.set(SEED, rejectedDiscord);
    r.bots.sessions.get(SEED)!.agedSeconds = 55;
    const report = await runRotation(r.deps());
    assert.equal(report.rotation?.reason, 'max_lifetime');
  });
});

describe('rotation controller: configuration', () => {
  it('reads seconds from the environment and refuses nonsense', () => {
    const env = { AGENTCORE_RUNTIME_ARN: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r-1', SESSION_ID: SEED };
    const config = rotationConfigFromEnv({ ...env, MAX_LIFETIME_SECONDS: '30', ROTATE_BEFORE_SECONDS: '7.5' });
    assert.equal(config.maxLifetimeMs, 30_000);
    assert.equal(config.rotateBeforeMs, 7500);
    assert.equal(config.qualifier, 'DEFAULT');
    assert.equal(rotationConfigFromEnv(env).rotateBeforeMs, 900_000);
    assert.throws(() => rotationConfigFromEnv({ ...env, ROTATE_BEFORE_SECONDS: '28800' }), /must be less than MAX_LIFETIME_SECONDS/);
    assert.throws(() => rotationConfigFromEnv({ ...env, DRAIN_TIMEOUT_SECONDS: '-1' }), /DRAIN_TIMEOUT_SECONDS must be a positive number/);
    assert.throws(() => rotationConfigFromEnv({ ...env, SESSION_ID: 'short' }), /SESSION_ID: a runtime session id must be 33-256/);
  });

  it('reads the unhealthy backoff steps as comma-separated seconds', () => {
    const env = { AGENTCORE_RUNTIME_ARN: 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/r-1', SESSION_ID: SEED };
    assert.deepEqual(rotationConfigFromEnv(env).unhealthyBackoffMs, [300_000, 900_000, 3_600_000]);
    assert.deepEqual(rotationConfigFromEnv({ ...env, UNHEALTHY_BACKOFF_SECONDS: '60, 120' }).unhealthyBackoffMs, [60_000, 120_000]);
    assert.throws(() => rotationConfigFromEnv({ ...env, UNHEALTHY_BACKOFF_SECONDS: '60,soon' }), /UNHEALTHY_BACKOFF_SECONDS must be comma-separated seconds/);
  });

  it('the backoff grows 5 -> 15 -> 60 minutes and stays there; a run within a minute of its end counts as after it', () => {
    const steps = [300_000, 900_000, 3_600_000];
    let backoff = backoffAfterAttempt(undefined, 0, steps);
    assert.deepEqual(backoff, { attempts: 1, lastAttemptAt: 0, notBefore: 300_000 });
    assert.ok(!unhealthyRotationDue(backoff, 300_000 - 60_001));
    assert.ok(unhealthyRotationDue(backoff, 300_000 - 60_000));
    backoff = backoffAfterAttempt(backoff, 300_000, steps);
    assert.equal(backoff.notBefore - backoff.lastAttemptAt, 900_000);
    backoff = backoffAfterAttempt(backoffAfterAttempt(backoff, 1, steps), 2, steps);
    assert.deepEqual({ attempts: backoff.attempts, waitMs: backoff.notBefore - backoff.lastAttemptAt }, { attempts: 4, waitMs: 3_600_000 });
    assert.ok(unhealthyRotationDue(undefined, 0));
  });

  it('a successor with a failed platform is hopeless; all platforms up means connected or off', () => {
    assert.match(standbyHopeless({ status: 'running', role: 'standby', platforms: { slack: 'failed', discord: 'failed' } }) ?? '', /slack and discord failed too/);
    assert.equal(standbyHopeless({ status: 'running', role: 'standby', platforms: { slack: 'connecting', discord: 'standby' } }), undefined);
    assert.ok(allPlatformsUp({ status: 'running', platforms: { slack: 'connected', discord: 'disabled' } }));
    assert.ok(!allPlatformsUp({ status: 'running', platforms: { slack: 'connected', discord: 'connecting' } }));
  });

  it('ready means standby with Slack connected or off and Discord held back or off', () => {
    assert.ok(standbyReady({ status: 'running', role: 'standby', platforms: { slack: 'connected', discord: 'standby' } }));
    assert.ok(standbyReady({ status: 'running', role: 'standby', platforms: { slack: 'disabled', discord: 'disabled' } }));
    assert.ok(!standbyReady({ status: 'running', role: 'standby', platforms: { slack: 'connecting', discord: 'standby' } }));
    assert.ok(!standbyReady({ status: 'running', role: 'active', platforms: { slack: 'connected', discord: 'connected' } }));
  });
});
