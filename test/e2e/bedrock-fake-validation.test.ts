// Proves the fake Bedrock's newer checks and controls with the real SDK, so bot tests built on
// them mean something: guardrailConfig shape per operation, cache point rules and prefix-based
// cache accounting, the Message rules for files, the echo of files, and throttleModel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConverseCommand, ConverseStreamCommand, ThrottlingException, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import type { ContentBlock, ConverseCommandInput, Message } from '@aws-sdk/client-bedrock-runtime';
import { drain, MODEL_ID, setup, userSays } from '../fakes/bedrock-client.js';
import { jpegBytes, pdfBytes, pngBytes } from '../fakes/bedrock/sample-files.js';

const NOVA = 'amazon.nova-lite-v1:0';
const cachePoint = { cachePoint: { type: 'default' as const } };
const tools = [{ toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object' } } } }];
const png = (bytes = pngBytes()): ContentBlock => ({ image: { format: 'png', source: { bytes } } });
const pdf = (name: string): ContentBlock => ({ document: { format: 'pdf', name, source: { bytes: pdfBytes() } } });

const rejected: Array<[string, Partial<ConverseCommandInput>, RegExp]> = [
  ['a guardrail id with capitals', { guardrailConfig: { guardrailIdentifier: 'MyGuardrail', guardrailVersion: '1' } }, /guardrailIdentifier/],
  ['a guardrail version 0', { guardrailConfig: { guardrailIdentifier: 'gr1', guardrailVersion: '0' } }, /guardrailVersion/],
  // (streamProcessingMode on Converse cannot be tested here: the SDK's serializer drops members
  // GuardrailConfiguration does not have; the fake still refuses it from other clients.)
  ['five cache points', { system: [{ text: 's' }, cachePoint, { text: 't' }, cachePoint], messages: [{ role: 'user', content: [{ text: 'a' }, cachePoint, { text: 'b' }, cachePoint, { text: 'c' }, cachePoint] }] }, /maximum of 4 cachePoint/],
  ['a message of only a cache point', { messages: [{ role: 'user', content: [cachePoint] }] }, /only a cachePoint/],
  ['a document with no text block beside it', { messages: [{ role: 'user', content: [pdf('report')] }] }, /must also include a text block/],
  ['guardContent does not count as that text block', { messages: [{ role: 'user', content: [pdf('report'), { guardContent: { text: { text: 'q' } } }] }] }, /must also include a text block/],
  ['an image from the assistant', { messages: [...userSays('hi'), { role: 'assistant', content: [png()] }, ...userSays('ok')] }, /only a user message/],
  ['two documents with one name', { messages: [{ role: 'user', content: [pdf('report'), pdf('report'), { text: 'q' }] }] }, /must be unique/],
  ['a 201-character document name', { messages: [{ role: 'user', content: [pdf('a'.repeat(201)), { text: 'q' }] }] }, /file name/],
  ['JPEG bytes declared as png', { messages: [{ role: 'user', content: [png(jpegBytes()), { text: 'q' }] }] }, /does not match the provided format png/],
  ['blank guardContent', { messages: [{ role: 'user', content: [{ guardContent: { text: { text: ' ' } } }] }] }, /guardContent/],
];

void test('requests Bedrock would refuse are ValidationExceptions', async (t) => {
  const { client } = await setup(t);
  for (const [label, input, pattern] of rejected) {
    await assert.rejects(
      client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('hello'), ...input })),
      (error: unknown) => error instanceof ValidationException && pattern.test(error.message),
      label,
    );
  }
});

void test('Nova takes cache points in system and messages but not among the tools', async (t) => {
  const { client } = await setup(t);
  const ok = await client.send(new ConverseCommand({ modelId: NOVA, system: [{ text: 's' }, cachePoint], messages: userSays('hi'), toolConfig: { tools } }));
  assert.ok((ok.usage?.cacheWriteInputTokens ?? 0) > 0);
  await assert.rejects(
    client.send(new ConverseCommand({ modelId: NOVA, messages: userSays('hi'), toolConfig: { tools: [...tools, cachePoint] } })),
    (error: unknown) => error instanceof ValidationException && /toolConfig\.tools/.test(error.message),
  );
});

void test('ConverseStream takes a guardrail with streamProcessingMode, and the echo reads guardContent', async (t) => {
  const { client } = await setup(t);
  const messages: Message[] = [{ role: 'user', content: [{ guardContent: { text: { text: 'guarded question' } } }] }];
  const guardrailConfig = { guardrailIdentifier: 'gr1', guardrailVersion: 'DRAFT', streamProcessingMode: 'sync' as const };
  const { text, error } = await drain(await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages, guardrailConfig })));
  assert.equal(error, undefined);
  assert.equal(text, 'Echo: guarded question');
});

void test('the echo names the images and documents the last user message carried', async (t) => {
  const { client } = await setup(t);
  const content: ContentBlock[] = [png(), { image: { format: 'jpeg', source: { bytes: jpegBytes() } } }, pdf('Q3 report'), { text: 'look' }];
  const out = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: [{ role: 'user', content }] }));
  assert.equal(out.output?.message?.content?.[0]?.text, 'Echo: look [images: 2 png, jpeg] [documents: Q3 report.pdf]');
});

void test('the cache is per model and by prefix: a longer history reads what the shorter one wrote', async (t) => {
  const { client } = await setup(t);
  const turn1: Message[] = [{ role: 'user', content: [{ text: 'q1 '.repeat(100) }, cachePoint] }];
  const write = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: turn1 }));
  const turn2: Message[] = [{ role: 'user', content: [{ text: 'q1 '.repeat(100) }] }, { role: 'assistant', content: [{ text: 'a1' }, cachePoint] }, ...userSays('q2')];
  const read = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: turn2 }));
  assert.equal(read.usage?.cacheReadInputTokens, write.usage?.cacheWriteInputTokens, 'the first turn is read back through the look-back');
  assert.ok((read.usage?.cacheWriteInputTokens ?? 0) > 0, 'the new part is written');
  const other = await client.send(new ConverseCommand({ modelId: 'anthropic.claude-sonnet-4-20250514-v1:0', messages: turn1 }));
  assert.equal(other.usage?.cacheReadInputTokens, undefined, 'another model has its own cache');
});

void test('throttleModel throttles one model id and leaves the fault queue to the others', async (t) => {
  const { fake, client } = await setup(t, { maxAttempts: 1 });
  fake.throttleModel(MODEL_ID, 2);
  fake.guardrailNext(1);
  await assert.rejects(client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('a') })), ThrottlingException);
  const other = await client.send(new ConverseCommand({ modelId: NOVA, messages: userSays('b') }));
  assert.equal(other.stopReason, 'guardrail_intervened', 'the queued fault went to the first request that was not throttled');
  await assert.rejects(client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('c') })), ThrottlingException);
  const after = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('d') }));
  assert.equal(after.output?.message?.content?.[0]?.text, 'Echo: d');
  fake.throttleModel(MODEL_ID);
  await assert.rejects(client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('e') })), ThrottlingException);
  fake.throttleModel(MODEL_ID, 0);
  assert.equal((await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('f') }))).stopReason, 'end_turn');
});
