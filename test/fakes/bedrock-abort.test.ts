// Proves what an abortSignal does to a silent Bedrock call through the real SDK over keep-alive
// HTTP/1.1 (the bot's handler): the wait ends at once, the socket is destroyed rather than pooled,
// the SDK does not retry, and the fake drops the held request and records that the client left.
// Over h2c the same abort ends the stream quietly instead, which is why the agent trusts its own deadline state.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { eventually } from '../helpers/wait.js';
import { drain, kinds, MODEL_ID, setup, userSays } from './bedrock-client.js';

function keepAliveClientSetup(t: Parameters<typeof setup>[0]) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const sockets = () => ({ inUse: Object.values(agent.sockets).flat().length, free: Object.values(agent.freeSockets).flat().length });
  return { agent, sockets, ready: setup(t, { requestHandler: new NodeHttpHandler({ httpAgent: agent }) }) };
}

void test('aborting a stream that went silent after a delta ends the for-await and destroys the keep-alive socket', async (t) => {
  const { sockets, ready } = keepAliveClientSetup(t);
  const { fake, client } = await ready;
  const hold = fake.holdNext(1, { afterChunks: 1 });
  const abort = new AbortController();
  const response = await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('silent after a delta') }), { abortSignal: abort.signal });
  const reading = drain(response);
  await hold.reached();
  assert.deepEqual(sockets(), { inUse: 1, free: 0 });
  abort.abort(new Error('deadline'));
  const { text, error } = await reading;
  assert.equal(text, 'Echo: sile');
  // Node's ClientRequest.destroy() destroys the socket, and its close listener destroys the unfinished response.
  assert.equal((error as { code?: string }).code, 'ECONNRESET');
  assert.deepEqual(sockets(), { inUse: 0, free: 0 }, 'the aborted socket is not returned to the pool');
  await eventually(() => (fake.requests[0]?.clientGone === true ? true : undefined), 2000, 'the fake saw the client go');
  assert.equal(hold.waiting, 0, 'the fake no longer holds the abandoned request');
  // The next call takes a fresh socket and is answered.
  const next = await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('after the abort') }));
  assert.equal(next.output?.message?.content?.[0]?.text, 'Echo: after the abort');
  assert.equal(fake.requests[1]?.clientGone, false);
});

void test('aborting a call still waiting for its headers rejects with AbortError and is not retried by the SDK', async (t) => {
  const { sockets, ready } = keepAliveClientSetup(t);
  const { fake, client } = await ready;
  const hold = fake.holdNext(2);
  const abort = new AbortController();
  const sent = client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('no headers') }), { abortSignal: abort.signal });
  await hold.reached(1);
  abort.abort(new Error('deadline'));
  await assert.rejects(sent, (error: Error & { $metadata?: { attempts?: number } }) => {
    assert.equal(error.name, 'AbortError');
    assert.equal((error.cause as Error).message, 'deadline');
    assert.equal(error.$metadata?.attempts, 1);
    return true;
  });
  await eventually(() => (fake.requests[0]?.clientGone === true ? true : undefined), 2000, 'the fake saw the client go');
  assert.equal(fake.requests.length, 1, 'no second attempt');
  assert.equal(hold.waiting, 0);
  assert.deepEqual(sockets(), { inUse: 0, free: 0 });
  hold.release();
});

void test('a client leaving during the latency pause is recorded too, and a finished answer is not', async (t) => {
  const { fake, client } = await setup(t, { requestHandler: new NodeHttpHandler() }, { latency: { firstChunkMs: 10_000 } });
  const abort = new AbortController();
  const sent = client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('slow') }), { abortSignal: abort.signal });
  await fake.waitForRequests(1);
  abort.abort();
  await assert.rejects(sent, { name: 'AbortError' });
  await eventually(() => (fake.requests[0]?.clientGone === true ? true : undefined), 2000, 'the fake saw the client go');
  fake.setLatency({ firstChunkMs: 0 });
  await client.send(new ConverseCommand({ modelId: MODEL_ID, messages: userSays('fast') }));
  assert.equal(fake.requests[1]?.clientGone, false);
});

void test('over h2c (the SDK default handler) an aborted stream just ends, with no error and no messageStop; the fake drops it', async (t) => {
  const { fake, client } = await setup(t);
  const hold = fake.holdNext(1, { afterChunks: 1 });
  const abort = new AbortController();
  const response = await client.send(new ConverseStreamCommand({ modelId: MODEL_ID, messages: userSays('silent over h2') }), { abortSignal: abort.signal });
  const reading = drain(response);
  await hold.reached();
  abort.abort(new Error('deadline'));
  // NodeHttp2Handler's abort handler calls stream.close(): the body ends cleanly, so only our own
  // deadline state (or the missing messageStop) can tell an abort from an answer.
  const { events, error } = await reading;
  assert.equal(error, undefined);
  assert.equal(kinds(events).includes('messageStop'), false);
  await eventually(() => (fake.requests[0]?.clientGone === true ? true : undefined), 2000, 'the fake saw the stream reset');
  assert.equal(fake.requests[0]?.httpVersion, '2.0');
  assert.equal(hold.waiting, 0);
});
