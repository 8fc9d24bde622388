// Proves how a round's request is shaped: cache points after system, tools and long history
// only for models that take them (and never among Nova's tools), the guardrail config for each
// operation, and which failures hand a turn to the fallback model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@aws-sdk/client-bedrock-runtime';
import { converseInput, converseStreamInput, type RequestSettings } from '../../src/agent/converse-request.js';
import { InStreamError } from '../../src/agent/converse-stream.js';
import { isModelUnavailable } from '../../src/agent/model-fallback.js';
import { ModelCutError } from '../../src/agent/index.js';
import { cacheSupportFor, historyCacheMinChars } from '../../src/agent/prompt-caching.js';

const settings = (overrides: Partial<RequestSettings> = {}): RequestSettings => ({
  systemPrompt: 'You are a test bot.',
  maxTokens: 100,
  temperature: undefined,
  promptCaching: 'auto',
  guardrail: undefined,
  ...overrides,
});
const tools = { tools: [{ toolSpec: { name: 't', inputSchema: { json: {} } } }] };
const cachePoint = { cachePoint: { type: 'default' } };
const history = (chars: number): Message[] => [
  { role: 'user', content: [{ text: 'q'.repeat(chars) }] },
  { role: 'assistant', content: [{ text: 'a' }] },
  { role: 'user', content: [{ text: 'now' }] },
];

test('cache support goes by model id in auto mode; on forces it; off never', () => {
  const yes = ['us.anthropic.claude-sonnet-4-6', 'anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    'global.anthropic.claude-opus-4-1-20250805-v1:0', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0'];
  for (const id of yes) assert.deepEqual(cacheSupportFor(id, 'auto'), { system: true, tools: true, messages: true }, id);
  for (const id of ['amazon.nova-pro-v1:0', 'us.amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0', 'us.amazon.nova-premier-v1:0']) {
    assert.deepEqual(cacheSupportFor(id, 'auto'), { system: true, tools: false, messages: true }, id);
    assert.equal(cacheSupportFor(id, 'on').tools, false, 'on keeps Nova off the tools');
  }
  const no = ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-sonnet-20240229-v1:0', 'meta.llama3-70b-instruct-v1:0',
    'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123'];
  for (const id of no) assert.deepEqual(cacheSupportFor(id, 'auto'), { system: false, tools: false, messages: false }, id);
  assert.deepEqual(cacheSupportFor(no[3]!, 'on'), { system: true, tools: true, messages: true });
  assert.deepEqual(cacheSupportFor(yes[0]!, 'off'), { system: false, tools: false, messages: false });
});

test('for Claude: cache points after the system prompt, after the tools, and after a long stable history', () => {
  const messages = history(historyCacheMinChars);
  const input = converseInput(settings(), { modelId: 'us.anthropic.claude-sonnet-4-6', messages, currentIndex: 2, toolConfig: tools });
  assert.deepEqual(input.system, [{ text: 'You are a test bot.' }, cachePoint]);
  assert.deepEqual(input.toolConfig?.tools?.at(-1), cachePoint);
  assert.equal(input.toolConfig?.tools?.length, 2);
  assert.deepEqual(input.messages?.[1]?.content, [{ text: 'a' }, cachePoint], 'the end of the last message before the current user turn');
  assert.deepEqual(input.messages?.[2]?.content, [{ text: 'now' }]);
  assert.deepEqual(messages[1]?.content, [{ text: 'a' }], 'the messages passed in stay clean');
});

test('a short history gets no message cache point; Nova gets none among tools; off gets none at all', () => {
  const short = converseInput(settings(), { modelId: 'us.anthropic.claude-sonnet-4-6', messages: history(100), currentIndex: 2, toolConfig: tools });
  assert.ok(!JSON.stringify(short.messages).includes('cachePoint'));
  const nova = converseInput(settings(), { modelId: 'amazon.nova-pro-v1:0', messages: history(historyCacheMinChars), currentIndex: 2, toolConfig: tools });
  assert.deepEqual(nova.system?.at(-1), cachePoint);
  assert.equal(nova.toolConfig?.tools?.length, 1);
  assert.ok(JSON.stringify(nova.messages).includes('cachePoint'));
  const off = converseInput(settings({ promptCaching: 'off' }), { modelId: 'us.anthropic.claude-sonnet-4-6', messages: history(historyCacheMinChars), currentIndex: 2, toolConfig: tools });
  assert.ok(!JSON.stringify(off).includes('cachePoint'));
  const first = converseInput(settings(), { modelId: 'us.anthropic.claude-sonnet-4-6', messages: history(0).slice(2), currentIndex: 0, toolConfig: undefined });
  assert.ok(!JSON.stringify(first.messages).includes('cachePoint'), 'no history, nothing to mark');
  assert.equal(first.toolConfig, undefined);
});

test('the guardrail goes on both operations; only the stream gets streamProcessingMode sync', () => {
  const guarded = settings({ guardrail: { id: 'gr1abc', version: 'DRAFT' } });
  const round = { modelId: 'meta.llama3-70b-instruct-v1:0', messages: history(10), currentIndex: 2, toolConfig: undefined };
  assert.deepEqual(converseInput(guarded, round).guardrailConfig, { guardrailIdentifier: 'gr1abc', guardrailVersion: 'DRAFT' });
  assert.deepEqual(converseStreamInput(guarded, round).guardrailConfig, { guardrailIdentifier: 'gr1abc', guardrailVersion: 'DRAFT', streamProcessingMode: 'sync' });
  assert.equal(converseInput(settings(), round).guardrailConfig, undefined);
  assert.ok(!('guardrailConfig' in converseStreamInput(settings(), round)));
});

test('the fallback takes over on throttling, unavailability and 5xx, not on bad requests or a cut after text', () => {
  const named = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }) });
  for (const name of ['ThrottlingException', 'ServiceUnavailableException', 'ModelNotReadyException', 'InternalServerException', 'ServiceQuotaExceededException']) {
    assert.ok(isModelUnavailable(named(name)), name);
  }
  assert.ok(isModelUnavailable(new InStreamError(named('ThrottlingException'))), 'an in-stream throttle that outlasted our retries');
  assert.ok(isModelUnavailable(named('SomethingNew', 502)));
  for (const error of [named('ValidationException', 400), named('AccessDeniedException', 403), named('ResourceNotFoundException', 404), new ModelCutError('cut after text'), 'boom']) {
    assert.ok(!isModelUnavailable(error), String(error));
  }
});
