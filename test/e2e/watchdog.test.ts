// Proves the watchdog: a Slack socket and a Discord gateway that stay open but go silent are noticed
// and restarted within the bound, replies in flight and the other platform untouched, and messages
// afterwards are answered; a platform that cannot reconnect turns /ping Unhealthy after its bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, ping, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';
import { slackEnv } from '../helpers/slack-bridge.js';

type PlatformStatus = { state: string; watchdog_restarts: number; last_liveness_at: string | null; heartbeat_ms: number | null };

describe('silent but open connections', () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let bedrock: FakeBedrock;
  let bridge: InProcessBridge;
  const status = async () => (await invoke(bridge.url, { action: 'status' })).body.platforms as Record<string, PlatformStatus>;

  before(async () => {
    slack = await startFakeSlack({ serverPingIntervalMs: 500 });
    discord = await startFakeDiscord({ heartbeatIntervalMs: 1000 });
    bedrock = await startFakeBedrock();
    bridge = await startBridge({ ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock), WATCHDOG_SILENCE_SECONDS: '3' });
    await eventually(() => (bridge.app.platforms.every((p) => p.connection.state === 'connected') ? true : undefined), 15_000, 'connected');
  });
  after(async () => {
    await bridge.stop();
    await slack.close();
    await discord.close();
    await bedrock.close();
  });

  test('a silent Slack socket (no pongs, pings or events) is replaced within the bound; the reply in flight finishes; Discord is untouched', async (t) => {
    const hold = bedrock.holdNext(1, { afterChunks: 1 });
    const inFlight = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> answer me across the restart' });
    await hold.reached();
    const discordSessions = discord.counts.resumes + discord.counts.identifies;
    const reconnects = bridge.app.platforms.find((p) => p.name === 'slack')!.connection.snapshot().reconnects;
    const silencedAt = Date.now();
    slack.setSilent(true);
    const recoveredMs = await eventually(() => {
      const snapshot = bridge.app.platforms.find((p) => p.name === 'slack')!.connection.snapshot();
      return snapshot.reconnects > reconnects && snapshot.state === 'connected' ? Date.now() - silencedAt : undefined;
    }, 15_000, 'slack reconnected');
    assert.ok(recoveredMs < 6000, `silent socket replaced after ${recoveredMs} ms`);
    t.diagnostic(`slack silent socket replaced after ${recoveredMs} ms`);
    hold.release();
    await eventually(() => slack.finishedReplies('CGENERAL', inFlight.ts)[0], 10_000, 'reply in flight finished');
    const after = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> after the restart' });
    await eventually(() => slack.botReplies('CGENERAL', after.ts).find((m) => m.text === 'Echo: after the restart'), 10_000, 'answered after the restart');
    assert.equal(discord.counts.resumes + discord.counts.identifies, discordSessions, 'Discord was not restarted');
  });

  test('a Slack socket that still answers pings but gets no server pings or events is restarted by the watchdog', async (t) => {
    const before = (await status()).slack!.watchdog_restarts;
    const stoppedAt = Date.now();
    slack.setServerPings(false);
    const detectedMs = await eventually(async () => ((await status()).slack!.watchdog_restarts > before ? Date.now() - stoppedAt : undefined), 15_000, 'watchdog restart');
    slack.setServerPings(true);
    assert.ok(detectedMs < 3000 + 1500, `restarted ${detectedMs} ms after going quiet (bound 3 s)`);
    t.diagnostic(`slack watchdog restart ${detectedMs} ms after going quiet (bound 3 s)`);
    await eventually(async () => ((await status()).slack!.state === 'connected' ? true : undefined), 10_000, 'connected');
    const after = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> after the watchdog' });
    await eventually(() => slack.botReplies('CGENERAL', after.ts).find((m) => m.text === 'Echo: after the watchdog'), 10_000, 'answered');
  });

  test('a silent Discord gateway (no heartbeat ACKs, no events) is noticed and resumed; what was sent meanwhile is answered once', async (t) => {
    const resumes = discord.counts.resumes;
    const silencedAt = Date.now();
    discord.setSilent(true);
    const during = discord.sendUserMessage({ content: `<@${discord.botUser.id}> sent into the silence` });
    await discord.waitForResume(resumes + 1, 15_000);
    const recoveredMs = Date.now() - silencedAt;
    await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === during.id), 10_000, 'answered after resume');
    assert.ok(recoveredMs < 3000 + 3000, `recovered after ${recoveredMs} ms`);
    t.diagnostic(`discord silent gateway resumed after ${recoveredMs} ms (heartbeat interval 1 s)`);
    const after = discord.sendUserMessage({ content: `<@${discord.botUser.id}> after the silence` });
    await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === after.id), 10_000, 'answered');
    assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === during.id).length, 1);
    const discordStatus = (await status()).discord!;
    assert.equal(discordStatus.state, 'connected');
    assert.notEqual(discordStatus.last_liveness_at, null);
  });
});

describe('a platform that cannot reconnect', () => {
  test('turns /ping Unhealthy after UNHEALTHY_AFTER_SECONDS, and Healthy again once it is back', async (t) => {
    const slack = await startFakeSlack();
    const bedrock = await startFakeBedrock();
    const bridge = await startBridge({ ...slackEnv(slack, bedrock), UNHEALTHY_AFTER_SECONDS: '2' });
    t.after(async () => {
      await bridge.stop();
      await slack.close();
      await bedrock.close();
    });
    await eventually(() => (bridge.app.platforms[0]!.connection.state === 'connected' ? true : undefined), 10_000, 'connected');
    slack.refuseConnections(true);
    slack.dropConnections();
    await eventually(async () => ((await ping(bridge.url)).status === 'Unhealthy' ? true : undefined), 15_000, 'Unhealthy');
    slack.refuseConnections(false);
    await eventually(async () => ((await ping(bridge.url)).status === 'HealthyBusy' ? true : undefined), 20_000, 'healthy again');
  });
});
