// Proves how catch-up decides "unanswered" from a conversation's timeline alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unansweredInOrder } from '../../src/platforms/shared/catch-up.js';

const r = (id: string) => ({ kind: 'request' as const, id });
const a = (id: string) => ({ kind: 'answer' as const, id });

test('each run of bot messages answers the oldest open request before it', () => {
  assert.deepEqual(unansweredInOrder([r('1'), a('A'), r('2'), a('B')]).map((x) => x.id), []);
  assert.deepEqual(unansweredInOrder([r('1'), r('2'), a('A')]).map((x) => x.id), ['2']);
  assert.deepEqual(unansweredInOrder([r('1'), r('2'), a('A'), r('3'), a('B')]).map((x) => x.id), ['3']);
});

test('a long answer split over several messages counts once', () => {
  assert.deepEqual(unansweredInOrder([r('1'), r('2'), a('A1'), a('A2'), a('A3')]).map((x) => x.id), ['2']);
});

test('answers before any request answer nothing; requests after the last answer stay open', () => {
  assert.deepEqual(unansweredInOrder([a('old'), r('1'), r('2')]).map((x) => x.id), ['1', '2']);
});
