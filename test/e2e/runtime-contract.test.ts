// Proves the AgentCore HTTP contract end to end: /ping, operator actions, every bad input's status,
// and that the server keeps serving after each, against the real server on an ephemeral port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { awsTestEnv, invoke, ping, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';

let bedrock: FakeBedrock;
let bridge: InProcessBridge;

before(async () => {
  bedrock = await startFakeBedrock();
  bridge = await startBridge({ ...awsTestEnv(bedrock.url), IMAGE_VERSION: 'v-test-7' });
});
after(async () => {
  await bridge.stop();
  await bedrock.close();
});

test('GET /ping answers Healthy with integer epoch seconds that do not move on idle pings', async () => {
  const first = await ping(bridge.url);
  assert.equal(first.status, 'Healthy');
  assert.ok(Number.isInteger(first.time_of_last_update));
  assert.ok(Math.abs(first.time_of_last_update - Date.now() / 1000) < 60);
  const second = await ping(bridge.url);
  assert.equal(second.time_of_last_update, first.time_of_last_update);
});

test('keepalive and status report uptime, version, session id, platforms and agent figures', async () => {
  const sessionId = 'keepalive-session-0123456789abcdef0123456789';
  const keepalive = await invoke(bridge.url, { action: 'keepalive' }, { 'x-amzn-bedrock-agentcore-runtime-session-id': sessionId, 'x-amzn-bedrock-agentcore-runtime-request-id': 'req-1' });
  assert.equal(keepalive.status, 200);
  assert.equal(keepalive.body.status, 'running');
  assert.equal(typeof keepalive.body.uptime_seconds, 'number');
  assert.equal(keepalive.body.image_version, 'v-test-7');
  assert.equal(keepalive.body.session_id, sessionId);
  assert.deepEqual(keepalive.body.platforms, { slack: 'disabled', discord: 'disabled' });

  const status = await invoke(bridge.url, { action: 'status' });
  assert.equal(status.status, 200);
  const platforms = status.body.platforms as Record<string, Record<string, unknown>>;
  for (const name of ['slack', 'discord']) {
    const platform = platforms[name]!;
    assert.equal(platform.state, 'disabled');
    for (const key of ['connected_since', 'reconnects', 'messages_received', 'replies_sent', 'last_error']) assert.ok(key in platform, `${name}.${key}`);
  }
  const agent = status.body.agent as Record<string, unknown>;
  assert.equal(agent.model_id, 'us.anthropic.claude-sonnet-4-6');
  for (const key of ['requests', 'errors', 'in_flight', 'usage']) assert.ok(key in agent, key);

  const served = await bridge.logs.waitFor((r) => r.message === 'invocation served' && r.request_id === 'req-1');
  assert.equal(served.session_id, sessionId);
});

test("a prompt's turn logs with its invocation's session and request ids, and the next prompt's does not inherit them", async () => {
  const sessionId = 'chat-session-0123456789abcdef0123456789abcd';
  const first = await invoke(bridge.url, { prompt: 'first', conversation_id: 'ctx-1' }, { 'x-amzn-bedrock-agentcore-runtime-session-id': sessionId, 'x-amzn-bedrock-agentcore-runtime-request-id': 'req-chat-1' });
  assert.equal(first.status, 200);
  const handled = await bridge.logs.waitFor((r) => r.message === 'message handled' && r.conversation === 'invocation:ctx-1');
  assert.equal(handled.request_id, 'req-chat-1');
  assert.equal(handled.session_id, sessionId);
  const second = await invoke(bridge.url, { prompt: 'second', conversation_id: 'ctx-2' });
  assert.equal(second.status, 200);
  const next = await bridge.logs.waitFor((r) => r.message === 'message handled' && r.conversation === 'invocation:ctx-2');
  assert.equal(next.request_id, undefined);
  assert.equal(next.session_id, undefined);
});

const badInputs: { name: string; body: string; status: number; error: RegExp }[] = [
  { name: 'malformed JSON', body: '{"action": "status"', status: 400, error: /malformed JSON/ },
  { name: 'a JSON array', body: '[1,2]', status: 400, error: /must be a JSON object/ },
  { name: 'a JSON string', body: '"status"', status: 400, error: /must be a JSON object/ },
  { name: 'null', body: 'null', status: 400, error: /must be a JSON object/ },
  { name: 'an unknown action', body: '{"action":"explode"}', status: 400, error: /unknown action "explode"/ },
  { name: 'an action of the wrong type', body: '{"action":42}', status: 400, error: /action must be a string/ },
  { name: 'no action and no prompt', body: '{"hello":"world"}', status: 400, error: /missing "action"/ },
  { name: 'a missing prompt', body: '{"action":"chat"}', status: 400, error: /prompt is required/ },
  { name: 'an empty prompt', body: '{"prompt":"   "}', status: 400, error: /prompt must not be empty/ },
  { name: 'a prompt of the wrong type', body: '{"prompt":["a"]}', status: 400, error: /prompt must be a string/ },
  { name: 'a bad conversation id', body: '{"prompt":"hi","conversation_id":"a b"}', status: 400, error: /conversation_id may only contain/ },
  { name: 'check_status without task_id', body: '{"action":"check_status"}', status: 400, error: /task_id is required/ },
  { name: 'a body over 1 MB', body: JSON.stringify({ prompt: 'x'.repeat(1_100_000) }), status: 413, error: /body too large/ },
];

for (const bad of badInputs) {
  test(`${bad.name} gets ${bad.status} with a JSON error and the server keeps serving`, async () => {
    const result = await invoke(bridge.url, bad.body);
    assert.equal(result.status, bad.status);
    assert.match(String(result.body.error), bad.error);
    assert.equal((await ping(bridge.url)).status, 'Healthy');
  });
}

test('other paths get 404 and wrong methods 405, both as JSON', async () => {
  const missing = await fetch(`${bridge.url}/nope`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /no route/);
  const wrongMethod = await fetch(`${bridge.url}/invocations`);
  assert.equal(wrongMethod.status, 405);
  assert.equal(typeof ((await wrongMethod.json()) as { error: string }).error, 'string');
});

test('a prompt longer than MAX_PROMPT_CHARS is refused before reaching the model', async () => {
  const before = bedrock.requests.length;
  const result = await invoke(bridge.url, { prompt: 'y'.repeat(40_001) });
  assert.equal(result.status, 400);
  assert.match(String(result.body.error), /at most 40000 characters/);
  assert.equal(bedrock.requests.length, before);
});
