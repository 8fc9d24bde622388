// Proves the fake's Socket Mode wire with a bare WebSocket: frames, tickets, pings, delivery, acks and faults.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startFakeSlack } from './index.js';
import type { FakeSlack } from './index.js';

type Frame = Record<string, unknown> & { type?: string; envelope_id?: string; payload?: Record<string, unknown> };

/** A bare client that keeps every frame and lets a test wait for one. */
class RawClient {
  readonly frames: Frame[] = [];
  readonly #waiting = new Set<() => void>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame);
      for (const wake of this.#waiting) wake();
    });
  }

  frame(predicate: (frame: Frame) => boolean): Promise<Frame> {
    return new Promise((resolve) => {
      const check = (): void => {
        const found = this.frames.find(predicate);
        if (found === undefined) return;
        this.#waiting.delete(check);
        resolve(found);
      };
      this.#waiting.add(check);
      check();
    });
  }

  ack(frame: Frame, payload: unknown = {}): void {
    this.ws.send(JSON.stringify({ envelope_id: frame.envelope_id, payload }));
  }
}

async function openUrl(fake: FakeSlack): Promise<string> {
  const response = await fetch(`${fake.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fake.tokens.app}` },
  });
  const body = (await response.json()) as { ok: boolean; url?: string };
  assert.equal(body.ok, true);
  return body.url ?? '';
}

async function connect(fake: FakeSlack): Promise<RawClient> {
  const client = new RawClient(new WebSocket(await openUrl(fake)));
  await client.frame((f) => f.type === 'hello');
  return client;
}

async function refusedStatus(url: string): Promise<number> {
  const ws = new WebSocket(url);
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  // Ending a socket still in its handshake makes ws emit 'error'; here that is the expected end.
  ws.on('error', () => undefined);
  ws.terminate();
  return response.statusCode;
}

const mention = { type: 'app_mention', user: 'UALICE', text: '<@UBOT> hi', ts: '1700000000.000100', channel: 'CGENERAL' };

