// Proves dedupe memory is bounded by age and count, and history by turns, size and conversations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationHistory, RecentIds, fitToTokenBudget, trimTurns } from '../../src/core/index.js';

test('an id is remembered within its TTL and forgotten after', () => {
  let now = 0;
  const ids = new RecentIds(1000, 100, () => now);
  assert.equal(ids.remember('a'), true);
  assert.equal(ids.remember('a'), false);
  now = 1001;
  assert.equal(ids.remember('b'), true);
  assert.equal(ids.has('a'), false);
  assert.equal(ids.remember('a'), true);
});

test('the oldest ids are evicted beyond the count bound', () => {
  const ids = new RecentIds(60_000, 3);
  for (const id of ['a', 'b', 'c', 'd']) ids.remember(id);
  assert.ok(ids.size <= 3);
  assert.equal(ids.has('a'), false);
  assert.equal(ids.has('d'), true);
});

test('trimTurns drops the oldest turns first and never starts on an assistant turn', () => {
  const turns = [
    { role: 'user' as const, text: 'u1' },
    { role: 'assistant' as const, text: 'a1' },
    { role: 'user' as const, text: 'u2' },
    { role: 'assistant' as const, text: 'a2' },
  ];
  assert.deepEqual(trimTurns(turns, 3, 1000).map((t) => t.text), ['u2', 'a2']);
  assert.deepEqual(trimTurns(turns, 10, 5).map((t) => t.text), ['u2', 'a2']);
});

test('history keeps the most recently used conversations within its bound', () => {
  const history = new ConversationHistory({ maxTurns: 10, maxChars: 1000, maxConversations: 2 });
  history.append('a', { role: 'user', text: 'hi a' });
  history.append('b', { role: 'user', text: 'hi b' });
  history.get('a');
  history.append('c', { role: 'user', text: 'hi c' });
  assert.equal(history.has('a'), true);
  assert.equal(history.has('b'), false);
  assert.equal(history.get('x'), undefined);
  history.seed('a', [{ role: 'user', text: 'ignored' }]);
  assert.deepEqual(history.get('a')?.map((t) => t.text), ['hi a']);
});

test('fitToTokenBudget keeps the newest turns within the budget, and the first one when asked', () => {
  const turns = ['parent', 'a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)].map((text) => ({ role: 'user' as const, text }));
  assert.deepEqual(fitToTokenBudget(turns, 20).map((t) => t.text[0]), ['b', 'c'], '80 characters: the two newest');
  assert.deepEqual(fitToTokenBudget(turns, 25, true).map((t) => t.text[0]), ['p', 'b', 'c'], 'the parent stays');
});
