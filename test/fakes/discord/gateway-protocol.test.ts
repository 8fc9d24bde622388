// Proves the fake's Gateway wire protocol with a raw socket: payload shapes, close codes, RESUME replay,
// buffering while disconnected, intents and MESSAGE_CONTENT, compression, silence and refusal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { type FakeDiscord, type FakeDiscordOptions, Intent, startFakeDiscord } from './index.js';
import { type Payload, RawGateway } from './raw-gateway.js';

const BOT_INTENTS = Intent.Guilds | Intent.GuildMessages | Intent.DirectMessages | Intent.MessageContent;

async function fakeFor(t: TestContext, options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = await startFakeDiscord(options);
  t.after(() => fake.close());
  return fake;
}

async function open(t: TestContext, fake: FakeDiscord, query?: string): Promise<RawGateway> {
  const gateway = await RawGateway.open(fake.gatewayUrl, query);
  t.after(() => gateway.ws.terminate());
  await gateway.next((p) => p.op === 10);
  return gateway;
}

async function ready(t: TestContext, fake: FakeDiscord, intents = BOT_INTENTS): Promise<{ gateway: RawGateway; sessionId: string }> {
  const gateway = await open(t, fake);
  gateway.identify(fake.token, intents);
  const readyPayload = await gateway.dispatch('READY');
  return { gateway, sessionId: (readyPayload.d as { session_id: string }).session_id };
}

const data = (p: Payload): Record<string, unknown> => p.d as Record<string, unknown>;

test('HELLO, heartbeat ACK, then READY and a full GUILD_CREATE with sequence numbers 1 and 2', async (t) => {
  const fake = await fakeFor(t, { heartbeatIntervalMs: 1234 });
  const gateway = await RawGateway.open(fake.gatewayUrl);
  t.after(() => gateway.ws.terminate());
  assert.deepEqual(await gateway.next(), { op: 10, d: { heartbeat_interval: 1234 }, s: null, t: null });
  gateway.send(1, null);
  assert.equal((await gateway.next()).op, 11);
  gateway.identify(fake.token, BOT_INTENTS);
  const readyPayload = await gateway.next();
  assert.equal(readyPayload.t, 'READY');
  assert.equal(readyPayload.s, 1);
  const d = data(readyPayload);
  assert.equal(d.v, 10);
  assert.equal(d.resume_gateway_url, fake.gatewayUrl);
  assert.deepEqual(d.guilds, [{ id: fake.guildId, unavailable: true }]);
  assert.deepEqual(d.shard, [0, 1]);
  assert.deepEqual(d.application, { id: fake.applicationId, flags: (1 << 13) | (1 << 15) | (1 << 19) });
  assert.equal((d.user as { bot: boolean }).bot, true);
  const guild = await gateway.next();
  assert.equal(guild.t, 'GUILD_CREATE');
  assert.equal(guild.s, 2);
  const g = data(guild);
  assert.equal(g.unavailable, false);
  assert.equal(g.member_count, 2);
  assert.ok(typeof g.joined_at === 'string');
  assert.deepEqual((g.channels as Array<{ id: string; type: number; last_message_id: null }>).map((c) => [c.id, c.type, c.last_message_id]), [[fake.channelId, 0, null]]);
  assert.deepEqual((g.members as Array<{ user: { id: string } }>).map((m) => m.user.id), [fake.botUser.id]);
});

for (const { name, act, code, reason } of [
  { name: 'a wrong token', act: (g: RawGateway) => g.identify('nope', BOT_INTENTS), code: 4004, reason: 'Authentication failed.' },
  { name: 'an undefined intent bit', act: (g: RawGateway, f: FakeDiscord) => g.identify(f.token, 1 << 30), code: 4013, reason: 'Invalid intent(s).' },
  { name: 'a payload before IDENTIFY', act: (g: RawGateway) => g.send(3, { status: 'online' }), code: 4003, reason: 'Not authenticated.' },
  { name: 'an unknown opcode', act: (g: RawGateway) => g.send(42, null), code: 4001, reason: 'Unknown opcode.' },
  { name: 'invalid JSON', act: (g: RawGateway) => g.ws.send('{nope'), code: 4002, reason: 'Error while decoding payload.' },
  { name: 'a payload over 4096 bytes', act: (g: RawGateway) => g.send(1, 'x'.repeat(5000)), code: 4002, reason: 'Error while decoding payload.' },
  { name: 'a shard the fake does not serve', act: (g: RawGateway, f: FakeDiscord) => g.identify(f.token, BOT_INTENTS, { shard: [1, 2] }), code: 4010, reason: 'Invalid shard.' },
]) {
  test(`${name} is closed with ${code}`, async (t) => {
    const fake = await fakeFor(t);
    const gateway = await open(t, fake);
    act(gateway, fake);
    assert.deepEqual(await gateway.closed, { code, reason });
  });
}

