// Proves the deadline helpers with a hand-driven clock: when an idle or turn bound fires, that a
// restart or clear holds it off, and that a race or a stream stops waiting the moment it aborts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deadline, DeadlineExceededError, iterateUntilAborted, untilAborted, type Clock } from '../../src/agent/deadline.js';

/** Timers that fire only when the test moves time on. */
function manualClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      nextId += 1;
      timers.set(nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort(([, a], [, b]) => a.at - b.at)) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => timers.size,
  };
}

test('an idle deadline fires ms after its last restart, with a reason naming the bound', () => {
  const clock = manualClock();
  const idle = new Deadline('idle', 1000, clock);
  clock.advance(900);
  idle.restart();
  clock.advance(900);
  assert.equal(idle.expired, false, 'the restart moved the bound');
  clock.advance(100);
  assert.equal(idle.expired, true);
  const reason = idle.signal.reason as DeadlineExceededError;
  assert.ok(reason instanceof DeadlineExceededError);
  assert.deepEqual([reason.kind, reason.ms], ['idle', 1000]);
  assert.equal(clock.pending(), 0);
});

test('a restart after expiry or after clear() changes nothing and leaves no timer behind', () => {
  const clock = manualClock();
  const expired = new Deadline('turn', 10, clock);
  clock.advance(10);
  expired.restart();
  assert.equal(clock.pending(), 0);
  const cleared = new Deadline('idle', 10, clock);
  cleared.clear();
  cleared.restart();
  assert.equal(clock.pending(), 0);
  clock.advance(1000);
  assert.equal(cleared.expired, false);
});

test('untilAborted settles with the work, or rejects with the reason the moment the signal aborts', async () => {
  assert.equal(await untilAborted(Promise.resolve(7), new AbortController().signal), 7);
  const controller = new AbortController();
  const never = new Promise<never>(() => undefined);
  const raced = untilAborted(never, controller.signal);
  const reason = new DeadlineExceededError('turn', 5);
  controller.abort(reason);
  await assert.rejects(raced, (error: unknown) => error === reason);
});

test("untilAborted on a signal already aborted rejects at once and observes the work's later rejection", async () => {
  const controller = new AbortController();
  controller.abort(new Error('already'));
  let rejectWork: (error: Error) => void = () => undefined;
  const work = new Promise<never>((_, reject) => (rejectWork = reject));
  await assert.rejects(untilAborted(work, controller.signal), /already/);
  // Had nothing observed it, this would be an unhandled rejection and fail the run.
  rejectWork(new Error('late'));
  await new Promise((resolve) => setImmediate(resolve));
});

test('iterateUntilAborted counts each item and ends a stream that never ends, closing its source', async () => {
  const controller = new AbortController();
  let closed = false;
  async function* silentAfterTwo(): AsyncGenerator<number> {
    try {
      yield 1;
      yield 2;
      await new Promise<never>(() => undefined);
    } finally {
      closed = true;
    }
  }
  let seen = 0;
  const items: number[] = [];
  const reading = (async () => {
    for await (const item of iterateUntilAborted(silentAfterTwo(), controller.signal, () => (seen += 1))) {
      items.push(item);
      if (items.length === 2) setImmediate(() => controller.abort(new Error('silent')));
    }
  })();
  await assert.rejects(reading, /silent/);
  assert.deepEqual(items, [1, 2]);
  assert.equal(seen, 2);
  // The source's return() waits behind its pending next(), which never settles: it is asked, not awaited.
  assert.equal(closed, false);
});

test('iterateUntilAborted passes a finished stream through and closes its source on an early break', async () => {
  const signal = new AbortController().signal;
  let closed = 0;
  async function* numbers(): AsyncGenerator<number> {
    try {
      for (const n of [1, 2, 3]) yield await Promise.resolve(n);
    } finally {
      closed += 1;
    }
  }
  const all: number[] = [];
  for await (const item of iterateUntilAborted(numbers(), signal, () => undefined)) all.push(item);
  assert.deepEqual(all, [1, 2, 3]);
  for await (const item of iterateUntilAborted(numbers(), signal, () => undefined)) if (item === 1) break;
  assert.equal(closed, 2);
});
