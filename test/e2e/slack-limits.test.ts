// Proves the Slack answer path holds against Slack's real limits, on a fake that enforces them
// (tiers per method, chat.postMessage per channel, 429 + Retry-After, streams that expire, 5xx
// outages): a burst that spends the streaming tier answers the rest by posting and streams again
// when the budget frees; a limited working indicator or thread read delays nothing; a stream
// Slack expires mid-answer or at its stop loses and doubles nothing; an outage at start never
// switches Slack off.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { isFinished, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { slackEnv, startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

/** Slack's minute, run 20 times faster on both sides. */
const windowMs = 3000;
const fast = { SLACK_RATE_WINDOW_SECONDS: String(windowMs / 1000), MAX_CONCURRENT_TURNS: '32' };

/** Most accepted calls of `method` inside any one window: what Slack's sliding count would see. */
function mostInOneWindow(calls: readonly { at: number }[]): number {
  let most = 0;
  for (const [i, call] of calls.entries()) most = Math.max(most, calls.slice(i).filter((c) => c.at - call.at < windowMs).length);
  return most;
}

/** Far longer than any answer takes here, far shorter than a limit's window: a first post this late waited on something. */
const waitedOnALimitMs = 15_000;

/** When the bot first wrote into the thread (stream start or post Slack accepted). */
function firstWriteAt(slack: FakeSlack, channel: string, threadTs: string): number | undefined {
  return slack.calls.find((c) => (c.method === 'chat.startStream' || c.method === 'chat.postMessage') && c.status === undefined && c.args.channel === channel && c.args.thread_ts === threadTs)?.at;
}

async function wholeAnswer(slack: FakeSlack, channel: string, threadTs: string, expected: string): Promise<void> {
  await eventually(() => (slack.finishedReplies(channel, threadTs).some((m) => m.text.trim() === expected.trim()) ? true : undefined), 20_000, `whole answer in ${channel}`).catch((error: unknown) => {
    throw new Error(`${String(error)}; the thread holds ${JSON.stringify(slack.botReplies(channel, threadTs).map((m) => [m.text, m.streaming_state]))}`);
  });
  assert.equal(slack.botReplies(channel, threadTs).length, 1, `one answer in ${channel}`);
}

