// Proves a refusal is posted at most once per (platform, user, conversation) per minute, on a
// fake clock, and that the throttle's memory stays bounded however many users are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefusalThrottle, refusalKey } from '../../src/core/index.js';

test('one refusal per key per minute; the next minute may post again', () => {
  let now = 1_000_000;
  const throttle = new RefusalThrottle(60_000, 100, () => now);
  const key = refusalKey('slack', 'UALICE', 'slack:DALICE');
  assert.equal(throttle.shouldPost(key), true);
  now += 1000;
  assert.equal(throttle.shouldPost(key), false);
  now += 58_999;
  assert.equal(throttle.shouldPost(key), false, 'still within the minute');
  now += 1;
  assert.equal(throttle.shouldPost(key), true, 'a minute after the last post');
  assert.equal(throttle.shouldPost(key), false);
});

test('keys differ by platform, user and conversation', () => {
  const throttle = new RefusalThrottle(60_000, 100, () => 0);
  assert.equal(throttle.shouldPost(refusalKey('slack', 'U1', 'slack:C1:1.0')), true);
  assert.equal(throttle.shouldPost(refusalKey('slack', 'U2', 'slack:C1:1.0')), true, 'another user');
  assert.equal(throttle.shouldPost(refusalKey('slack', 'U1', 'slack:C1:2.0')), true, 'another thread');
  assert.equal(throttle.shouldPost(refusalKey('discord', 'U1', 'slack:C1:1.0')), true, 'another platform');
  assert.equal(throttle.shouldPost(refusalKey('slack', 'U1', 'slack:C1:1.0')), false);
  // A separator inside an id cannot make two keys collide.
  assert.notEqual(refusalKey('slack', 'a:b', 'c'), refusalKey('slack', 'a', 'b:c'));
});

test('expired entries are swept as refusals arrive, and live ones never exceed the bound', () => {
  let now = 0;
  const throttle = new RefusalThrottle(60_000, 50, () => now);
  for (let i = 0; i < 40; i += 1) throttle.shouldPost(`old${i}`);
  now = 60_000;
  throttle.shouldPost('fresh');
  assert.equal(throttle.size, 1, 'the 40 expired entries went on the next refusal');
  for (let i = 0; i < 500; i += 1) throttle.shouldPost(`flood${i}`);
  assert.equal(throttle.size, 50);
});
