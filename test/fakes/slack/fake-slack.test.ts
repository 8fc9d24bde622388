// Proves the real Bolt 5 client runs against the fake: start-up, mentions, DMs, acks, retries and reconnects.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { App, LogLevel } from '@slack/bolt';
import type { webApi } from '@slack/bolt';
import { boltApp, recordingLogger } from './bolt-harness.js';
import type { BoltUnderTest } from './bolt-harness.js';
import { startFakeSlack } from './index.js';
import type { FakeSlack } from './index.js';

/** Slack redelivers an envelope not acked within 3 s; Bolt should ack far inside that. */
const ACK_BUDGET_MS = 1000;

describe('Bolt with the options a bot uses (socketMode: true, both slackApiUrls)', () => {
  let fake: FakeSlack;
  let app: App;
  const retries: Array<number | undefined> = [];
  const dmChannelTypes: string[] = [];

  before(async () => {
    fake = await startFakeSlack();
    const slackApiUrl = fake.apiUrl;
    app = new App({
      token: fake.tokens.bot,
      appToken: fake.tokens.app,
      socketMode: true,
      clientOptions: { slackApiUrl },
      installerOptions: { clientOptions: { slackApiUrl } },
      logger: recordingLogger(),
      logLevel: LogLevel.ERROR,
    });
    app.event('app_mention', async ({ event, say, context }) => {
      retries.push(context.retryNum);
      await say({ text: `echo: ${event.text}`, thread_ts: event.thread_ts ?? event.ts });
    });
    app.message(async ({ message, client }) => {
      if (message.channel_type !== 'im' || message.subtype !== undefined) return;
      dmChannelTypes.push(message.channel_type);
      await client.chat.postMessage({ channel: message.channel, thread_ts: message.ts, text: `dm: ${message.text ?? ''}` });
    });
    app.command('/ask', async ({ ack, respond, command }) => {
      await ack('thinking');
      await respond(`answer to ${command.text}`);
    });
    await app.start();
  });
  after(async () => {
    await app.stop();
    await fake.close();
  });

  it('starts with auth.test (bot token) and apps.connections.open (app token) and one socket', () => {
    assert.deepEqual(
      fake.calls.map((c) => [c.method, c.token]),
      [
        ['auth.test', fake.tokens.bot],
        ['apps.connections.open', fake.tokens.app],
      ],
    );
    assert.equal(fake.connectionCount, 1);
  });

  it('hears a mention, acks it quickly and replies in the thread', async () => {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> ping' });
    const { latencyMs } = await posted.acked;
    assert.ok(latencyMs < ACK_BUDGET_MS, `ack took ${latencyMs} ms`);
    await fake.waitForMessage((m) => m.thread_ts === posted.ts && m.bot_id === 'BBOT');
    assert.deepEqual(fake.botReplies('CGENERAL', posted.ts).map((m) => m.text), ['echo: <@UBOT> ping']);
    const call = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === posted.ts);
    assert.equal(call.token, fake.tokens.bot);
  });

  it('gets a DM as a message event with channel_type im', async () => {
    const dm = fake.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'hello there' });
    await dm.acked;
    await fake.waitForMessage((m, channel) => channel === 'DALICE' && m.text === 'dm: hello there');
    assert.deepEqual(dmChannelTypes, ['im']);
  });

  it('passes a redelivery’s retry_attempt to the listener as context.retryNum', async () => {
    retries.length = 0;
    const first = fake.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: '<@UBOT> twice' });
    await first.acked;
    await fake.redeliver(first.eventId ?? '').acked;
    await fake.waitForMessage((m) => m.thread_ts === first.ts && fake.botReplies('CGENERAL', first.ts).length === 2);
    assert.deepEqual(retries, [0, 1]);
  });

  it('acks a slash command with a payload and posts to its response_url', async () => {
    const delivery = fake.sendSlashCommand({ command: '/ask', text: 'life', user: 'UALICE', channel: 'CGENERAL' });
    await delivery.acked;
    assert.deepEqual(fake.acks.find((a) => a.envelopeId === delivery.envelopeId)?.payload, { text: 'thinking' });
    await fake.waitForCall(() => fake.responseUrlPosts.length > 0);
    assert.equal((fake.responseUrlPosts[0]?.body as { text?: string }).text, 'answer to life');
  });
});

