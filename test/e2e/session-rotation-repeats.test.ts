// Proves over HTTP against the real bot that repeated rotation calls (the Lambda and the SDK both
// retry) are idempotent: two concurrent handovers hand the Discord gateway session over once and
// answer the same payload; two concurrent takeovers resume it once and log in once, both answer
// 200, and a message sent afterwards is answered exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { eventually, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';

let discord: FakeDiscord;
let bedrock: FakeBedrock;
let old: InProcessBridge;
let successor: InProcessBridge;

before(async () => {
  discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  bedrock = await startFakeBedrock();
  old = await startBridge(discordEnv(discord, bedrock));
  await eventually(() => (old.app.platforms[0]?.connection.state === 'connected' ? true : undefined), 15_000, 'old connected');
  successor = await startBridge({ ...discordEnv(discord, bedrock), CONNECT_ON: 'invocation' });
});
after(async () => {
  await old.stop();
  await successor.stop();
  await discord.close();
  await bedrock.close();
});

test('concurrent handovers and takeovers: one release, one RESUME, one IDENTIFY, every answer 200', async () => {
  assert.equal((await invoke(successor.url, { action: 'standby' })).status, 200);
  await eventually(() => (successor.app.platforms[0]?.connection.state === 'standby' ? true : undefined), 10_000, 'successor in standby');

  const handovers = await Promise.all([invoke(old.url, { action: 'handover' }), invoke(old.url, { action: 'handover' })]);
  assert.deepEqual(handovers.map((h) => h.status), [200, 200]);
  assert.deepEqual(handovers[0].body.handover, handovers[1].body.handover, 'the same gateway session to both');
  assert.equal(old.logs.records().filter((r) => r.message === 'gateway session handed over').length, 1, 'released once');
  const payload = handovers[0].body.handover as Record<string, unknown>;
  assert.equal(typeof (payload.discord as { session_id?: unknown }).session_id, 'string');

  const { identifies, resumes } = discord.counts;
  const takeovers = await Promise.all([invoke(successor.url, { action: 'takeover', handover: payload }), invoke(successor.url, { action: 'takeover', handover: payload })]);
  assert.deepEqual(takeovers.map((t) => [t.status, t.body.role]), [[200, 'active'], [200, 'active']]);
  await eventually(() => (successor.app.platforms[0]?.connection.state === 'connected' ? true : undefined), 10_000, 'successor connected');

  const sent = discord.sendUserMessage({ content: `<@${discord.botUser.id}> after a doubled takeover` });
  await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === sent.id), 15_000, 'answered');
  assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === sent.id).length, 1, 'answered once: one listener');
  assert.equal(discord.counts.resumes - resumes, 1, 'one RESUME of the handed-over session');
  assert.equal(discord.counts.identifies - identifies, 1, 'one IDENTIFY by the successor');
  assert.equal(successor.logs.records().filter((r) => r.message === 'session role changed' && r.to === 'active').length, 1);
  const status = (await invoke(successor.url, { action: 'status' })).body;
  assert.equal(status.role, 'active');
  assert.ok(!Number.isNaN(Date.parse(String(status.role_since))), 'status says since when');
});
