// Proves the Slack per-method budgets: a tier's calls per window, a stream's start and stop taken
// together, a 429's Retry-After, and a window of 0 that counts nothing but still honours 429s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateBudgets } from '../../src/platforms/slack/rate-budget.js';

test('a tier-2 method takes 20 calls a window, then waits for the oldest to age out', () => {
  let now = 0;
  const budgets = new RateBudgets(60_000, () => now);
  for (let i = 0; i < 20; i += 1) assert.equal(budgets.tryTake(['chat.startStream']), true);
  assert.equal(budgets.tryTake(['chat.startStream']), false);
  assert.equal(budgets.waitMs('chat.startStream'), 60_000);
  now = 60_000;
  assert.equal(budgets.tryTake(['chat.startStream']), true);
});

test('several methods are taken all or none', () => {
  const budgets = new RateBudgets(60_000, () => 0);
  for (let i = 0; i < 20; i += 1) budgets.tryTake(['chat.stopStream']);
  assert.equal(budgets.tryTake(['chat.startStream', 'chat.stopStream']), false);
  assert.equal(budgets.remaining('chat.startStream'), 20);
});

test('a window of 0 counts no budget, yet a 429 still closes its method until Retry-After', () => {
  let now = 0;
  const budgets = new RateBudgets(0, () => now);
  for (let i = 0; i < 500; i += 1) assert.equal(budgets.tryTake(['chat.startStream', 'chat.stopStream']), true);
  for (let i = 0; i < 50; i += 1) assert.equal(budgets.tryTake(['chat.postMessage'], 'C1'), true);
  assert.equal(budgets.waitMs('chat.postMessage', 'C1'), 0);
  assert.equal(budgets.remaining('chat.update'), null);
  budgets.block('chat.update', 2000);
  assert.equal(budgets.tryTake(['chat.update']), false);
  assert.equal(budgets.waitMs('chat.update'), 2000);
  now = 2000;
  assert.equal(budgets.tryTake(['chat.update']), true);
});

test('a call that keeps part of the window leaves it to calls that keep none', () => {
  let now = 0;
  const budgets = new RateBudgets(60_000, () => now);
  for (let i = 0; i < 40; i += 1) {
    now = i * 1000;
    assert.equal(budgets.tryTake(['conversations.replies'], undefined, 10), true);
  }
  assert.equal(budgets.tryTake(['conversations.replies'], undefined, 10), false, 'the last 10 of 50 are kept');
  assert.equal(budgets.waitMs('conversations.replies', undefined, 10), 60_000 - 39_000, 'until the oldest of its 40 ages out');
  for (let i = 0; i < 10; i += 1) assert.equal(budgets.tryTake(['conversations.replies']), true, 'catch-up still has its 10');
  assert.equal(budgets.tryTake(['conversations.replies']), false);
  now = 60_000;
  assert.equal(budgets.tryTake(['conversations.replies']), true);
  assert.equal(budgets.tryTake(['conversations.replies'], undefined, 10), false, '50 of the last minute taken: none left above the 10 kept');
});
