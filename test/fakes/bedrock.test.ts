// Proves the fake Bedrock speaks the wire the real BedrockRuntimeClient expects, over h2c and HTTP/1.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, ValidationException } from '@aws-sdk/client-bedrock-runtime';
import type { Message, Tool } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startFakeBedrock } from './bedrock/index.js';
import { credentials, drain, kinds, MODEL_ID, setup, userSays } from './bedrock-client.js';

const PROFILE_ARN = `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${MODEL_ID}`;
const tools: Tool[] = [{ toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object', properties: {} } } } }];

void test('Converse over the default HTTP/2 handler answers with the echo, usage and metrics', async (t) => {
  const { fake, client } = await setup(t);
  const out = await client.send(new ConverseCommand({ modelId: PROFILE_ARN, messages: userSays('hello there') }));
  assert.deepEqual(out.output?.message, { role: 'assistant', content: [{ text: 'Echo: hello there' }] });
  assert.equal(out.stopReason, 'end_turn');
  const usage = out.usage!;
  assert.equal(usage.totalTokens, usage.inputTokens! + usage.outputTokens!);
  assert.equal(usage.outputTokens, Math.ceil('Echo: hello there'.length / 4));
  assert.equal(typeof out.metrics?.latencyMs, 'number');
  const [request] = fake.requests;
  assert.equal(request?.operation, 'converse');
  assert.equal(request.modelId, PROFILE_ARN);
  assert.equal(request.httpVersion, '2.0');
  assert.match(String(request.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDFAKEBEDROCK\//);
});

void test('ConverseStream over HTTP/2 streams several deltas, then messageStop and metadata', async (t) => {
  const { fake, client } = await setup(t);
  const response = await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('tell me a long story') }));
  const { events, text, error } = await drain(response);
  assert.equal(error, undefined);
  assert.equal(text, 'Echo: tell me a long story');
  assert.deepEqual(kinds(events), ['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
  assert.deepEqual(events[0]?.messageStart, { role: 'assistant' });
  assert.equal(events.at(-2)?.messageStop?.stopReason, 'end_turn');
  assert.ok((events.at(-1)?.metadata?.usage?.outputTokens ?? 0) > 0);
  assert.equal(fake.requests[0]?.operation, 'converseStream');
  assert.equal(fake.requests[0]?.httpVersion, '2.0');
});

void test('both operations work over an HTTP/1.1 NodeHttpHandler on the same port', async (t) => {
  const { fake, client } = await setup(t, { requestHandler: new NodeHttpHandler() });
  const out = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('over h1') }));
  assert.equal(out.output?.message?.content?.[0]?.text, 'Echo: over h1');
  const { text, events } = await drain(await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('stream over h1') })));
  assert.equal(text, 'Echo: stream over h1');
  assert.ok(kinds(events).includes('messageStop'));
  assert.deepEqual(fake.requests.map((r) => r.httpVersion), ['1.1', '1.1']);
});

void test('AWS_ENDPOINT_URL_BEDROCK_RUNTIME alone points a client with no endpoint at the fake', async (t) => {
  const fake = await startFakeBedrock();
  const saved = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
  process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = fake.url;
  const client = new BedrockRuntimeClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
  t.after(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME;
    else process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = saved;
    client.destroy();
    await fake.close();
  });
  const out = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('via env') }));
  assert.equal(out.output?.message?.content?.[0]?.text, 'Echo: via env');
  assert.equal(fake.requests.length, 1);
});

void test('tool use round trip: a streamed toolUse, then the toolResult comes back as text', async (t) => {
  const { fake, client } = await setup(t);
  const question: Message = { role: 'user', content: [{ text: '[tool:get_time] what time is it?' }] };
  const first = await drain(await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: [question], toolConfig: { tools } })));
  assert.equal(first.error, undefined);
  const start = first.events.find((e) => e.contentBlockStart)?.contentBlockStart;
  const toolUseId = start?.start?.toolUse?.toolUseId ?? '';
  assert.equal(start?.start?.toolUse?.name, 'get_time');
  assert.ok(toolUseId.length > 0);
  const input = first.events.map((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? '').join('');
  assert.deepEqual(JSON.parse(input), {});
  assert.equal(first.events.find((e) => e.messageStop)?.messageStop?.stopReason, 'tool_use');

  const messages: Message[] = [
    question,
    { role: 'assistant', content: [{ toolUse: { toolUseId, name: 'get_time', input: {} } }] },
    { role: 'user', content: [{ toolResult: { toolUseId, content: [{ json: { now: '12:00' } }] } }] },
  ];
  const second = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages, toolConfig: { tools } }));
  assert.equal(second.output?.message?.content?.[0]?.text, 'Tool result: [{"json":{"now":"12:00"}}]');
  assert.equal(fake.requests.length, 2);
});

