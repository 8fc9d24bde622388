// Proves, through the real bot over /invocations and the real SDK against the fake Bedrock: the
// guardrail rides on every call and its intervention is shown and counted; the fallback model
// answers when the primary stays throttled (logged and counted), never after text was shown;
// prompt cache points go where the model takes them and cache tokens appear in status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock, type RecordedBedrockRequest } from '../fakes/bedrock/index.js';
import { awsTestEnv, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';

const PRIMARY = 'us.anthropic.claude-sonnet-4-6';
const FALLBACK = 'us.amazon.nova-pro-v1:0';
const GUARDRAIL = 'gr7x2k9q1z';
const cachePoint = { cachePoint: { type: 'default' } };

let bedrock: FakeBedrock;
let bridge: InProcessBridge;

before(async () => {
  bedrock = await startFakeBedrock();
  bridge = await startBridge({
    ...awsTestEnv(bedrock.url),
    BEDROCK_MAX_ATTEMPTS: '2',
    SYSTEM_PROMPT: 'You are a test bot.',
    BEDROCK_GUARDRAIL_ID: GUARDRAIL,
    BEDROCK_FALLBACK_MODEL_ID: FALLBACK,
  });
});
after(async () => {
  await bridge.stop();
  await bedrock.close();
});

async function agentStatus(): Promise<Record<string, unknown> & { usage: Record<string, number> }> {
  const status = await invoke(bridge.url, { action: 'status' });
  return status.body.agent as Record<string, unknown> & { usage: Record<string, number> };
}

const since = (count: number): RecordedBedrockRequest[] => bedrock.requests.slice(count);
type Content = Record<string, unknown>[];
const lastUser = (request: RecordedBedrockRequest): Content => ((request.body.messages as { content: Content }[]).at(-1)?.content ?? []);

test('every call carries the guardrail (sync for streams) and only the new prompt is guarded', async () => {
  const before = bedrock.requests.length;
  await invoke(bridge.url, { prompt: 'first question', conversation_id: 'guarded' });
  const result = await invoke(bridge.url, { prompt: 'second question', conversation_id: 'guarded' });
  assert.equal(result.body.reply, 'Echo: second question');
  const [first, second] = since(before);
  for (const request of [first!, second!]) {
    assert.deepEqual(request.body.guardrailConfig, { guardrailIdentifier: GUARDRAIL, guardrailVersion: 'DRAFT', streamProcessingMode: 'sync' });
  }
  assert.deepEqual(lastUser(second!), [{ guardContent: { text: { text: 'second question' } } }]);
  assert.deepEqual((second!.body.messages as { content: Content }[])[0]!.content, [{ text: 'first question' }], 'history is not re-evaluated');
});

test("a guardrail intervention shows the guardrail's message and is counted", async () => {
  const counted = (await agentStatus()).guardrail_interventions as number;
  bedrock.guardrailNext(1, { text: 'Sorry, I cannot help with that topic.' });
  const result = await invoke(bridge.url, { prompt: 'something the guardrail blocks' });
  assert.equal(result.status, 200);
  assert.equal(result.body.reply, 'Sorry, I cannot help with that topic.');
  assert.equal((await agentStatus()).guardrail_interventions, counted + 1);
  const logged = await bridge.logs.waitFor((r) => r.message === 'guardrail intervened');
  assert.equal(logged.guardrailId, GUARDRAIL);
});

test('cache points follow the system prompt and the tools for Claude, and status shows cache tokens', async () => {
  const before = bedrock.requests.length;
  await invoke(bridge.url, { prompt: 'cache me', conversation_id: 'cache' });
  await invoke(bridge.url, { prompt: 'cache me again', conversation_id: 'cache' });
  const [first, second] = since(before);
  assert.deepEqual(first!.body.system, [{ text: 'You are a test bot.' }, cachePoint]);
  assert.deepEqual((first!.body.toolConfig as { tools: unknown[] }).tools.at(-1), cachePoint);
  assert.ok(!JSON.stringify(second!.body.messages).includes('cachePoint'), 'a short history is not marked');
  const agent = await agentStatus();
  assert.ok(agent.usage.cache_write_input_tokens! > 0, JSON.stringify(agent.usage));
  assert.ok(agent.usage.cache_read_input_tokens! > 0, JSON.stringify(agent.usage));
});

test('a long history gets a cache point at its end, before the new question', async () => {
  await invoke(bridge.url, { prompt: `please read: ${'lorem ipsum '.repeat(800)}`, conversation_id: 'long' });
  const before = bedrock.requests.length;
  const readBefore = (await agentStatus()).usage.cache_read_input_tokens!;
  await invoke(bridge.url, { prompt: 'and the summary?', conversation_id: 'long' });
  await invoke(bridge.url, { prompt: 'one more thing', conversation_id: 'long' });
  const [first, second] = since(before) as [RecordedBedrockRequest, RecordedBedrockRequest];
  const messages = first.body.messages as { role: string; content: Content }[];
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(messages[1]!.content.at(-1), cachePoint);
  assert.equal(JSON.stringify(second.body).split('"cachePoint"').length - 1, 3, 'system, tools, history: three of the four allowed');
  // The second turn reads the history the first one wrote, found before its own cache point.
  assert.ok((await agentStatus()).usage.cache_read_input_tokens! > readBefore);
});

test('a primary throttled for good is answered by the fallback model; the log and status say so', async () => {
  const { fallback_answers: answered } = await agentStatus();
  assert.equal((await agentStatus()).fallback_model_id, FALLBACK);
  bedrock.throttleModel(PRIMARY);
  try {
    const before = bedrock.requests.length;
    const result = await invoke(bridge.url, { prompt: 'are you there?' });
    assert.equal(result.status, 200);
    assert.equal(result.body.reply, 'Echo: are you there?');
    const calls = since(before);
    assert.deepEqual(calls.map((r) => r.modelId), [PRIMARY, PRIMARY, FALLBACK], 'two SDK attempts on the primary, then the fallback');
    const fallback = calls[2]!;
    assert.deepEqual(fallback.body.guardrailConfig, { guardrailIdentifier: GUARDRAIL, guardrailVersion: 'DRAFT', streamProcessingMode: 'sync' });
    assert.deepEqual((fallback.body.system as unknown[]).at(-1), cachePoint, 'Nova caches the system prompt');
    assert.ok(!JSON.stringify(fallback.body.toolConfig).includes('cachePoint'), 'but takes no cache point among tools');
    const logged = await bridge.logs.waitFor((r) => r.message === 'primary model unavailable after retries; answering with the fallback model');
    assert.equal(logged.modelId, PRIMARY);
    assert.equal(logged.fallbackModelId, FALLBACK);
    assert.equal((await agentStatus()).fallback_answers, (answered as number) + 1);
  } finally {
    bedrock.throttleModel(PRIMARY, 0);
  }
});

test('once text was shown, a failing primary keeps the honest cut message: no fallback', async () => {
  const before = bedrock.requests.length;
  bedrock.streamExceptionNext(1, { type: 'throttlingException', afterChunks: 2 });
  const result = await invoke(bridge.url, { prompt: 'a long answer that breaks half way' });
  assert.equal(result.status, 502);
  assert.match(String(result.body.reply), /^Echo: /);
  assert.match(String(result.body.error), /cut off/);
  assert.deepEqual(since(before).map((r) => r.modelId), [PRIMARY]);
});

test('when the fallback is throttled too, the user gets the over-capacity line', async () => {
  bedrock.throttleModel(PRIMARY);
  bedrock.throttleModel(FALLBACK);
  try {
    const result = await invoke(bridge.url, { prompt: 'anyone?' });
    assert.equal(result.status, 502);
    assert.match(String(result.body.error), /over capacity/);
  } finally {
    bedrock.throttleModel(PRIMARY, 0);
    bedrock.throttleModel(FALLBACK, 0);
  }
  assert.equal((await invoke(bridge.url, { prompt: 'back to normal' })).body.reply, 'Echo: back to normal');
  assert.equal(bedrock.requests.at(-1)!.modelId, PRIMARY, 'the next turn starts on the primary again');
});
