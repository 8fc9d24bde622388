// Proves the fake's outage control: REST (all routes or some) and gateway upgrades get a 5xx page for a
// while, are recorded, and answer normally once the outage ends (by itself or by end()).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { startFakeDiscord } from './index.js';

test('a REST outage answers 502 pages for its duration, even to bad tokens, then normal answers', async (t) => {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const get = (path: string, token = fake.token) => fetch(`${fake.apiUrl}/v10${path}`, { headers: { authorization: `Bot ${token}` } });
  const outage = fake.startOutage({ forMs: 300 });
  const during = await get('/gateway/bot');
  assert.deepEqual([during.status, during.headers.get('content-type')], [502, 'text/html']);
  assert.match(await during.text(), /502/);
  assert.equal((await get('/users/@me', 'wrong')).status, 502, 'the edge answers before the token is checked');
  const endedAt = await outage.ended;
  assert.equal(outage.endedAt, endedAt);
  assert.equal((await get('/gateway/bot')).status, 200);
  assert.deepEqual(fake.calls.map((c) => c.status), [502, 502, 200]);
});

test('an outage can cover some routes only, and the gateway upgrade, until end()', async (t) => {
  const fake = await startFakeDiscord();
  t.after(() => fake.close());
  const outage = fake.startOutage({ status: 503, rest: { method: 'GET', path: '/gateway/bot' }, gateway: true });
  const get = (path: string) => fetch(`${fake.apiUrl}/v10${path}`, { headers: { authorization: `Bot ${fake.token}` } });
  assert.equal((await get('/gateway/bot')).status, 503);
  assert.equal((await get('/users/@me')).status, 200);
  const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
  ws.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  ws.terminate();
  assert.equal(status, 503);
  outage.end();
  assert.equal((await get('/gateway/bot')).status, 200);
  const open = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
  await new Promise((resolve, reject) => open.once('message', resolve).once('error', reject));
  open.terminate();
  assert.deepEqual(fake.upgrades.map((u) => u.accepted), [false, true]);
});
