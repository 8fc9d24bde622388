// Proves SessionRoles' state machine with fake platforms implementing ChatPlatform: repeated
// handover/takeover calls share one run, a platform that throws or hangs never leaves the session
// draining without a payload, a refused takeover can be retried, and a half-done one still ends active.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { InvalidHandoverError, PlatformConnection, type ChatPlatform, type PlatformHandoverState, type ReplySink } from '../../src/core/index.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { SessionRoles } from '../../src/runtime/index.js';
import { InvocationError } from '../../src/runtime/invocation-errors.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A platform whose handover and takeover answer what the test scripts, counting every call. */
class FakePlatform implements ChatPlatform {
  readonly connection: PlatformConnection;
  readonly calls: string[] = [];
  onHandover: () => Promise<PlatformHandoverState | null> = () => Promise.resolve(null);
  onTakeover: (state: PlatformHandoverState | null) => Promise<void> = () => Promise.resolve();

  constructor(
    readonly name: 'slack' | 'discord',
    readonly allowsParallelSessions = name === 'slack',
  ) {
    this.connection = new PlatformConnection(name, 'disconnected');
  }

  openReply(): ReplySink {
    throw new Error('these tests send no messages');
  }

  start(): Promise<void> {
    this.calls.push('start');
    this.connection.transition('connecting', 'start');
    return Promise.resolve();
  }

  standby(): Promise<void> {
    this.calls.push('standby');
    this.connection.transition('standby', 'token checked');
    return Promise.resolve();
  }

  stopIntake(): Promise<void> {
    this.calls.push('stopIntake');
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.calls.push('stop');
    return Promise.resolve();
  }

  handover(): Promise<PlatformHandoverState | null> {
    this.calls.push('handover');
    return this.onHandover();
  }

  takeover(state: PlatformHandoverState | null): Promise<void> {
    this.calls.push('takeover');
    return this.onTakeover(state);
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}

function rig(options: { now?: () => number; platformHandoverTimeoutMs?: number } = {}) {
  const slack = new FakePlatform('slack');
  const discord = new FakePlatform('discord');
  const idle = deferred<void>();
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)));
  const logger = createLogger({ level: 'info', redactor: new Redactor(), stream });
  const roles = new SessionRoles({ platforms: [slack, discord], bridge: { whenIdle: () => idle.promise }, logger, ...options });
  return { slack, discord, idle, roles, lines };
}

const gateway = { session_id: 'gw-1', sequence: 42, resume_gateway_url: 'wss://gateway.example' };
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionRoles: handover', () => {
  test('a second handover while the first runs shares it: one platform.handover each, the same payload', async () => {
    const r = rig();
    r.roles.activate('test');
    const release = deferred<PlatformHandoverState | null>();
    r.discord.onHandover = () => release.promise;
    const first = r.roles.handover();
    const second = r.roles.handover();
    assert.equal(second, first, 'the in-flight promise itself');
    assert.equal(r.roles.role, 'draining');
    release.resolve(gateway);
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(a, { payload: { slack: null, discord: gateway }, failed: [] });
    assert.equal(b, a);
    assert.equal(await r.roles.handover(), a, 'after it finished, too');
    assert.deepEqual([r.slack.count('handover'), r.discord.count('handover')], [1, 1]);
    assert.equal(r.roles.role, 'draining', 'replies still in flight');
    r.idle.resolve();
    await tick();
    assert.equal(r.roles.role, 'drained');
  });

  test('a platform whose handover throws is handed over as null, its intake stopped; the session still drains', async () => {
    const r = rig();
    r.roles.activate('test');
    r.discord.onHandover = () => Promise.reject(new Error('gateway release failed'));
    r.slack.onHandover = () => Promise.resolve(null);
    const result = await r.roles.handover();
    assert.deepEqual(result, { payload: { slack: null, discord: null }, failed: ['discord'] });
    assert.equal(r.discord.count('stopIntake'), 1, 'whatever it still holds takes no more events here');
    assert.ok(r.lines.some((line) => line.message === 'platform handover failed; the successor connects it afresh' && line.platform === 'discord'));
    assert.equal(r.roles.role, 'draining');
    r.idle.resolve();
    await tick();
    assert.equal(r.roles.role, 'drained');
  });

  test('a platform whose handover hangs counts as failed at the bound, not forever', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const r = rig({ platformHandoverTimeoutMs: 10_000 });
    r.roles.activate('test');
    r.discord.onHandover = () => new Promise(() => undefined);
    let settled = false;
    const running = r.roles.handover().finally(() => {
      settled = true;
    });
    await tick();
    t.mock.timers.tick(9_999);
    await tick();
    assert.equal(settled, false, 'just under the bound it still waits');
    t.mock.timers.tick(1);
    const result = await running;
    assert.deepEqual(result.failed, ['discord']);
    assert.equal(result.payload.discord, null);
  });

  test('only an active session hands over; the refusal is a 409', () => {
    const r = rig();
    assert.throws(() => r.roles.handover(), (error: unknown) => error instanceof InvocationError && error.status === 409 && /this one is idle/.test(error.message));
    assert.equal(r.slack.count('handover'), 0);
  });
});