describe('fake Slack Socket Mode', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack({ serverPingIntervalMs: 20 });
  });
  afterEach(() => fake.close());

  it('greets with Slack’s hello, pings, and honours each ticket once', async () => {
    const url = await openUrl(fake);
    const client = new RawClient(new WebSocket(url));
    const hello = await client.frame((f) => f.type === 'hello');
    assert.deepEqual(hello, {
      type: 'hello',
      num_connections: 1,
      debug_info: { host: 'fake', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: 'A0FAKE' },
    });
    await once(client.ws, 'ping');
    await once(client.ws, 'ping');
    assert.equal(await refusedStatus(url), 401);
    assert.equal(fake.connectionCount, 1);
  });

  it('queues events until a socket opens, wraps them as events_api and times the ack', async () => {
    const delivery = fake.sendEvent(mention);
    const client = await connect(fake);
    const envelope = await client.frame((f) => f.type === 'events_api');
    assert.deepEqual(Object.keys(envelope).sort(), ['accepts_response_payload', 'envelope_id', 'payload', 'retry_attempt', 'retry_reason', 'type']);
    assert.equal(envelope.envelope_id, delivery.envelopeId);
    assert.equal(envelope.retry_attempt, 0);
    assert.equal(envelope.retry_reason, '');
    assert.equal(envelope.accepts_response_payload, false);
    assert.deepEqual(envelope.payload?.event, mention);
    assert.equal(envelope.payload?.type, 'event_callback');
    assert.equal(envelope.payload?.event_id, delivery.eventId);
    assert.deepEqual(envelope.payload?.authorizations, [
      { enterprise_id: null, team_id: 'TFAKE', user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ]);
    client.ack(envelope);
    const { latencyMs } = await delivery.acked;
    assert.ok(latencyMs >= 0);
    assert.deepEqual(fake.acks.map((a) => [a.envelopeId, a.payload]), [[delivery.envelopeId, {}]]);
  });

  it('spreads events over open sockets and redelivers with the same event_id', async () => {
    const [a, b] = [await connect(fake), await connect(fake)];
    const first = fake.sendEvent(mention);
    fake.sendEvent(mention);
    await a.frame((f) => f.type === 'events_api');
    await b.frame((f) => f.type === 'events_api');
    assert.deepEqual(fake.socket.sent.map((s) => s.connectionId), [1, 2]);
    const retry = fake.redeliver(first.eventId ?? '');
    const envelope = await a.frame((f) => f.envelope_id === retry.envelopeId);
    assert.notEqual(retry.envelopeId, first.envelopeId);
    assert.equal(envelope.payload?.event_id, first.eventId);
    assert.equal(envelope.retry_attempt, 1);
    assert.equal(envelope.retry_reason, 'timeout');
  });

  it('sends Slack’s disconnect frame, stops using that socket and closes it shortly after', async () => {
    const client = await connect(fake);
    fake.sendDisconnect('warning', 30);
    const frame = await client.frame((f) => f.type === 'disconnect');
    assert.deepEqual(frame, { type: 'disconnect', reason: 'warning', debug_info: { host: 'fake' } });
    assert.equal(fake.connectionCount, 0);
    const [code] = (await once(client.ws, 'close')) as [number];
    assert.equal(code, 1001);
  });

  it('drops sockets without a close frame and refuses new ones on demand', async () => {
    const client = await connect(fake);
    fake.dropConnections();
    const [code] = (await once(client.ws, 'close')) as [number];
    assert.equal(code, 1006);
    fake.refuseConnections(true);
    assert.equal(await refusedStatus(await openUrl(fake)), 503);
    fake.refuseConnections(false);
    fake.refuseConnections(true, 'open');
    const refused = await fetch(`${fake.apiUrl}apps.connections.open`, { method: 'POST', headers: { authorization: `Bearer ${fake.tokens.app}` } });
    assert.equal(refused.status, 503);
    fake.refuseConnections(false, 'open');
    await connect(fake);
  });

  it('keeps a silent socket open but deaf, and serves a new one meanwhile', async () => {
    const dead = await connect(fake);
    fake.setSilent(true);
    let ponged = false;
    dead.ws.on('pong', () => (ponged = true));
    dead.ws.ping();
    const delivery = fake.sendEvent(mention);
    const fresh = await connect(fake);
    const envelope = await fresh.frame((f) => f.type === 'events_api');
    fresh.ack(envelope);
    await delivery.acked;
    assert.equal(ponged, false);
    assert.equal(dead.frames.some((f) => f.type === 'events_api'), false);
    fake.setSilent(false);
    await once(dead.ws, 'pong');
  });

  it('turns user messages into the events an app_mention + message.im app receives', async () => {
    const client = await connect(fake);
    const quiet = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'no mention here' });
    await assert.rejects(quiet.acked, /no event/);
    assert.equal(quiet.eventId, null);
    const reply = fake.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: '<@UBOT> too', threadTs: quiet.ts });
    const mentionFrame = await client.frame((f) => f.envelope_id === reply.envelopeId);
    const event = mentionFrame.payload?.event as Record<string, unknown>;
    assert.equal(event.type, 'app_mention');
    assert.equal(event.thread_ts, quiet.ts);
    assert.equal(event.parent_user_id, 'UALICE');
    assert.equal(event.channel_type, undefined);
    const dm = fake.postUserMessage({ channel: 'DBOB', channelType: 'im', user: 'UBOB', text: 'file', files: [{ id: 'F1' }] });
    const dmFrame = await client.frame((f) => f.envelope_id === dm.envelopeId);
    const dmEvent = dmFrame.payload?.event as Record<string, unknown>;
    assert.deepEqual([dmEvent.type, dmEvent.channel_type, dmEvent.subtype], ['message', 'im', 'file_share']);
  });

  it('sends slash commands that accept a response payload and records response_url posts', async () => {
    const client = await connect(fake);
    const delivery = fake.sendSlashCommand({ command: '/ask', text: 'why', user: 'UALICE', channel: 'CGENERAL' });
    const envelope = await client.frame((f) => f.envelope_id === delivery.envelopeId);
    assert.equal(envelope.type, 'slash_commands');
    assert.equal(envelope.accepts_response_payload, true);
    assert.equal(envelope.payload?.command, '/ask');
    assert.equal(envelope.payload?.user_name, 'alice');
    const responseUrl = String(envelope.payload?.response_url);
    assert.ok(responseUrl.startsWith(fake.apiUrl.replace(/api\/$/, 'commands/')));
    client.ack(envelope, { text: 'working on it' });
    await delivery.acked;
    assert.deepEqual(fake.acks.at(-1)?.payload, { text: 'working on it' });
    await fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'done' }) });
    assert.deepEqual(fake.responseUrlPosts.map((p) => p.body), [{ text: 'done' }]);
  });
});
