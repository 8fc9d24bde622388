// Fault suite, process and HTTP: SIGTERM with replies in flight (each finished or finalized, exit 0)
// and 1,000 malformed or hostile invocations (the server keeps serving, memory stays flat).
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import { awsTestEnv, eventually, invoke, ping, spawnBridge, startBridge } from '../helpers/bridge-harness.js';
import { slackEnv } from '../helpers/slack-bridge.js';

test('SIGTERM with replies in flight: finished ones complete, the rest are finalized honestly, exit 0', async (t) => {
  const slack = await startFakeSlack();
  const bedrock = await startFakeBedrock();
  t.after(async () => {
    await slack.close();
    await bedrock.close();
  });
  const child = await spawnBridge({ ...slackEnv(slack, bedrock), SHUTDOWN_GRACE_SECONDS: '4', LOG_LEVEL: 'info' });
  await child.ready;
  await slack.waitForConnections(1);
  const finishes = bedrock.holdNext(2, { afterChunks: 1 });
  const neverFinishes = bedrock.holdNext(2, { afterChunks: 1 });
  const threads = [1, 2, 3, 4].map((i) => slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> in flight ${i}` }).ts);
  await finishes.reached(2);
  await neverFinishes.reached(2);
  child.process.kill('SIGTERM');
  setTimeout(() => finishes.release(), 500).unref();
  const { code } = await child.exited;
  assert.equal(code, 0);
  const answers = threads.map((ts) => slack.botReplies('CGENERAL', ts));
  for (const replies of answers) assert.equal(replies.length, 1, 'exactly one answer each');
  const texts = answers.map((replies) => replies[0]!.text).sort();
  assert.equal(texts.filter((text) => /^Echo: in flight \d$/.test(text)).length, 2, texts.join(' | '));
  assert.equal(texts.filter((text) => /I was restarted before I could finish this answer/.test(text)).length, 2, texts.join(' | '));
  for (const replies of answers) assert.equal(replies[0]!.streaming_state, 'completed', 'no stream left open');
  const shutDown = await child.logs.waitFor((r) => r.message === 'shut down');
  assert.equal(shutDown.interrupted, 2);
});

/** A gc() for this process, to read heap use without garbage in it. */
function gc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function hostileBodies(): string[] {
  const deep = (depth: number, open: string, close: string) => `{"prompt":${open.repeat(depth)}${close.repeat(depth)}}`;
  return [
    '{', '}', '{"action":', 'not json at all', '\u0000\u0001\u0002', '[]', '[{}]', 'true', '123', '"status"', 'null',
    '{"action":null}', '{"action":["status"]}', '{"action":{"$gt":""}}', '{"action":"__proto__"}', '{"__proto__":{"action":"status"}}',
    '{"constructor":{"prototype":{"polluted":true}},"prompt":7}', '{"prompt":{}}', '{"prompt":null}', '{"prompt":"x","conversation_id":{"a":1}}',
    '{"action":"check_status","task_id":"../../etc/passwd"}', '{"action":"takeover","handover":"yes"}', '{"action":"takeover","handover":{"discord":{"session_id":1}}}',
    `{"prompt":"${'x'.repeat(50_000)}"}`, `{"action":"${'a'.repeat(100_000)}"}`, `{"prompt":" ","junk":"${'y'.repeat(500_000)}"}`,
    deep(5000, '[', ']'), deep(20_000, '{"a":', '}'), '['.repeat(200_000),
    `{"prompt":"${'\\ud800'.repeat(1000)}","conversation_id":7}`, '{"prompt":"\\u0000","conversation_id":"no spaces allowed"}',
  ];
}

test('1,000 malformed or hostile invocations: each gets a 4xx JSON error, the server keeps serving, memory stays flat', async (t) => {
  const bedrock = await startFakeBedrock();
  const bridge = await startBridge({ ...awsTestEnv(bedrock.url), LOG_LEVEL: 'warn' });
  t.after(async () => {
    await bridge.stop();
    await bedrock.close();
  });
  const collect = gc();
  const bodies = hostileBodies();
  const fire = async (count: number) => {
    for (let i = 0; i < count; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const body = bodies[(i + j) % bodies.length]!;
          const result = await invoke(bridge.url, body).catch((error: unknown) => ({ status: 0, body: { error: String(error) } }));
          assert.ok(result.status >= 400 && result.status < 500, `status ${result.status} for ${body.slice(0, 60)}`);
          assert.equal(typeof result.body.error, 'string');
        }),
      );
    }
  };
  await fire(200);
  collect();
  const before = process.memoryUsage().heapUsed;
  await fire(1000);
  collect();
  const growth = process.memoryUsage().heapUsed - before;
  assert.ok(growth < 8 * 1024 * 1024, `heap grew ${(growth / 1024 / 1024).toFixed(1)} MB over 1,000 hostile requests`);
  assert.equal((await ping(bridge.url)).status, 'Healthy');
  assert.equal((await invoke(bridge.url, { prompt: 'still fine?' })).body.reply, 'Echo: still fine?');
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  await eventually(() => (bridge.app.bridge.inFlight === 0 ? true : undefined));
});
