// Proves the bot side of a rotation: a standby successor shares Slack but not Discord, the old
// session hands over (Slack socket closed, Discord session kept resumable), the successor takes
// over by RESUMEing it, and every message sent throughout is answered exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, ping, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';
import { slackEnv } from '../helpers/slack-bridge.js';

let slack: FakeSlack;
let discord: FakeDiscord;
let bedrock: FakeBedrock;
let old: InProcessBridge;
let successor: InProcessBridge;
const sentSlack: string[] = [];
const sentDiscord: string[] = [];

before(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
  bedrock = await startFakeBedrock();
  old = await startBridge({ ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock) });
  await eventually(() => (old.app.platforms.every((p) => p.connection.state === 'connected') ? true : undefined), 15_000, 'old connected');
  successor = await startBridge({ ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock), CONNECT_ON: 'invocation' });
});
after(async () => {
  await old.stop();
  await successor.stop();
  await slack.close();
  await discord.close();
  await bedrock.close();
});

function sendBoth(label: string): void {
  sentSlack.push(slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> ${label}` }).ts);
  sentDiscord.push(discord.sendUserMessage({ content: `<@${discord.botUser.id}> ${label}` }).id);
}

const state = async (bridge: InProcessBridge) => (await invoke(bridge.url, { action: 'keepalive' })).body;

test('a CONNECT_ON=invocation session stays idle until told, and refuses out-of-order rotation actions', async () => {
  const idle = (await invoke(successor.url, { action: 'handover' }));
  assert.equal(idle.status, 409);
  assert.match(String(idle.body.error), /only an active session can hand over; this one is idle/);
  assert.equal(successor.app.platforms.every((p) => p.connection.state === 'disconnected'), true);
  assert.equal((await invoke(old.url, { action: 'standby' })).status, 409);
  assert.equal((await invoke(old.url, { action: 'takeover', handover: {} })).status, 409);
  const bad = await invoke(successor.url, { action: 'takeover', handover: { discord: { session_id: 'x', sequence: -1, resume_gateway_url: 'ws://x' } } });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /handover\.discord\.sequence/);
  assert.equal((await invoke(successor.url, { action: 'takeover' })).status, 400);
  assert.equal((await invoke(successor.url, { action: 'takeover', handover: { slack: { x: 1 } } })).status, 400);
});

test('standby: Slack connects a second socket, Discord only checks its token; nothing is answered twice', async () => {
  const identifies = discord.counts.identifies;
  const standby = await invoke(successor.url, { action: 'standby' });
  assert.equal(standby.body.role, 'standby');
  await slack.waitForConnections(2);
  await eventually(async () => {
    const body = await state(successor);
    const platforms = body.platforms as Record<string, string>;
    return platforms.slack === 'connected' && platforms.discord === 'standby' ? true : undefined;
  }, 10_000, 'successor ready for handover');
  assert.equal(discord.counts.identifies, identifies, 'the successor did not open a second Discord session');
  assert.equal((await ping(successor.url)).status, 'HealthyBusy', 'a standby session stays alive');
  for (let i = 0; i < 6; i += 1) sendBoth(`during standby ${i}`);
});

test('handover then takeover: Discord messages sent in between are replayed to the successor', async () => {
  const resumes = discord.counts.resumes;
  const handover = await invoke(old.url, { action: 'handover' });
  assert.equal(handover.status, 200);
  assert.equal(handover.body.status, 'draining');
  const payload = handover.body.handover as { slack: null; discord: { session_id: string; sequence: number; resume_gateway_url: string } };
  assert.equal(payload.slack, null);
  assert.equal(typeof payload.discord.session_id, 'string');
  assert.ok(payload.discord.sequence > 0);
  for (let i = 0; i < 4; i += 1) sendBoth(`between handover and takeover ${i}`);

  const takeover = await invoke(successor.url, { action: 'takeover', handover: payload });
  assert.equal(takeover.status, 200);
  assert.equal(takeover.body.role, 'active');
  assert.equal(discord.counts.resumes, resumes + 1, 'the successor resumed the handed-over session');
  for (let i = 0; i < 4; i += 1) sendBoth(`after takeover ${i}`);

  const status = await invoke(successor.url, { action: 'status' });
  const discordStatus = (status.body.platforms as Record<string, Record<string, unknown>>).discord!;
  assert.equal(discordStatus.state, 'connected');
  assert.equal(discordStatus.handover, 'resumed');
  assert.equal((await invoke(old.url, { action: 'handover' })).body.handover !== undefined, true, 'repeating handover is safe');
});

test('every message of the whole rotation is answered exactly once, and the old session drains', async () => {
  for (const ts of sentSlack) {
    await eventually(() => (slack.finishedReplies('CGENERAL', ts).length > 0 ? true : undefined), 15_000, `slack answer to ${ts}`);
  }
  for (const id of sentDiscord) {
    await eventually(() => (discord.botMessages().some((m) => m.message_reference?.message_id === id) ? true : undefined), 15_000, `discord answer to ${id}`);
  }
  for (const ts of sentSlack) assert.equal(slack.botReplies('CGENERAL', ts).length, 1, `slack ${ts}`);
  for (const id of sentDiscord) assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === id).length, 1, `discord ${id}`);
  await eventually(async () => ((await state(old)).role === 'drained' ? true : undefined), 10_000, 'old drained');
  assert.equal((await ping(old.url)).status, 'Healthy', 'a drained session may idle out');
  const keepalive = await state(old);
  assert.deepEqual(keepalive.platforms, { slack: 'disconnected', discord: 'disconnected' }, 'keepalive never reconnects a drained session');
});
