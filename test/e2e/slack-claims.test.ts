// Proves "never answered twice" on Slack with claims spent only where a second session can be
// answering: catch-up decides per message (the answers' metadata), so a quick burst in one thread
// is not answered again after a restart while what was really missed is; and an event whose ack
// was lost with its socket, redelivered to another session, is answered once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack, type FakeSlack, type StoredMessage } from '../fakes/slack/index.js';
import { eventually, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { slackEnv, startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

const windowMs = 3000;
const env = { SLACK_RATE_WINDOW_SECONDS: String(windowMs / 1000), CATCHUP_WINDOW_SECONDS: '120', CATCHUP_SETTLE_SECONDS: '1' };

/** The bot's messages that say they answer `ts` (their metadata). */
function answersTo(slack: FakeSlack, channel: string, threadTs: string, ts: string): StoredMessage[] {
  return slack.botReplies(channel, threadTs).filter((m) => (m.metadata?.event_payload as { answers?: string } | undefined)?.answers === ts);
}

describe('catch-up decides per message', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig(env, { rateLimits: { windowMs } });
  });
  after(() => rig.close());

  test('20 quick mentions in one thread, all answered, then a restart: none answered again, the two really missed answered once', async () => {
    // A slow model, so the mentions all arrive before most answers.
    rig.bedrock.setLatency({ firstChunkMs: 100, perChunkMs: 50 });
    const root = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> quick 0' });
    const burst = [root.ts];
    for (let i = 1; i < 20; i += 1) burst.push(rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> quick ${i}`, threadTs: root.ts }).ts);
    await eventually(() => (burst.every((ts) => answersTo(rig.slack, 'CGENERAL', root.ts, ts).length === 1) ? true : undefined), 30_000, 'the burst answered');
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });

    await rig.bridge.stop();
    rig.slack.setQueueWhileDisconnected(false);
    const missed = [1, 2].map((i) => rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> missed ${i}`, threadTs: root.ts }).ts);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const bridge = await rig.restart();
    for (const ts of missed) await eventually(() => answersTo(rig.slack, 'CGENERAL', root.ts, ts)[0], 20_000, `late answer to ${ts}`);
    await eventually(async () => {
      const status = (await invoke(bridge.url, { action: 'status' })).body.platforms as Record<string, { catch_up: { runs: number } }>;
      return status.slack!.catch_up.runs >= 1 ? true : undefined;
    }, 10_000, 'catch-up ran');
    for (const ts of [...burst, ...missed]) assert.equal(answersTo(rig.slack, 'CGENERAL', root.ts, ts).length, 1, `one answer to ${ts}`);
    for (const ts of missed) assert.match(answersTo(rig.slack, 'CGENERAL', root.ts, ts)[0]!.text, /late answer/);
    const status = (await invoke(bridge.url, { action: 'status' })).body.platforms as Record<string, { catch_up: { answered: number; skipped: number } }>;
    assert.equal(status.slack!.catch_up.answered, 2);
    assert.equal(status.slack!.catch_up.skipped, 0, 'the per-run budget went to what was missed');
  });
});

describe('an ack lost with its socket, redelivered to another session', () => {
  let slack: FakeSlack;
  let bedrock: FakeBedrock;
  const bridges: InProcessBridge[] = [];
  before(async () => {
    slack = await startFakeSlack({ rateLimits: { windowMs }, ackRetryMs: 1000 });
    bedrock = await startFakeBedrock();
  });
  after(async () => {
    for (const bridge of bridges) await bridge.stop();
    await slack.close();
    await bedrock.close();
  });

  test('both sessions answer only through a claim, and the message gets one answer', async () => {
    bridges.push(await startBridge(slackEnv(slack, bedrock, env)));
    await slack.waitForConnections(1, 10_000);
    const first = slack.connections()[0]!.id;
    bridges.push(await startBridge(slackEnv(slack, bedrock, env)));
    await slack.waitForConnections(2, 10_000);
    // The first session gets the event; its ack is lost with its socket, and it cannot reconnect at
    // once, so Slack's redelivery goes to the second one while the first is still answering.
    bedrock.setLatency({ firstChunkMs: 1500 });
    slack.refuseConnections(true);
    slack.loseNextAck();
    const posted = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> answered once?', connection: first });
    const redelivery = await eventually(() => slack.socket.sent.find((s) => s.envelope.envelope_id === posted.envelopeId && s.envelope.retry_attempt === 1), 10_000, 'the redelivery');
    assert.notEqual(redelivery.connectionId, first, 'redelivered to the other session');
    slack.refuseConnections(false);
    await eventually(() => slack.finishedReplies('CGENERAL', posted.ts)[0], 15_000, 'an answer');
    bedrock.setLatency({ firstChunkMs: 0 });
    // Let a second answer show up if one were coming.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(slack.botReplies('CGENERAL', posted.ts).length, 1, 'one answer');
    assert.ok(slack.callsTo('reactions.add').filter((c) => c.args.timestamp === posted.ts).length >= 1, 'claimed');
    await eventually(() => (slack.messages('CGENERAL').find((m) => m.ts === posted.ts)?.reactions === undefined ? true : undefined), 10_000, 'no :eyes: left on the answered message');
  });
});