describe('SessionRoles: takeover', () => {
  test('a second takeover while the first runs shares it: one platform.takeover each', async () => {
    const r = rig();
    r.roles.standby();
    const resumed = deferred<void>();
    r.discord.onTakeover = () => resumed.promise;
    const first = r.roles.takeover({ slack: null, discord: gateway });
    const second = r.roles.takeover({ slack: null, discord: gateway });
    assert.equal(second, first);
    assert.equal(r.roles.role, 'taking_over');
    r.roles.activate('a keepalive arriving meanwhile');
    assert.equal(r.slack.count('start'), 1, 'only the standby start: a keepalive does not start the platforms twice');
    resumed.resolve();
    assert.deepEqual(await first, { failed: [] });
    assert.equal(r.roles.role, 'active');
    assert.deepEqual([r.slack.count('takeover'), r.discord.count('takeover')], [1, 1]);
    assert.deepEqual(r.discord.calls, ['standby', 'takeover'], 'the platform with state goes first');
  });

  test('takeover after it finished answers the same outcome; a session active on its own still refuses with 409', async () => {
    const r = rig();
    r.roles.standby();
    const done = await r.roles.takeover({ discord: gateway });
    assert.equal(await r.roles.takeover({ discord: gateway }), done);
    assert.equal(r.discord.count('takeover'), 1);
    const other = rig();
    other.roles.activate('start-up');
    assert.throws(() => other.roles.takeover({}), (error: unknown) => error instanceof InvocationError && error.status === 409);
    await r.roles.handover();
    assert.throws(() => r.roles.takeover({ discord: gateway }), /this one is draining/, 'once handed over, no longer');
  });

  test('a payload the first platform refuses changes nothing: back to standby, and a corrected retry runs afresh', async () => {
    const r = rig();
    r.roles.standby();
    r.discord.onTakeover = (state) => (state?.sequence === -1 ? Promise.reject(new InvalidHandoverError('handover.discord.sequence: too small')) : Promise.resolve());
    const refused = r.roles.takeover({ discord: { ...gateway, sequence: -1 } });
    await assert.rejects(refused, InvalidHandoverError);
    assert.equal(r.roles.role, 'standby');
    assert.equal(r.slack.count('takeover'), 0, 'nothing after the refusal');
    assert.deepEqual(await r.roles.takeover({ discord: gateway }), { failed: [] });
    assert.equal(r.roles.role, 'active');
    assert.equal(r.discord.count('takeover'), 2);
  });

  test('a takeover that throws half-way still ends active and starts the failed platform afresh; a retry changes nothing', async () => {
    const r = rig();
    r.roles.standby();
    r.slack.connection.transition('connected', 'standby socket');
    r.slack.onTakeover = () => Promise.reject(new Error('socket closed mid-takeover'));
    r.slack.connection.transition('disconnected', 'closed');
    const result = await r.roles.takeover({ discord: gateway });
    assert.deepEqual(result, { failed: ['slack'] });
    assert.equal(r.roles.role, 'active', 'Discord was taken over: there is no going back');
    assert.equal(r.slack.count('start'), 2, 'standby start, then started afresh as the owner');
    assert.ok(r.lines.some((line) => line.message === 'platform takeover failed; connecting it afresh' && line.platform === 'slack'));
    assert.equal(await r.roles.takeover({ discord: gateway }), await r.roles.takeover({ discord: gateway }));
    assert.deepEqual([r.slack.count('takeover'), r.discord.count('takeover')], [1, 1]);
  });
});

describe('SessionRoles: shutting down', () => {
  test('once closed, a keepalive does not activate an idle session and a standby is refused: nothing connects', () => {
    const r = rig();
    r.roles.close();
    r.roles.activate('keepalive invocation');
    assert.equal(r.roles.role, 'idle');
    assert.throws(() => r.roles.standby(), (error: unknown) => error instanceof InvocationError && error.status === 409);
    assert.deepEqual([r.slack.calls, r.discord.calls], [[], []]);
  });
});

describe('SessionRoles: roles and their clock', () => {
  test('each role records when it began, by the injected clock', async () => {
    let now = 1_000;
    const r = rig({ now: () => now });
    assert.equal(r.roles.since, 1_000);
    now = 2_000;
    r.roles.standby();
    assert.deepEqual([r.roles.role, r.roles.since], ['standby', 2_000]);
    now = 3_000;
    await r.roles.takeover({});
    assert.deepEqual([r.roles.role, r.roles.since], ['active', 3_000]);
    now = 4_000;
    await r.roles.handover();
    assert.deepEqual([r.roles.role, r.roles.since], ['draining', 4_000]);
    now = 5_000;
    r.idle.resolve();
    await tick();
    assert.deepEqual([r.roles.role, r.roles.since], ['drained', 5_000]);
  });

  test('out-of-order actions are refused with 409 and leave the role alone', () => {
    const r = rig();
    r.roles.activate('start-up');
    assert.throws(() => r.roles.standby(), /standby is for a new session; this one is active/);
    r.roles.activate('again');
    assert.equal(r.slack.count('start'), 1, 'activate is idempotent');
    assert.equal(r.roles.role, 'active');
  });
});