describe('Slack tiers', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig(fast, { rateLimits: { windowMs } });
    for (let i = 0; i < 30; i += 1) rig.slack.addChannel({ id: `CBURST${i}`, name: `burst-${i}` });
  });
  after(() => rig.close());
  // A failed test must not leave its model or limits to the next one.
  afterEach(() => {
    rig.bedrock.setResponder(undefined);
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
    rig.slack.setRateLimits({ windowMs });
  });

  test('a burst that spends the streaming tier: every answer whole, the rest posted, none limited, streaming back once the budget frees', async () => {
    const chunks = ['The answer ', 'comes in ', 'three parts.'];
    rig.bedrock.setResponder(() => ({ chunks }));
    rig.bedrock.setLatency({ firstChunkMs: 100, perChunkMs: 150 });
    const sentAt = Date.now();
    const posted = Array.from({ length: 30 }, (_, i) => ({ channel: `CBURST${i}`, ts: rig.slack.postUserMessage({ channel: `CBURST${i}`, user: 'UALICE', text: `<@UBOT> burst ${i}` }).ts }));
    for (const { channel, ts } of posted) await wholeAnswer(rig.slack, channel, ts, chunks.join(''));
    const starts = rig.slack.callsTo('chat.startStream').filter((c) => c.status === undefined && c.at >= sentAt);
    assert.ok(mostInOneWindow(starts) <= 20, `${mostInOneWindow(starts)} streams in one window (tier 2: 20)`);
    assert.ok(starts.length >= 10, `${starts.length} streamed: streaming is used while it fits`);
    assert.ok(starts.length < 30, 'some answers were posted instead');
    const t0 = rig.slack.callsTo('chat.startStream')[0]!.at;
    assert.equal(rig.slack.rateLimited.get('chat.startStream') ?? 0, 0, `the budget was counted, not learned from 429s: ${JSON.stringify(rig.slack.callsTo('chat.startStream').map((c) => [c.at - t0, c.status ?? 200, c.args.channel]))}`);
    assert.equal(rig.slack.rateLimited.get('chat.stopStream') ?? 0, 0);
    for (const { channel, ts } of posted) {
      const delay = firstWriteAt(rig.slack, channel, ts)! - sentAt;
      assert.ok(delay < waitedOnALimitMs, `first post in ${channel} after ${delay} ms`);
    }
    assert.equal(rig.slack.callsTo('reactions.add').length, 0, 'no claim: no other session can be answering');
    // The window frees: the next slow answer streams again.
    await new Promise((resolve) => setTimeout(resolve, windowMs + 200));
    const later = rig.slack.postUserMessage({ channel: 'CBURST0', user: 'UALICE', text: '<@UBOT> after the window' });
    await wholeAnswer(rig.slack, 'CBURST0', later.ts, chunks.join(''));
    assert.ok(rig.slack.callsTo('chat.startStream').some((c) => c.args.thread_ts === later.ts && c.status === undefined), 'streamed again');
    rig.bedrock.setResponder(undefined);
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
  });

  test('a 429 on the working indicator while answers flow delays no answer', async () => {
    // One status a minute: an answer that waited for the indicator would wait most of a minute.
    rig.slack.setRateLimits({ windowMs: 60_000, overrides: { 'assistant.threads.setStatus': 1, 'chat.startStream': 1000, 'chat.stopStream': 1000, 'chat.appendStream': 1000, 'chat.postMessage': 1000 } });
    rig.bedrock.setLatency({ firstChunkMs: 700, perChunkMs: 50 });
    const sentAt = Date.now();
    const posted = Array.from({ length: 8 }, (_, i) => ({ channel: `CBURST${i}`, ts: rig.slack.postUserMessage({ channel: `CBURST${i}`, user: 'UALICE', text: `<@UBOT> indicator ${i}` }).ts }));
    for (const { channel, ts } of posted) await wholeAnswer(rig.slack, channel, ts, `Echo: indicator ${posted.findIndex((p) => p.ts === ts)}`);
    assert.ok((rig.slack.rateLimited.get('assistant.threads.setStatus') ?? 0) >= 1, 'the indicator was limited');
    for (const { channel, ts } of posted) {
      const delay = firstWriteAt(rig.slack, channel, ts)! - sentAt;
      assert.ok(delay < waitedOnALimitMs, `first post in ${channel} after ${delay} ms (the model took 700)`);
    }
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
    rig.slack.setRateLimits({ windowMs });
  });

  test('a thread read that hits its limit answers without the context rather than waiting', async () => {
    const parent = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'some earlier talk' });
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'more talk', threadTs: parent.ts });
    rig.slack.setRateLimits({ windowMs: 60_000, overrides: { 'conversations.replies': 0 } });
    const sentAt = Date.now();
    const mention = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> join in', threadTs: parent.ts });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', parent.ts).find((m) => m.text === 'Echo: join in'), 20_000, 'answer in the thread');
    assert.ok(mention.ts > parent.ts);
    assert.ok(firstWriteAt(rig.slack, 'CGENERAL', parent.ts)! - sentAt < waitedOnALimitMs, 'did not wait out the limit of a minute');
    assert.ok((rig.slack.rateLimited.get('conversations.replies') ?? 0) >= 1);
    const messages = rig.bedrock.requests.at(-1)!.body.messages as unknown[];
    assert.equal(messages.length, 1, 'answered without the thread');
    rig.slack.setRateLimits({ windowMs });
  });
});

