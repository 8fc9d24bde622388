// Proves /ping's status derivation and that time_of_last_update moves only on change or activity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlatformConnection } from '../../src/core/index.js';
import { HealthMonitor } from '../../src/runtime/index.js';

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
