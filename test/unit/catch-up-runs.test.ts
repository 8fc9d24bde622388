// Proves CatchUp's edges with a real Bridge and a scripted scan: a run asked for while one runs runs
// again after it (the newer gap is looked for); a message the bridge already took is neither
// submitted nor counted; a message too young to judge is left to a second pass.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { Bridge, ConversationHistory, type ChatAgent, type InboundMessage, type ReplyChannel, type ReplySink } from '../../src/core/index.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { CatchUp, type CatchUpScan } from '../../src/platforms/shared/catch-up.js';

const logger = createLogger({ level: 'error', redactor: new Redactor(), stream: new PassThrough() });
const agent: ChatAgent = { reply: () => Promise.resolve({ text: 'ok', usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 } }) };
const sink: ReplySink = { start: () => Promise.resolve(), append: () => undefined, finish: () => Promise.resolve(), fail: () => Promise.resolve() };
const channel: ReplyChannel = { openReply: () => sink };

function bridge(): Bridge {
  return new Bridge({ agent, history: new ConversationHistory({ maxTurns: 10, maxChars: 10_000, maxConversations: 10 }), logger, maxConcurrentTurns: 4, maxQueuedPerConversation: 10 });
}

function message(id: string, sentAt: number): InboundMessage {
  return { platform: 'slack', conversationKey: `slack:C1:${id}`, messageId: `C1:${id}`, authorId: 'U1', authorIsBot: false, text: id, sentAt };
}

test('asked again while running: runs once more after, reading the newer gap too', async () => {
  const scans: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const catchUp = new CatchUp({
    windowMs: 60_000, maxMessages: 10, bridge: bridge(), channel, logger,
    scan: async (): Promise<CatchUpScan> => {
      scans.push(Date.now());
      if (scans.length === 1) await gate;
      return { unanswered: [], conversationsRead: 0 };
    },
  });
  const first = catchUp.run('start');
  const second = catchUp.run('reconnected after 40 s');
  assert.equal(catchUp.state, 'rerun');
  release();
  await Promise.all([first, second]);
  assert.equal(scans.length, 2);
  assert.equal(catchUp.status.runs, 2);
  assert.equal(catchUp.status.last_reason, 'reconnected after 40 s');
  assert.equal(catchUp.state, 'idle');
});

test('a message the bridge already took live is not submitted or counted; the others are, oldest first', async () => {
  const b = bridge();
  const now = Date.now();
  b.submit(message('live', now - 30_000), channel);
  const claimed: string[] = [];
  const catchUp = new CatchUp({
    windowMs: 60_000, maxMessages: 10, bridge: b, channel, logger,
    scan: () => Promise.resolve({ unanswered: [message('b', now - 20_000), message('live', now - 30_000), message('a', now - 25_000)], conversationsRead: 1 }),
    claim: (m) => {
      claimed.push(m.messageId);
      return Promise.resolve(true);
    },
  });
  await catchUp.run('start');
  assert.deepEqual(claimed, ['C1:a', 'C1:b']);
  assert.equal(catchUp.status.found, 3);
  assert.equal(catchUp.status.answered, 2);
});

test('a message younger than the settle time is left to a second pass', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const b = bridge();
  const sentAt = Date.now() - 1000;
  let clock = sentAt + 1000;
  const catchUp = new CatchUp({
    windowMs: 60_000, maxMessages: 10, bridge: b, channel, logger, settleMs: 5000,
    scan: () => Promise.resolve({ unanswered: [message('young', sentAt)], conversationsRead: 1 }),
    now: () => clock,
  });
  await catchUp.run('start');
  assert.equal(catchUp.status.answered, 0, 'too young at the first read');
  clock += 6000;
  t.mock.timers.tick(6000);
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 10 && catchUp.status.runs < 2; i += 1) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(catchUp.status.runs, 2);
  assert.equal(catchUp.status.answered, 1);
});
