// Proves prompts through /invocations reach a Bedrock-compatible endpoint with the real SDK:
// JSON and SSE answers, history per conversation_id, tool use, throttling and cut streams, tasks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { awsTestEnv, eventually, invoke, ping, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';

let bedrock: FakeBedrock;
let bridge: InProcessBridge;

before(async () => {
  bedrock = await startFakeBedrock();
  bridge = await startBridge({ ...awsTestEnv(bedrock.url), BEDROCK_MAX_ATTEMPTS: '2', SYSTEM_PROMPT: 'You are a test bot.' });
});
after(async () => {
  await bridge.stop();
  await bedrock.close();
});

function lastRequestMessages(): { role: string; content: { text?: string }[] }[] {
  return bedrock.requests.at(-1)!.body.messages as { role: string; content: { text?: string }[] }[];
}

test('a JSON prompt is answered by the model through ConverseStream', async () => {
  const result = await invoke(bridge.url, { prompt: 'hello there' });
  assert.equal(result.status, 200);
  assert.equal(result.body.reply, 'Echo: hello there');
  assert.equal(typeof result.body.conversation_id, 'string');
  const request = bedrock.requests.at(-1)!;
  assert.equal(request.operation, 'converseStream');
  assert.equal(request.modelId, 'us.anthropic.claude-sonnet-4-6');
  // Claude models get a cache point after the system prompt (prompt caching is on by model id).
  assert.deepEqual(request.body.system, [{ text: 'You are a test bot.' }, { cachePoint: { type: 'default' } }]);
  const handled = await bridge.logs.waitFor((r) => r.message === 'message handled' && r.platform === 'invocation');
  assert.equal(handled.outcome, 'answered');
  assert.equal(typeof handled.latencyMs, 'number');
  assert.equal(typeof handled.outputTokens, 'number');
});

test('history is kept per conversation_id and not shared between conversations', async () => {
  await invoke(bridge.url, { prompt: 'first turn', conversation_id: 'conv-a' });
  await invoke(bridge.url, { action: 'chat', prompt: 'other conversation', conversation_id: 'conv-b' });
  const second = await invoke(bridge.url, { prompt: 'second turn', conversation_id: 'conv-a' });
  assert.equal(second.body.reply, 'Echo: second turn');
  assert.equal(second.body.conversation_id, 'conv-a');
  const messages = lastRequestMessages();
  assert.deepEqual(
    messages.map((m) => `${m.role}:${m.content.map((c) => c.text).join('')}`),
    ['user:first turn', 'assistant:Echo: first turn', 'user:second turn'],
  );
});

test('Accept: text/event-stream streams deltas as SSE and ends with [DONE]', async () => {
  const response = await fetch(`${bridge.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ prompt: 'stream this answer to me please' }),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const events = (await response.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  assert.equal(events.at(-1), '[DONE]');
  const deltas = events.slice(0, -1).map((e) => (JSON.parse(e) as { delta: string }).delta);
  assert.ok(deltas.length > 1, `expected several deltas, got ${deltas.length}`);
  assert.equal(deltas.join(''), 'Echo: stream this answer to me please');
});

test('the tool loop runs real tools: current_time and bridge_status', async () => {
  const time = await invoke(bridge.url, { prompt: 'please [tool:current_time]' });
  assert.equal(time.status, 200);
  const utc = /"utc":"([^"]+)"/.exec(String(time.body.reply))?.[1];
  assert.ok(utc !== undefined, String(time.body.reply));
  assert.ok(Math.abs(Date.parse(utc) - Date.now()) < 60_000);
  const status = await invoke(bridge.url, { prompt: 'how are you [tool:bridge_status]' });
  assert.match(String(status.body.reply), /"status":"running"/);
  const lastTwo = bedrock.requests.slice(-2);
  assert.match(JSON.stringify(lastTwo[1]!.body.messages), /toolResult/);
});

test('throttling is retried by the SDK and the answer still arrives', async () => {
  const before = bedrock.requests.length;
  bedrock.throttleNext(1);
  const result = await invoke(bridge.url, { prompt: 'after a throttle' });
  assert.equal(result.status, 200);
  assert.equal(result.body.reply, 'Echo: after a throttle');
  assert.equal(bedrock.requests.length - before, 2);
});

test('throttling that outlasts the retries ends in a short honest error', async () => {
  bedrock.throttleNext(2);
  const result = await invoke(bridge.url, { prompt: 'throttled for good' });
  assert.equal(result.status, 502);
  assert.match(String(result.body.error), /over capacity/);
  const failed = await bridge.logs.waitFor((r) => r.message === 'message failed' && r.outcome === 'failed');
  assert.match(JSON.stringify(failed.error), /Throttl/);
});

test('a stream cut before any text is retried; a cut after text keeps the partial answer and says so', async () => {
  bedrock.cutStreamNext(1, { afterChunks: 0, mode: 'end' });
  const retried = await invoke(bridge.url, { prompt: 'cut early' });
  assert.equal(retried.status, 200);
  assert.equal(retried.body.reply, 'Echo: cut early');

  bedrock.cutStreamNext(1, { afterChunks: 2, mode: 'reset' });
  const cut = await invoke(bridge.url, { prompt: 'cut in the middle of a long answer' });
  assert.equal(cut.status, 502);
  assert.match(String(cut.body.reply), /^Echo: /);
  assert.match(String(cut.body.error), /cut off/);
});

test('an in-stream throttling exception before any text is retried', async () => {
  bedrock.streamExceptionNext(1, { type: 'throttlingException', afterChunks: 0 });
  const result = await invoke(bridge.url, { prompt: 'in-stream throttle' });
  assert.equal(result.status, 200);
  assert.equal(result.body.reply, 'Echo: in-stream throttle');
});

test('start_task answers at once, keeps /ping busy while running, then check_status has the result', async () => {
  const hold = bedrock.holdNext(1);
  const started = await invoke(bridge.url, { action: 'start_task', prompt: 'long job', task_id: 'job-1' });
  assert.equal(started.status, 202);
  assert.deepEqual(started.body, { task_id: 'job-1', status: 'started' });
  await hold.reached();
  assert.equal((await ping(bridge.url)).status, 'HealthyBusy');
  assert.equal((await invoke(bridge.url, { action: 'check_status', task_id: 'job-1' })).body.status, 'running');
  const again = await invoke(bridge.url, { action: 'start_task', prompt: 'long job', task_id: 'job-1' });
  assert.deepEqual(again.body, { task_id: 'job-1', status: 'running' }, 'a repeated start is idempotent');
  hold.release();
  const done = await eventually(async () => {
    const check = await invoke(bridge.url, { action: 'check_status', task_id: 'job-1' });
    return check.body.status === 'running' ? undefined : check.body;
  });
  assert.deepEqual(done, { task_id: 'job-1', status: 'completed', result: 'Echo: long job' });
  assert.equal((await ping(bridge.url)).status, 'Healthy');
  const missing = await invoke(bridge.url, { action: 'check_status', task_id: 'no-such-task' });
  assert.equal(missing.status, 404);
});

test('status counts agent requests, errors and token usage', async () => {
  const status = await invoke(bridge.url, { action: 'status' });
  const agent = status.body.agent as { requests: number; errors: number; in_flight: number; usage: Record<string, number> };
  assert.ok(agent.requests >= 8);
  assert.ok(agent.errors >= 2);
  assert.equal(agent.in_flight, 0);
  assert.ok(agent.usage.input_tokens! > 0 && agent.usage.output_tokens! > 0);
});
