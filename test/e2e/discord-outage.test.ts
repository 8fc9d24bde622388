// Proves a passing Discord outage never switches Discord off: REST 5xx or refused gateway upgrades at
// start, and an outage while connected, leave the platform `connecting` (never `failed`) and a mention
// is answered within 30 s of the outage's end, with no restart and no gateway session left behind.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PlatformState } from '../../src/core/index.js';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord, type OutageOptions } from '../fakes/discord/index.js';
import { eventually, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';

/** The outage's end to the answer's arrival: what the operator waits after Discord is back. */
const answerWithinMs = 30_000;

let bedrock: FakeBedrock;
before(async () => {
  bedrock = await startFakeBedrock();
});
after(() => bedrock.close());

async function mentionAnswered(discord: FakeDiscord, text: string, timeoutMs: number): Promise<void> {
  const sent = discord.sendUserMessage({ content: `<@${discord.botUser.id}> ${text}` });
  await discord.waitForBotMessage((m) => m.message_reference?.message_id === sent.id && m.content.includes(`Echo: ${text}`), undefined, timeoutMs);
}

/** Starts the bridge during an outage, checks what it shows meanwhile, then that it answers once Discord is back. */
async function throughOutageAtStart(outageOptions: OutageOptions): Promise<{ discord: FakeDiscord; bridge: InProcessBridge; states: PlatformState[]; waited: number }> {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  const outage = discord.startOutage({ forMs: 4000, ...outageOptions });
  const bridge = await startBridge(discordEnv(discord, bedrock));
  const connection = bridge.app.platforms[0]!.connection;
  const states: PlatformState[] = [connection.state];
  connection.on('change', (change) => states.push(change.to));
  await bridge.logs.waitFor((r) => r.level === 'warn' && String(r.message).startsWith('Discord not reachable yet'));
  assert.equal(connection.state, 'connecting');
  const status = await invoke(bridge.url, { action: 'status' });
  const discordStatus = (status.body.platforms as Record<string, { state: string; last_error: string | null } & Record<string, unknown>>).discord!;
  assert.equal(discordStatus.state, 'connecting');
  const endedAt = await outage.ended;
  await mentionAnswered(discord, 'are you back?', answerWithinMs);
  const waited = Date.now() - endedAt;
  assert.ok(waited < answerWithinMs, `answered ${waited} ms after the outage ended`);
  assert.equal(states.includes('failed'), false, states.join(' -> '));
  assert.equal(connection.state, 'connected');
  return { discord, bridge, states, waited };
}

describe('a Discord outage at start', () => {
  test('REST answers 502 (GET /gateway/bot included) for 4 s: connecting meanwhile, answered soon after, no restart', async (t) => {
    const { discord, bridge, waited } = await throughOutageAtStart({ rest: true });
    try {
      assert.ok(discord.calls.filter((c) => c.path === '/gateway/bot' && c.status === 502).length >= 4, 'the REST client gave up at least once');
      assert.equal(discord.counts.identifies, 1);
      t.diagnostic(`answered ${waited} ms after the outage ended; GET /gateway/bot tries: ${discord.calls.filter((c) => c.path === '/gateway/bot').length}`);
    } finally {
      await bridge.stop();
      await discord.close();
    }
  });

  test('gateway upgrades answered 502 for 4 s: the library reconnects, login waits for it, and stop leaves no session open', async (t) => {
    const { discord, bridge, waited } = await throughOutageAtStart({ rest: false, gateway: true });
    try {
      t.diagnostic(`answered ${waited} ms after the outage ended; upgrades refused: ${discord.upgrades.filter((u) => !u.accepted).length}`);
      assert.ok(discord.upgrades.filter((u) => !u.accepted).length >= 2, 'upgrades were refused');
      assert.equal(discord.sessions.filter((s) => s.connected).length, 1, 'one gateway session');
    } finally {
      await bridge.stop();
    }
    await discord.waitUntil(() => discord.sessions.every((s) => !s.connected), 'every gateway session closed');
    await discord.close();
  });
});

test('a rotation\'s standby during a REST outage keeps checking the token, connecting meanwhile, and stands by once Discord is back', async () => {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  const bridge = await startBridge({ ...discordEnv(discord, bedrock), CONNECT_ON: 'invocation' });
  try {
    const connection = bridge.app.platforms[0]!.connection;
    const states: PlatformState[] = [];
    connection.on('change', (change) => states.push(change.to));
    const outage = discord.startOutage({ forMs: 3000 });
    assert.equal((await invoke(bridge.url, { action: 'standby' })).status, 200);
    await bridge.logs.waitFor((r) => r.level === 'warn' && String(r.message).includes('GET /users/@me'));
    assert.equal(connection.state, 'connecting');
    const endedAt = await outage.ended;
    await eventually(() => (connection.state === 'standby' ? true : undefined), answerWithinMs, 'standby');
    assert.ok(Date.now() - endedAt < answerWithinMs);
    assert.deepEqual(states, ['connecting', 'disconnected', 'standby']);
    assert.equal(discord.counts.connections, 0, 'a standby opens no gateway socket');
  } finally {
    await bridge.stop();
    await discord.close();
  }
});

test('a watchdog restart (a silent gateway) during an outage waits it out and resumes; what was sent meanwhile is answered', async () => {
  // Heartbeats far apart: the watchdog, not discord.js's missed-ACK check, notices the silence.
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 30_000 });
  const bridge = await startBridge({ ...discordEnv(discord, bedrock), WATCHDOG_SILENCE_SECONDS: '2' });
  try {
    const connection = bridge.app.platforms[0]!.connection;
    await eventually(() => (connection.state === 'connected' ? true : undefined), 15_000, 'connected');
    const states: PlatformState[] = [];
    connection.on('change', (change) => states.push(change.to));
    const resumes = discord.counts.resumes;
    const outage = discord.startOutage({ gateway: true, forMs: 4000 });
    discord.setSilent(true);
    const during = discord.sendUserMessage({ content: `<@${discord.botUser.id}> sent into the silence` });
    await bridge.logs.waitFor((r) => String(r.message).startsWith('connection looks connected but has been silent'), 10_000);
    const endedAt = await outage.ended;
    await discord.waitForResume(resumes + 1, answerWithinMs);
    await discord.waitForBotMessage((m) => m.message_reference?.message_id === during.id && m.content.includes('sent into the silence'), undefined, answerWithinMs);
    assert.ok(Date.now() - endedAt < answerWithinMs);
    assert.equal(states.includes('failed'), false, states.join(' -> '));
    assert.equal(bridge.logs.records().some((r) => r.message === 'watchdog restart failed'), false);
  } finally {
    await bridge.stop();
    await discord.close();
  }
});