describe('Bolt reconnecting through the fake’s faults (clientPingTimeout 200 ms)', () => {
  let fake: FakeSlack;
  let bolt: BoltUnderTest;

  beforeEach(async () => {
    fake = await startFakeSlack({ serverPingIntervalMs: 50 });
    bolt = boltApp(fake, { clientPingTimeout: 200, serverPingTimeout: 1000 });
    bolt.app.event('app_mention', async ({ event, say }) => {
      await say({ text: `echo: ${event.text}`, thread_ts: event.ts });
    });
    await bolt.app.start();
  });
  afterEach(async () => {
    await bolt.app.stop();
    await fake.close();
  });

  /** An answered mention proves the new socket works end to end (and that its hello was handled). */
  async function mentionIsAnswered(text: string): Promise<void> {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> ${text}` });
    await posted.acked;
    await fake.waitForMessage((m) => m.thread_ts === posted.ts && m.text === `echo: <@UBOT> ${text}`);
  }

  it('reconnects after the socket is cut without a close frame', async () => {
    await mentionIsAnswered('before');
    fake.dropConnections();
    await fake.waitForConnections(1);
    await mentionIsAnswered('after');
    assert.equal(fake.connectionsOpened, 2);
    assert.equal(fake.callsTo('apps.connections.open').length, 2);
    assert.deepEqual(bolt.lifecycle.slice(-5), ['error', 'reconnecting', 'authenticated', 'connecting', 'connected']);
  });

  it('reconnects after a refresh_requested disconnect, without an error', async () => {
    fake.sendDisconnect('refresh_requested');
    await fake.waitForConnections(1);
    await mentionIsAnswered('refreshed');
    assert.equal(fake.connectionsOpened, 2);
    assert.equal(bolt.lifecycle.includes('error'), false);
  });

  it('notices a silent socket by its missing pongs and delivers queued events on the new one', async () => {
    fake.setSilent(true);
    const queued = fake.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: '<@UBOT> while deaf' });
    await queued.acked;
    await fake.waitForMessage((m) => m.thread_ts === queued.ts);
    assert.equal(fake.connectionsOpened, 2);
    assert.ok(bolt.logger.lines.some((l) => l.includes("pong wasn't received")));
  });

  it('drops a socket whose server pings stop, after serverPingTimeout (1000 ms here)', async () => {
    await fake.waitForPong();
    const since = Date.now();
    fake.setServerPings(false);
    await fake.waitForCall((c) => c.method === 'apps.connections.open' && c.at >= since);
    assert.ok(bolt.logger.lines.some((l) => l.includes("A ping wasn't received from the server before the timeout of 1000ms")));
    fake.setServerPings(true);
    await fake.waitForConnections(1);
    await mentionIsAnswered('pinged again');
  });

  it('keeps retrying while WebSocket upgrades are refused, then connects', async () => {
    fake.refuseConnections(true);
    fake.dropConnections();
    const since = Date.now();
    const opensSince = (): number => fake.callsTo('apps.connections.open').filter((c) => c.at >= since).length;
    await fake.waitForCall(() => opensSince() >= 2);
    fake.refuseConnections(false);
    await fake.waitForConnections(1);
    await mentionIsAnswered('back');
    assert.ok(fake.callsTo('apps.connections.open').length >= 3);
  });
});

describe('Bolt 5.1 option plumbing', () => {
  it('routes apps.connections.open through clientOptions alone, by sharing (and mutating) that object', async () => {
    const fake = await startFakeSlack();
    const clientOptions: webApi.WebClientOptions = { slackApiUrl: fake.apiUrl };
    const app = new App({ token: fake.tokens.bot, appToken: fake.tokens.app, socketMode: true, clientOptions, logger: recordingLogger() });
    try {
      await app.start();
      assert.deepEqual(fake.calls.map((c) => c.method), ['auth.test', 'apps.connections.open']);
      // The socket client writes its own retry policy into the shared object; listener clients copy it.
      assert.deepEqual(clientOptions.retryConfig, { retries: 100, factor: 1.3 });
    } finally {
      await app.stop();
      await fake.close();
    }
  });
});
