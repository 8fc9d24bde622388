// Proves per-conversation order, cross-conversation concurrency under a global limit, and bounds
// (per conversation and across all of them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationQueue } from '../../src/core/index.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('jobs of one conversation run one at a time, in order', async () => {
  const queue = new ConversationQueue(4, 100);
  const order: number[] = [];
  const gates = [deferred(), deferred(), deferred()];
  gates.forEach((gate, i) =>
    queue.push('a', async () => {
      order.push(i);
      await gate.promise;
    }),
  );
  assert.deepEqual(order, [0]);
  gates[0]!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [0, 1]);
  gates[1]!.resolve();
  gates[2]!.resolve();
  await queue.onIdle();
  assert.deepEqual(order, [0, 1, 2]);
  assert.equal(queue.size, 0);
});

test('different conversations run concurrently up to the global limit', async () => {
  const queue = new ConversationQueue(2, 100);
  const gate = deferred();
  let running = 0;
  let peak = 0;
  for (const key of ['a', 'b', 'c', 'd']) {
    queue.push(key, async () => {
      running += 1;
      peak = Math.max(peak, running);
      await gate.promise;
      running -= 1;
    });
  }
  assert.equal(queue.running, 2);
  assert.equal(queue.size, 4);
  gate.resolve();
  await queue.onIdle();
  assert.equal(peak, 2);
});

test('a conversation refuses jobs beyond its bound and a throwing job does not stall it', async () => {
  const queue = new ConversationQueue(1, 2);
  const gate = deferred();
  assert.equal(queue.push('a', () => gate.promise), 'queued');
  assert.equal(queue.push('a', () => Promise.reject(new Error('boom'))), 'queued');
  assert.equal(queue.push('a', () => Promise.resolve()), 'queued');
  assert.equal(queue.push('a', () => Promise.resolve()), 'conversation_full');
  gate.resolve();
  await queue.onIdle();
  assert.equal(queue.size, 0);
});

test('takePending removes queued jobs but leaves running ones', async () => {
  const queue = new ConversationQueue(1, 10);
  const gate = deferred();
  queue.push('a', () => gate.promise);
  queue.push('b', () => Promise.resolve());
  queue.push('a', () => Promise.resolve());
  assert.equal(queue.takePending().length, 2);
  assert.equal(queue.size, 1);
  gate.resolve();
  await queue.onIdle();
});

test('across conversations, at most maxTotal jobs wait; a job that can start at once is never refused', async () => {
  const queue = new ConversationQueue(2, 10, 3);
  const gate = deferred();
  const held = () => gate.promise;
  assert.equal(queue.push('a', held), 'queued', 'runs at once');
  for (const key of ['a', 'b', 'c']) assert.equal(queue.push(key, held), 'queued');
  assert.deepEqual([queue.running, queue.waiting], [2, 2], 'a and b run; a and c wait');
  assert.equal(queue.push('d', held), 'queued', 'the third waiting job');
  assert.equal(queue.push('e', held), 'queue_full');
  assert.equal(queue.push('a', held), 'queue_full', 'the total binds before the conversation\'s own bound');
  assert.equal(queue.waiting, 3);
  gate.resolve();
  await queue.onIdle();
  assert.equal(queue.push('e', () => Promise.resolve()), 'queued', 'room again once the queue drained');
  await queue.onIdle();
});