test('a second IDENTIFY gets 4005, and disallowed intents get 4014', async (t) => {
  const fake = await fakeFor(t, { disallowedIntents: Intent.GuildPresences });
  const { gateway } = await ready(t, fake);
  gateway.identify(fake.token, BOT_INTENTS);
  assert.equal((await gateway.closed).code, 4005);
  const other = await open(t, fake);
  other.identify(fake.token, BOT_INTENTS | Intent.GuildPresences);
  assert.deepEqual(await other.closed, { code: 4014, reason: 'Disallowed intent(s).' });
});

test('RESUME replays what the client missed, including events from while it had no socket, then RESUMED', async (t) => {
  const fake = await fakeFor(t);
  const { gateway, sessionId } = await ready(t, fake);
  await gateway.dispatch('GUILD_CREATE');
  fake.sendUserMessage({ content: 'seen' });
  const seen = await gateway.dispatch('MESSAGE_CREATE');
  fake.sendUserMessage({ content: 'missed on the old socket' });
  gateway.ws.terminate();
  await fake.waitForClose();
  fake.sendUserMessage({ content: 'sent with no socket' });
  const again = await open(t, fake);
  again.send(6, { token: fake.token, session_id: sessionId, seq: seen.s });
  const replayed = [await again.next(), await again.next(), await again.next()];
  assert.deepEqual(replayed.map((p) => [p.t, p.s, (p.d as { content?: string }).content]), [
    ['MESSAGE_CREATE', 4, 'missed on the old socket'],
    ['MESSAGE_CREATE', 5, 'sent with no socket'],
    ['RESUMED', 6, undefined],
  ]);
  assert.equal(fake.sessions[0]?.resumes, 1);
});

test('RESUME with a seq ahead of the session gets 4007; an unknown or ended session gets op 9 d:false', async (t) => {
  const fake = await fakeFor(t);
  const { gateway, sessionId } = await ready(t, fake);
  await gateway.close(1000);
  const afterNormalClose = await open(t, fake);
  afterNormalClose.send(6, { token: fake.token, session_id: sessionId, seq: 1 });
  assert.deepEqual(await afterNormalClose.next(), { op: 9, d: false, s: null, t: null });

  const second = await ready(t, fake);
  second.gateway.ws.terminate();
  await fake.waitUntil(() => fake.sessions.find((s) => s.id === second.sessionId)?.connected === false);
  const ahead = await open(t, fake);
  ahead.send(6, { token: fake.token, session_id: second.sessionId, seq: 99 });
  assert.deepEqual(await ahead.closed, { code: 4007, reason: 'Invalid seq.' });
});

test('a socketless session expires after sessionTimeoutMs', async (t) => {
  const fake = await fakeFor(t, { sessionTimeoutMs: 50 });
  const { gateway, sessionId } = await ready(t, fake);
  gateway.ws.terminate();
  await fake.waitUntil(() => fake.sessions[0]?.invalid === true, 'session expiry');
  const again = await open(t, fake);
  again.send(6, { token: fake.token, session_id: sessionId, seq: 2 });
  assert.equal((await again.next()).op, 9);
});

test('every live session receives every dispatch, each with its own sequence', async (t) => {
  const fake = await fakeFor(t);
  const a = await ready(t, fake);
  const b = await ready(t, fake, Intent.GuildMessages | Intent.MessageContent);
  fake.sendUserMessage({ content: 'to everyone' });
  assert.equal((await a.gateway.dispatch('MESSAGE_CREATE')).s, 3);
  assert.equal((await b.gateway.dispatch('MESSAGE_CREATE')).s, 2, 'no GUILDS intent, so no GUILD_CREATE before it');
});