describe('an outage while connected', () => {
  let discord: FakeDiscord;
  let bridge: InProcessBridge;
  before(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
    bridge = await startBridge(discordEnv(discord, bedrock));
    await eventually(() => (bridge.app.platforms[0]!.connection.state === 'connected' ? true : undefined), 15_000, 'connected');
  });
  after(async () => {
    await bridge.stop();
    await discord.close();
  });

  test('sockets dropped and every REST call and upgrade answered 503 for 3 s: back and answering, never failed', async () => {
    const connection = bridge.app.platforms[0]!.connection;
    const states: PlatformState[] = [];
    connection.on('change', (change) => states.push(change.to));
    const outage = discord.startOutage({ status: 503, gateway: true, forMs: 3000 });
    discord.dropAll();
    const endedAt = await outage.ended;
    await mentionAnswered(discord, 'still there?', answerWithinMs);
    assert.ok(Date.now() - endedAt < answerWithinMs);
    assert.equal(states.includes('failed'), false, states.join(' -> '));
    assert.ok(states.includes('connecting'), states.join(' -> '));
  });

  test('a session Discord will not resume (op 9) during an outage is identified afresh once it ends', async () => {
    const identifies = discord.counts.identifies;
    const outage = discord.startOutage({ gateway: true, forMs: 3000 });
    discord.invalidateSessions(false);
    await outage.ended;
    await discord.waitForReady(identifies + 1, answerWithinMs);
    await mentionAnswered(discord, 'after the new session', answerWithinMs);
    assert.notEqual(bridge.app.platforms[0]!.connection.state, 'failed');
  });
});
