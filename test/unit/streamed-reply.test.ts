// Proves StreamedReply's edges with fake timers and a scripted writer: edits paced by the interval,
// a message that overflows continuing in the next, a rate-limited write tried later, a final text
// that must land (retried, else continued in a new message), a format error, abandonment, and
// repeated closes.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { BridgeError } from '../../src/errors.js';
import { StreamedReply, WriteDeferredError, type MessageWriter, type PostInfo } from '../../src/core/index.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { PassThrough } from 'node:stream';

const logger = createLogger({ level: 'error', redactor: new Redactor(), stream: new PassThrough() });

interface Write {
  readonly op: 'post' | 'edit' | 'finish';
  readonly id: string;
  readonly text: string;
  readonly at: number;
  readonly info?: PostInfo;
}

/** An in-memory writer; `fail` decides, per write, to throw instead. */
function recordingWriter(fail: (op: Write['op'], attempt: number) => Error | undefined = () => undefined, withFinish = false) {
  const writes: Write[] = [];
  let attempts = 0;
  let next = 0;
  const writer: MessageWriter<string> = {
    post: (text, info) => {
      const error = fail('post', (attempts += 1));
      if (error !== undefined) return Promise.reject(error);
      const id = `m${next++}`;
      writes.push({ op: 'post', id, text, at: Date.now(), info });
      return Promise.resolve(id);
    },
    edit: (id, text) => {
      const error = fail('edit', (attempts += 1));
      if (error !== undefined) return Promise.reject(error);
      writes.push({ op: 'edit', id, text, at: Date.now() });
      return Promise.resolve();
    },
    ...(withFinish
      ? {
          finish: (id: string, text: string) => {
            const error = fail('finish', (attempts += 1));
            if (error !== undefined) return Promise.reject(error);
            writes.push({ op: 'finish', id, text, at: Date.now() });
            return Promise.resolve();
          },
        }
      : {}),
  };
  /** What each message shows now. */
  const shown = () => {
    const messages = new Map<string, string>();
    for (const write of writes) messages.set(write.id, write.text);
    return [...messages.values()];
  };
  return { writer, writes, shown };
}

/** Advances fake time in steps, letting the promise chains between timers run. */
async function advance(t: TestContext, ms: number, step = 50): Promise<void> {
  for (let passed = 0; passed < ms; passed += step) {
    t.mock.timers.tick(step);
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  }
}

function reply(writer: MessageWriter<string>, options: { maxLength?: number; format?: (text: string) => string } = {}) {
  return new StreamedReply<string>({ writer, maxLength: options.maxLength ?? 100, editIntervalMs: 1000, logger, landWithinMs: 10_000, ...(options.format === undefined ? {} : { format: options.format }) });
}

test('posts at once, then edits at most once per interval, only when the text changed', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes } = recordingWriter();
  const sink = reply(writer);
  sink.append('one');
  await advance(t, 50);
  for (let i = 0; i < 10; i += 1) {
    sink.append(` ${i}`);
    await advance(t, 200);
  }
  await sink.finish();
  assert.equal(writes[0]!.op, 'post');
  assert.equal(writes.at(-1)!.text, 'one 0 1 2 3 4 5 6 7 8 9');
  for (let i = 1; i < writes.length - 1; i += 1) assert.ok(writes[i]!.at - writes[i - 1]!.at >= 1000, `edit ${writes[i]!.at - writes[i - 1]!.at} ms after the last`);
  assert.equal(sink.state, 'closed');
});

test('a complete answer never written before is one final post', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes } = recordingWriter();
  const sink = reply(writer);
  sink.append('all ');
  sink.append('at once');
  await sink.finish();
  assert.deepEqual(writes.map((w) => [w.op, w.text, w.info?.final]), [['post', 'all at once', true]]);
});

test('text beyond one message continues in the next; every message is completed with finish()', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes, shown } = recordingWriter(undefined, true);
  const sink = reply(writer, { maxLength: 60 });
  sink.append('First paragraph that is long enough.\n\n');
  await advance(t, 100);
  sink.append('Second paragraph pushes it past sixty characters.');
  await sink.finish();
  assert.deepEqual(shown(), ['First paragraph that is long enough.', 'Second paragraph pushes it past sixty characters.']);
  assert.ok(writes.some((w) => w.op === 'finish' && w.id === 'm0'), 'the first message was completed before the next began');
  assert.deepEqual(writes.filter((w) => w.op === 'post').map((w) => w.info?.part), [0, 1]);
});

test('a rate-limited edit is tried again after its wait; a final one waits for it', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  let limited = 2;
  const { writer, writes } = recordingWriter((op) => (op === 'edit' && limited-- > 0 ? new WriteDeferredError(1500) : undefined));
  const sink = reply(writer);
  sink.append('a');
  await advance(t, 100);
  sink.append('b');
  await advance(t, 1200);
  assert.deepEqual(writes.map((w) => w.text), ['a'], 'the deferred edit did not land yet');
  sink.append('c');
  const finished = sink.finish();
  await advance(t, 4000);
  await finished;
  assert.equal(writes.at(-1)!.text, 'abc');
});

test('a final edit that keeps failing continues in a new message with only what was not shown', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes } = recordingWriter((op) => (op === 'edit' ? new Error('message_not_found') : undefined));
  const sink = reply(writer);
  sink.append('Shown part.');
  await advance(t, 100);
  sink.append(' And the rest.');
  const finished = sink.finish();
  await advance(t, 5000);
  await finished;
  assert.deepEqual(writes.map((w) => [w.op, w.text]), [['post', 'Shown part.'], ['post', 'And the rest.']]);
});

test('a failure line after partial text goes the same way, and a format error sends the text as written', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes } = recordingWriter();
  const sink = reply(writer, {
    format: (text) => {
      if (text.includes('boom')) throw new Error('formatter bug');
      return text.toUpperCase();
    },
  });
  sink.append('partial boom');
  await advance(t, 100);
  await sink.fail('It was cut off.');
  assert.equal(writes.at(-1)!.text, 'partial boom\n\nIt was cut off.');
});

test('reply_taken abandons the answer: nothing more is written, and finish twice is one close', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const { writer, writes } = recordingWriter((op) => (op === 'post' ? new BridgeError('reply_taken', 'someone else') : undefined));
  const sink = reply(writer);
  sink.append('mine?');
  await advance(t, 100);
  sink.append(' no');
  const first = sink.finish();
  const second = sink.finish();
  assert.equal(first, second);
  await first;
  assert.equal(writes.length, 0);
  assert.equal(sink.state, 'abandoned');
});
