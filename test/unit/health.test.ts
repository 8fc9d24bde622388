// Proves /ping's status derivation (the Unhealthy clock's edges included) and that time_of_last_update moves only on change or activity.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PlatformConnection, type PlatformState } from '../../src/core/index.js';
import { HealthMonitor, pingStatusOf } from '../../src/runtime/index.js';

test('Healthy with nothing configured and idle; HealthyBusy with work in flight', () => {
  let busy = 0;
  const health = new HealthMonitor({ connections: [new PlatformConnection('slack', 'disabled')], busyWork: () => busy });
  assert.equal(health.current().status, 'Healthy');
  busy = 1;
  assert.equal(health.current().status, 'HealthyBusy');
});

test('HealthyBusy while a socket is connected, reconnecting or in standby, Unhealthy once a platform failed', () => {
  const slack = new PlatformConnection('slack', 'disconnected');
  const discord = new PlatformConnection('discord', 'disabled');
  const health = new HealthMonitor({ connections: [slack, discord], busyWork: () => 0 });
  assert.equal(health.current().status, 'Healthy', 'not started (or handed over) is not busy');
  slack.transition('standby', 'rotation successor');
  assert.equal(health.current().status, 'HealthyBusy');
  slack.transition('connecting', 'takeover');
  assert.equal(health.current().status, 'HealthyBusy');
  slack.transition('connected', 'hello');
  assert.equal(health.current().status, 'HealthyBusy');
  slack.transition('failed', 'invalid_auth');
  assert.equal(health.current().status, 'Unhealthy');
  assert.equal(slack.transition('connected', 'too late'), false, 'failed is final');
});

test('time_of_last_update is integer seconds that does not move on repeated pings', (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_500 });
  const connection = new PlatformConnection('slack', 'disconnected');
  connection.transition('connecting', 'start');
  const health = new HealthMonitor({ connections: [connection], busyWork: () => 0 });
  const first = health.current().timeOfLastUpdate;
  assert.equal(first, 1_700_000_000);
  t.mock.timers.tick(10_000);
  assert.equal(health.current().timeOfLastUpdate, first, 'a ping alone does not re-stamp');
  connection.transition('connected', 'hello');
  assert.equal(health.current().timeOfLastUpdate, first, 'a reconnect that keeps HealthyBusy does not');
  connection.transition('failed', 'invalid_auth');
  assert.equal(health.current().timeOfLastUpdate, 1_700_000_010, 'a status change does');
  t.mock.timers.tick(5_000);
  health.noteActivity();
  assert.equal(health.current().timeOfLastUpdate, 1_700_000_015, 'real activity does');
});

test('connection snapshot counts reconnects and keeps the last error', () => {
  const connection = new PlatformConnection('discord', 'disconnected');
  connection.transition('connecting', 'login');
  connection.transition('connected', 'ready');
  connection.transition('connecting', 'closed 4000', new Error('socket closed'));
  connection.transition('connected', 'resumed');
  const snapshot = connection.snapshot();
  assert.equal(snapshot.reconnects, 1);
  assert.equal(snapshot.lastError, 'socket closed');
  assert.equal(snapshot.state, 'connected');
  assert.notEqual(snapshot.connectedSince, null);
});

describe('pingStatusOf: when a platform without its connection turns /ping Unhealthy', () => {
  const bound = 300_000;
  const at = (state: PlatformState) => pingStatusOf({ platforms: [{ state, downSinceMs: 0 }], owning: true, busyWork: 0, unhealthyAfterMs: bound }, 0);
  const after = (ms: number, state: PlatformState, owning = true) => pingStatusOf({ platforms: [{ state, downSinceMs: 1_000 }], owning, busyWork: 0, unhealthyAfterMs: bound }, 1_000 + ms);

  test('connecting: still HealthyBusy at the bound, Unhealthy just over it', () => {
    assert.equal(after(bound - 1, 'connecting'), 'HealthyBusy');
    assert.equal(after(bound, 'connecting'), 'HealthyBusy');
    assert.equal(after(bound + 1, 'connecting'), 'Unhealthy');
  });

  test('failed is Unhealthy at once, owned or not', () => {
    assert.equal(at('failed'), 'Unhealthy');
    assert.equal(after(0, 'failed', false), 'Unhealthy');
  });

  test('disconnected or standby counts only in a session that owns the platforms', () => {
    assert.equal(after(bound + 1, 'disconnected', true), 'Unhealthy', 'the library gave up while we own it');
    assert.equal(after(bound + 1, 'standby', true), 'Unhealthy', 'an active session that never started it');
    assert.equal(after(bound + 1, 'disconnected', false), 'Healthy', 'idle, handed over or drained: disconnected is the plan');
    assert.equal(after(bound + 1, 'standby', false), 'HealthyBusy', 'a successor holding Discord back');
    assert.equal(after(bound + 1, 'connecting', false), 'Unhealthy', 'a successor that cannot connect Slack');
  });

  test('connected and disabled never count; no bound means only failed does', () => {
    assert.equal(after(bound * 10, 'connected'), 'HealthyBusy');
    assert.equal(after(bound * 10, 'disabled'), 'Healthy');
    assert.equal(pingStatusOf({ platforms: [{ state: 'connecting', downSinceMs: 0 }], owning: true, busyWork: 0, unhealthyAfterMs: undefined }, 1e12), 'HealthyBusy');
  });
});

describe('HealthMonitor: the Unhealthy clock over real connections and a fake clock', () => {
  test('runs while connecting, resets when connected, and keeps running when the library gives up', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
    const slack = new PlatformConnection('slack', 'disconnected');
    const health = new HealthMonitor({ connections: [slack], busyWork: () => 0, unhealthyAfterMs: 2_000, owning: () => true });
    slack.transition('connecting', 'start');
    t.mock.timers.tick(2_000);
    assert.equal(health.current().status, 'HealthyBusy', 'at the bound');
    slack.transition('connected', 'hello');
    t.mock.timers.tick(1_000);
    slack.transition('connecting', 'socket closed');
    t.mock.timers.tick(1_500);
    assert.equal(health.current().status, 'HealthyBusy', 'back to connected restarted the clock');
    slack.transition('disconnected', 'the client stopped retrying');
    t.mock.timers.tick(501);
    assert.equal(health.current().status, 'Unhealthy', 'connecting then disconnected is one outage');
    assert.equal(health.current().timeOfLastUpdate, 1_700_000_005, 'stamped when it turned');
    slack.transition('connected', 'back');
    assert.equal(health.current().status, 'HealthyBusy');
  });

  test('an idle session waiting for its first invocation is not an outage, however long it waits', (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
    let owning = false;
    const discord = new PlatformConnection('discord', 'disconnected');
    const health = new HealthMonitor({ connections: [discord], busyWork: () => 0, unhealthyAfterMs: 2_000, owning: () => owning });
    t.mock.timers.tick(60_000);
    assert.equal(health.current().status, 'Healthy');
    owning = true;
    discord.transition('connecting', 'login');
    assert.equal(health.current().status, 'HealthyBusy', 'the clock starts when it starts connecting, not at boot');
    t.mock.timers.tick(2_001);
    assert.equal(health.current().status, 'Unhealthy');
  });
});
