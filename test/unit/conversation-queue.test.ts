// Proves per-conversation order, cross-conversation concurrency under a global limit, and bounds.
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
  assert.ok(queue.push('a', () => gate.promise));
  assert.ok(queue.push('a', () => Promise.reject(new Error('boom'))));
  assert.ok(queue.push('a', () => Promise.resolve()));
  assert.equal(queue.push('a', () => Promise.resolve()), false);
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
