// Proves the guardrail, prompt caching and the fallback model on the non-streaming Converse
// path (BEDROCK_STREAMING=false), through the real BedrockAgent and SDK against the fake: the
// guardrail config Converse takes (no streamProcessingMode), an intervention with no message,
// cache tokens from Converse usage, and a fallback after 5xx answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { BedrockAgent, ToolRegistry, currentTimeTool, type ChatResult } from '../../src/agent/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger, Redactor } from '../../src/log/index.js';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';

const PRIMARY = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const FALLBACK = 'anthropic.claude-3-5-haiku-20241022-v1:0';
let bedrock: FakeBedrock;
let client: BedrockRuntimeClient;
let agent: BedrockAgent;
const logLines: string[] = [];

before(async () => {
  bedrock = await startFakeBedrock({ models: [PRIMARY, FALLBACK] });
  client = new BedrockRuntimeClient({ endpoint: bedrock.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 2 });
  const { agent: config } = await loadConfig({
    BEDROCK_MODEL_ID: PRIMARY,
    BEDROCK_STREAMING: 'false',
    BEDROCK_GUARDRAIL_ID: 'arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123',
    BEDROCK_GUARDRAIL_VERSION: '2',
    BEDROCK_FALLBACK_MODEL_ID: FALLBACK,
  });
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  agent = new BedrockAgent(config, new ToolRegistry([currentTimeTool]), createLogger({ level: 'debug', redactor: new Redactor(), stream }), client);
});
after(async () => {
  client.destroy();
  await bedrock.close();
});

const ask = (prompt: string): Promise<ChatResult> =>
  agent.reply({ conversationKey: 'test:converse', history: [], prompt, onDelta: () => undefined, signal: AbortSignal.timeout(10_000) });

test('Converse gets the guardrail without streamProcessingMode, and cache tokens come from its usage', async () => {
  const first = await ask('hello');
  const second = await ask('hello again');
  assert.equal(second.text, 'Echo: hello again');
  assert.equal(second.modelId, PRIMARY);
  const request = bedrock.requests.at(-1)!;
  assert.equal(request.operation, 'converse');
  assert.deepEqual(request.body.guardrailConfig, { guardrailIdentifier: 'arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123', guardrailVersion: '2' });
  assert.ok(first.usage.cacheWriteInputTokens > 0);
  assert.ok(second.usage.cacheReadInputTokens > 0);
  assert.equal(agent.stats().usage.cacheReadInputTokens, second.usage.cacheReadInputTokens);
});

test('an intervention with no message text still tells the user, and is flagged and counted', async () => {
  bedrock.guardrailNext(1, { text: '' });
  const result = await ask('blocked');
  assert.equal(result.text, '');
  assert.equal(result.guardrailIntervened, true);
  assert.deepEqual(result.notices, ['A content guardrail blocked this request.']);
  assert.equal(agent.stats().guardrailInterventions, 1);
});

test('a primary answering 503 after the SDK retries hands the turn to the fallback', async () => {
  const before = bedrock.requests.length;
  bedrock.failNext(2, { status: 503, type: 'ServiceUnavailableException' });
  const result = await ask('still there?');
  assert.equal(result.text, 'Echo: still there?');
  assert.equal(result.modelId, FALLBACK);
  assert.deepEqual(bedrock.requests.slice(before).map((r) => r.modelId), [PRIMARY, PRIMARY, FALLBACK]);
  assert.equal(agent.stats().fallbackAnswers, 1);
  assert.equal(agent.stats().fallbackModelId, FALLBACK);
  assert.ok(logLines.some((line) => line.includes('answering with the fallback model') && line.includes('ServiceUnavailableException')));
});

test('a request the primary rejects as invalid is not retried on the fallback', async () => {
  const before = bedrock.requests.length;
  bedrock.failNext(1, { status: 400, type: 'ValidationException', message: 'bad request' });
  await assert.rejects(ask('x'), /bad request/);
  assert.deepEqual(bedrock.requests.slice(before).map((r) => r.modelId), [PRIMARY]);
});