describe('Slack stream lifetime', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig(fast, { rateLimits: { windowMs }, streamLifetimeMs: 1200 });
  });
  after(() => rig.close());
  afterEach(() => {
    rig.bedrock.setResponder(undefined);
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
  });

  test('a stream Slack ends in the middle of a long answer: rewritten and carried on, nothing lost or shown twice', async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => `part ${i}. `);
    rig.bedrock.setResponder(() => ({ chunks }));
    rig.bedrock.setLatency({ firstChunkMs: 50, perChunkMs: 300 });
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> a slow long answer' });
    await wholeAnswer(rig.slack, 'CGENERAL', posted.ts, chunks.join('').trim());
    const [message] = rig.slack.botReplies('CGENERAL', posted.ts);
    assert.ok(isFinished(message!), 'not left looking as if it were streaming');
    assert.ok(rig.slack.callsTo('chat.update').some((c) => c.args.ts === message!.ts), 'rewritten with chat.update after the expiry');
    assert.deepEqual(message!.metadata, { event_type: 'bridge_answer', event_payload: { answers: posted.ts, part: 0 } });
    rig.bedrock.setResponder(undefined);
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
  });

  test('a stream that expires before its stop: the rest still lands, and a failure line after a cut goes the same way', async () => {
    const hold = rig.bedrock.holdNext(1, { afterChunks: 1 });
    rig.bedrock.setResponder(() => ({ chunks: ['Begun, ', 'then ', 'finished.'] }));
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 200 });
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> pause in the middle' });
    await hold.reached();
    await eventually(() => rig.slack.botReplies('CGENERAL', posted.ts)[0]?.streaming_state === 'in_progress' || undefined, 5000, 'stream started');
    await new Promise((resolve) => setTimeout(resolve, 1600));
    hold.release();
    await wholeAnswer(rig.slack, 'CGENERAL', posted.ts, 'Begun, then finished.');

    rig.bedrock.setResponder(() => ({ chunks: ['Half an answer, ', 'and then'] }));
    rig.bedrock.cutStreamNext(1, { afterChunks: 1 });
    const cut = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> cut me' });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', cut.ts).find((m) => /cut off/.test(m.text)), 20_000, 'cut-off line');
    const [answer] = rig.slack.botReplies('CGENERAL', cut.ts);
    assert.equal((answer!.text.match(/Half an answer/g) ?? []).length, 1, 'partial text once');
    rig.bedrock.setResponder(undefined);
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
  });
});

describe('Slack outage at start', () => {
  let bridge: InProcessBridge | undefined;
  after(async () => {
    await bridge?.stop();
  });

  test('503s for the first seconds after a start keep Slack connecting, never failed; it answers within 30 s of the end', async () => {
    const slack = await startFakeSlack({ rateLimits: { windowMs } });
    const bedrock = await startFakeBedrock();
    try {
      slack.outage(4000, { status: 503 });
      const outageEnds = Date.now() + 4000;
      bridge = await startBridge(slackEnv(slack, bedrock, fast));
      const platform = bridge.app.platforms[0]!;
      await eventually(() => (slack.calls.filter((c) => c.status === 503).length >= 2 ? true : undefined), 5000, 'retries during the outage');
      assert.equal(platform.connection.state, 'connecting');
      await eventually(() => (platform.connection.state === 'connected' ? true : undefined), 40_000, 'connected after the outage');
      assert.ok(Date.now() - outageEnds < 30_000, `connected ${Date.now() - outageEnds} ms after the outage`);
      const posted = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> are you back?' });
      await wholeAnswer(slack, 'CGENERAL', posted.ts, 'Echo: are you back?');
      const states = bridge.logs.records().filter((r) => r.message === 'platform state changed').map((r) => r.to);
      assert.equal(states.includes('failed'), false, `states: ${states.join(' ')}`);
      const status = await invoke(bridge.url, { action: 'status' });
      assert.equal((status.body.platforms as Record<string, { state: string }>).slack!.state, 'connected');
    } finally {
      await bridge?.stop();
      bridge = undefined;
      await slack.close();
      await bedrock.close();
    }
  });
});