test('intents filter events, and without MESSAGE_CONTENT guild messages lose content unless they mention the bot', async (t) => {
  const fake = await fakeFor(t);
  const { gateway } = await ready(t, fake, Intent.Guilds | Intent.GuildMessages);
  const dm = fake.dmChannel();
  fake.sendUserMessage({ channelId: dm.id, content: 'a DM the session did not ask for' });
  fake.sendUserMessage({ content: 'chatter' });
  fake.sendUserMessage({ content: `<@${fake.botUser.id}> for the bot` });
  const first = data(await gateway.dispatch('MESSAGE_CREATE'));
  const second = data(await gateway.dispatch('MESSAGE_CREATE'));
  assert.deepEqual([first.content, first.channel_id], ['', fake.channelId]);
  assert.equal(second.content, `<@${fake.botUser.id}> for the bot`);
  assert.equal((second.member as { roles: string[] }).roles.length, 0);
  assert.equal(second.guild_id, fake.guildId);
});

test('compress=zlib-stream: one zlib context for the connection, each payload ending in a sync flush', async (t) => {
  const fake = await fakeFor(t);
  const gateway = await open(t, fake, '?v=10&encoding=json&compress=zlib-stream');
  gateway.identify(fake.token, BOT_INTENTS);
  await gateway.dispatch('READY');
  await gateway.dispatch('GUILD_CREATE');
  fake.sendUserMessage({ content: 'compressed' });
  assert.equal(data(await gateway.dispatch('MESSAGE_CREATE')).content, 'compressed');
});

test('IDENTIFY compress:true deflates each payload separately', async (t) => {
  const fake = await fakeFor(t);
  const gateway = await open(t, fake);
  gateway.identify(fake.token, BOT_INTENTS, { compress: true });
  assert.equal(data(await gateway.dispatch('READY')).v, 10);
});

test('encodings and compressions the fake cannot speak are refused at the upgrade', async (t) => {
  const fake = await fakeFor(t);
  for (const query of ['?v=10&encoding=etf', '?v=10&encoding=json&compress=zstd-stream']) {
    const ws = new WebSocket(`${fake.gatewayUrl}${query}`);
    ws.on('error', () => undefined);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    ws.terminate();
    assert.equal(status, 400);
  }
  const old = await RawGateway.open(fake.gatewayUrl, '?v=9&encoding=json');
  assert.equal((await old.closed).code, 4012);
});

test('setSilent holds ACKs and dispatches; waking up delivers the held dispatches in order', async (t) => {
  const fake = await fakeFor(t);
  const { gateway } = await ready(t, fake);
  await gateway.dispatch('GUILD_CREATE');
  fake.setSilent(true);
  gateway.send(1, 2);
  fake.sendUserMessage({ content: 'held' });
  await fake.waitForOp(1);
  fake.setSilent(false);
  // TCP keeps order: an ACK written during the silence would arrive before the held dispatch.
  const next = await gateway.next();
  assert.deepEqual([next.t, next.s, data(next).content], ['MESSAGE_CREATE', 3, 'held']);
  gateway.send(1, 3);
  assert.equal((await gateway.next((p) => p.op === 11)).op, 11);
});

test('server-side faults: op 7, op 1, op 9 d:true, and closeAll(4009) ending the session', async (t) => {
  const fake = await fakeFor(t);
  const { gateway, sessionId } = await ready(t, fake);
  fake.sendReconnect();
  assert.equal((await gateway.next((p) => p.op === 7)).op, 7);
  fake.requestHeartbeat();
  assert.equal((await gateway.next((p) => p.op === 1)).op, 1);
  fake.invalidateSessions(true);
  assert.deepEqual(await gateway.next((p) => p.op === 9), { op: 9, d: true, s: null, t: null });
  gateway.send(6, { token: fake.token, session_id: sessionId, seq: 2 });
  await gateway.dispatch('RESUMED');
  fake.closeAll(4009);
  assert.deepEqual(await gateway.closed, { code: 4009, reason: 'Session timed out.' });
  assert.equal(fake.sessions[0]?.invalid, true);
});

test('refuseConnections makes the upgrade fail until it is lifted', async (t) => {
  const fake = await fakeFor(t);
  fake.refuseConnections(true);
  const ws = new WebSocket(`${fake.gatewayUrl}?v=10&encoding=json`);
  await new Promise((resolve) => ws.on('error', resolve));
  fake.refuseConnections(false);
  await ready(t, fake);
  assert.deepEqual(fake.upgrades.map((u) => u.accepted), [false, true]);
});