void test('asking for a tool the toolConfig does not list is a ValidationException', async (t) => {
  const { client } = await setup(t);
  await assert.rejects(
    client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('[tool:launch] go'), toolConfig: { tools } })),
    (error: unknown) => error instanceof ValidationException && /launch/.test(error.message),
  );
});

const png = (bytes = 8): { image: { format: 'png'; source: { bytes: Uint8Array } } } => ({ image: { format: 'png', source: { bytes: new Uint8Array(bytes) } } });
const invalidHistories: Array<[string, Message[], RegExp]> = [
  ['roles not alternating', [...userSays('one'), ...userSays('two')], /alternate between user and assistant/],
  ['first message from the assistant', [{ role: 'assistant', content: [{ text: 'hi' }] }], /start with a user message/],
  ['a whitespace-only text block', userSays('  \n'), /messages\.0\.content\.0 is blank/],
  ['an image in an unknown format', [{ role: 'user', content: [{ image: { format: 'bmp' as 'png', source: { bytes: new Uint8Array(4) } } }] }], /png, jpeg, gif, webp/],
  ['21 images', [{ role: 'user', content: Array.from({ length: 21 }, () => png()) }], /Too many images/],
  ['an image over 3.75 MB', [{ role: 'user', content: [png(3.75 * 1024 * 1024 + 1)] }], /larger than the maximum/],
  ['a document name with a dot', [{ role: 'user', content: [{ document: { format: 'pdf', name: 'report.pdf', source: { bytes: new Uint8Array(4) } } }] }], /file name/],
  ['a document name with two spaces', [{ role: 'user', content: [{ document: { format: 'txt', name: 'my  notes', source: { bytes: new Uint8Array(4) } } }] }], /consecutive whitespace/],
  ['a toolResult for an unknown toolUseId', [
    ...userSays('[tool:get_time]'),
    { role: 'assistant', content: [{ toolUse: { toolUseId: 'tooluse_a', name: 'get_time', input: {} } }] },
    { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_b', content: [{ text: 'x' }] } }] },
  ], /tooluse_b .* does not match/],
];

void test('histories Bedrock rejects surface as ValidationException, each sent once', async (t) => {
  const { fake, client } = await setup(t);
  for (const [label, messages, pattern] of invalidHistories) {
    await assert.rejects(
      client.send(new ConverseCommand({ modelId: MODEL_ID, messages, toolConfig: { tools } })),
      (error: unknown) => error instanceof ValidationException && error.$metadata.httpStatusCode === 400 && pattern.test(error.message),
      label,
    );
  }
  assert.equal(fake.requests.length, invalidHistories.length, 'the SDK does not retry a ValidationException');
});

void test('a cachePoint writes the prompt cache on the first request and reads it on the next', async (t) => {
  const { client } = await setup(t);
  const system = [{ text: 'You are a helpful bot.' }, { cachePoint: { type: 'default' as const } }];
  const first = await client.send(new ConverseCommand({ modelId: MODEL_ID, system, messages: userSays('one') }));
  const second = await client.send(new ConverseCommand({ modelId: MODEL_ID, system, messages: userSays('two') }));
  assert.ok((first.usage?.cacheWriteInputTokens ?? 0) > 0);
  assert.equal(first.usage?.cacheReadInputTokens, undefined);
  assert.equal(second.usage?.cacheReadInputTokens, first.usage?.cacheWriteInputTokens);
  assert.equal(second.usage?.cacheWriteInputTokens, undefined);
});

void test('a custom responder streams its chunks verbatim; guardrailNext overrides it once', async (t) => {
  const { fake, client } = await setup(t, {}, { respond: () => ({ chunks: ['Hel', 'lo', '!'], usage: { inputTokens: 7 } }) });
  fake.guardrailNext(1, { text: 'Blocked by policy.' });
  const blocked = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('something bad') }));
  assert.equal(blocked.stopReason, 'guardrail_intervened');
  assert.equal(blocked.output?.message?.content?.[0]?.text, 'Blocked by policy.');
  const { events, text } = await drain(await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('hi') })));
  assert.equal(text, 'Hello!');
  assert.deepEqual(events.flatMap((e) => e.contentBlockDelta?.delta?.text ?? []), ['Hel', 'lo', '!']);
  assert.equal(events.at(-1)?.metadata?.usage?.inputTokens, 7);
});
