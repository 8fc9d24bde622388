// Proves the fake Bedrock's fault controls look to the real SDK the way the service's failures do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConverseCommand, ConverseStreamCommand, ServiceUnavailableException, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import type { ConverseStreamOutput } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { drain, kinds, MODEL_ID, setup, userSays } from './bedrock-client.js';

const converse = (text: string): ConverseCommand => new ConverseCommand({ modelId: MODEL_ID, messages: userSays(text) });
const converseStream = (text: string): ConverseStreamCommand => new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays(text) });

void test('one 429 ThrottlingException is retried by the SDK and the second attempt succeeds', async (t) => {
  const { fake, client } = await setup(t);
  fake.throttleNext(1);
  const out = await client.send(converse('retry me'));
  assert.equal(out.output?.message?.content?.[0]?.text, 'Echo: retry me');
  assert.equal(out.$metadata.attempts, 2);
  assert.equal(fake.requests.length, 2);
});

void test('a persistent throttle surfaces as ThrottlingException after maxAttempts (3) requests', async (t) => {
  const { fake, client } = await setup(t);
  fake.throttleNext(3);
  await assert.rejects(client.send(converseStream('never')), (error: unknown) => {
    assert.ok(error instanceof ThrottlingException);
    assert.equal(error.$metadata.httpStatusCode, 429);
    assert.equal(error.$metadata.attempts, 3);
    return true;
  });
  assert.equal(fake.requests.length, 3);
});

void test('failNext answers with the chosen status and type; the SDK retries a 503 and gives up after 3', async (t) => {
  const { fake, client } = await setup(t);
  fake.failNext(1, { status: 503, type: 'ServiceUnavailableException' });
  const out = await client.send(converse('after a blip'));
  assert.equal(out.$metadata.attempts, 2);
  fake.failNext(3, { status: 503, type: 'ServiceUnavailableException', message: 'down for a moment' });
  await assert.rejects(client.send(converse('still down')), (error: unknown) => error instanceof ServiceUnavailableException && error.message === 'down for a moment');
  assert.equal(fake.requests.length, 5);
});

void test('an in-stream throttlingException is thrown from the stream iterator after the deltas before it', async (t) => {
  const { fake, client } = await setup(t);
  fake.streamExceptionNext(1, { type: 'throttlingException', afterChunks: 2 });
  const { events, text, error } = await drain(await client.send(converseStream('a fairly long question here')));
  assert.ok(error instanceof ThrottlingException, `expected ThrottlingException, got ${String(error)}`);
  assert.deepEqual(kinds(events), ['messageStart', 'contentBlockDelta', 'contentBlockDelta']);
  assert.equal(text, 'Echo: a fairly long ');
  assert.equal(fake.requests.length, 1, 'an exception inside the stream is not retried');
});

void test("a cut in 'end' mode ends the iterator quietly, with no messageStop or metadata", async (t) => {
  const { fake, client } = await setup(t);
  fake.cutStreamNext(1, { afterChunks: 1, mode: 'end' });
  const { events, error } = await drain(await client.send(converseStream('cut me off please')));
  assert.equal(error, undefined);
  assert.deepEqual(kinds(events), ['messageStart', 'contentBlockDelta']);
  assert.equal(fake.requests.length, 1);
});

void test("a cut in 'reset' mode throws from the iterator: RST_STREAM over h2, a dead socket over HTTP/1.1", async (t) => {
  const { fake, client } = await setup(t);
  fake.cutStreamNext(1, { afterChunks: 1, mode: 'reset' });
  const h2 = await drain(await client.send(converseStream('reset me please')));
  assert.equal((h2.error as { code?: string } | undefined)?.code, 'ERR_HTTP2_STREAM_ERROR');
  assert.deepEqual(kinds(h2.events), ['messageStart', 'contentBlockDelta']);

  const { fake: fake1, client: client1 } = await setup(t, { requestHandler: new NodeHttpHandler() });
  fake1.cutStreamNext(1, { afterChunks: 1, mode: 'reset' });
  const h1 = await drain(await client1.send(converseStream('reset me please')));
  assert.equal((h1.error as { code?: string } | undefined)?.code, 'ECONNRESET');
  assert.deepEqual(kinds(h1.events), ['messageStart', 'contentBlockDelta']);
  assert.equal(fake.requests.length + fake1.requests.length, 2);
});

void test('holdNext keeps a request in flight until released, then it is answered', async (t) => {
  const { fake, client } = await setup(t);
  const hold = fake.holdNext(1);
  let settled = false;
  const pending = client.send(converse('wait for it')).finally(() => (settled = true));
  await hold.reached();
  assert.equal(hold.waiting, 1);
  assert.equal(fake.requests.length, 1);
  assert.equal(settled, false);
  hold.release();
  const out = await pending;
  assert.equal(out.output?.message?.content?.[0]?.text, 'Echo: wait for it');
  assert.equal(hold.waiting, 0);
});

void test('holdNext with afterChunks pauses a stream mid-answer; close() then ends it like a dropped connection', async (t) => {
  const { fake, client } = await setup(t);
  const hold = fake.holdNext(1, { afterChunks: 1 });
  const response = await client.send(converseStream('interrupted by shutdown'));
  const iterator = response.stream![Symbol.asyncIterator]();
  const next = async (): Promise<ConverseStreamOutput | undefined> => (await iterator.next()).value as ConverseStreamOutput | undefined;
  assert.ok((await next())?.messageStart);
  assert.equal((await next())?.contentBlockDelta?.delta?.text, 'Echo: inte');
  await hold.reached();
  assert.equal(hold.waiting, 1);
  await fake.close();
  // Destroying the h2 session is a dropped TCP connection: no error, only the missing messageStop.
  assert.equal(await next(), undefined);
});

void test('setLatency delays the first delta, and metadata reports the latency', async (t) => {
  const { fake, client } = await setup(t, {}, { latency: { perChunkMs: 1 } });
  fake.setLatency({ firstChunkMs: 25 });
  const { events } = await drain(await client.send(converseStream('slow')));
  assert.ok((events.at(-1)?.metadata?.metrics?.latencyMs ?? 0) >= 25);
});

void test('waitForRequests resolves on arrival and rejects on timeout', async (t) => {
  const { fake, client } = await setup(t);
  const arrived = fake.waitForRequests(1, 5000);
  await client.send(converse('count me'));
  assert.equal((await arrived).length, 1);
  await assert.rejects(fake.waitForRequests(2, 10), /saw 1 of 2 requests/);
});
