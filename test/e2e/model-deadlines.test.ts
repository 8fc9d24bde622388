// Proves no model call waits without bound, end to end through the real Bolt and discord.js
// clients, the real SDK over keep-alive HTTP/1.1 and the fake Bedrock going silent: the thread gets
// an honest line within the idle bound, the next message is answered, the concurrency slot and the
// shutdown are not held, and the abandoned request is torn down (the fake sees the client leave).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, invoke } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

const TIMEOUT_LINE = /The model did not answer in time/;
const CUT_LINE = /My answer was cut off/;

/** One idle second, so a silent call and its one retry are over in about two. */
const deadlineEnv = { BEDROCK_IDLE_TIMEOUT_SECONDS: '1', BEDROCK_TURN_TIMEOUT_SECONDS: '3', MAX_CONCURRENT_TURNS: '1', TOOL_MAX_ROUNDS: '10' };

describe('Slack, streaming: silent model streams', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ ...deadlineEnv, SHUTDOWN_GRACE_SECONDS: '30' });
  });
  after(() => rig.close());

  const ask = (text: string, threadTs?: string) => rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> ${text}`, ...(threadTs === undefined ? {} : { threadTs }) });
  const finished = (threadTs: string, matches: RegExp, timeoutMs = 8000) =>
    eventually(() => rig.slack.botReplies('CGENERAL', threadTs).find((m) => m.streaming_state === 'completed' && matches.test(m.text)), timeoutMs, `a finished answer matching ${matches}`);
  const sentSince = (count: number) => rig.bedrock.requests.slice(count);
  /** Turns each test below expects a deadline to end, for the status check. */
  let expectedTimeouts = 0;

  test('silent before the headers, twice: the timeout line in the thread, then the next message in it is answered', async () => {
    const before = rig.bedrock.requests.length;
    const hold = rig.bedrock.holdNext(2);
    const posted = ask('nobody home');
    expectedTimeouts += 1;
    const answer = await finished(posted.ts, TIMEOUT_LINE);
    hold.release();
    assert.equal(answer.text, 'The model did not answer in time. Please try again.');
    assert.equal(rig.slack.botReplies('CGENERAL', posted.ts).length, 1);
    const attempts = sentSince(before);
    assert.equal(attempts.length, 2, 'one retry of a round that showed nothing, no more');
    assert.ok(attempts.every((r) => r.clientGone), 'each silent request was torn down');
    assert.equal(hold.waiting, 0);
    await eventually(() => rig.slack.callsTo('reactions.remove').find((c) => c.args.timestamp === posted.ts), 5000, ':eyes: removed');
    ask('are you back?', posted.ts);
    // The unanswered question stays in history, merged with the new one into one user turn.
    await finished(posted.ts, /^Echo: nobody home\nare you back\?$/);
  });

  test('silent once before any text, then a good retry: one complete answer, nothing about a failure', async () => {
    const before = rig.bedrock.requests.length;
    const hold = rig.bedrock.holdNext(1);
    const posted = ask('second time lucky');
    const answer = await finished(posted.ts, /Echo/);
    hold.release();
    assert.equal(answer.text, 'Echo: second time lucky');
    assert.deepEqual(sentSince(before).map((r) => r.clientGone), [true, false]);
  });

  test('silent after some text: the partial text and the cut-off line, in the same message', async () => {
    const before = rig.bedrock.requests.length;
    const hold = rig.bedrock.holdNext(1, { afterChunks: 2 });
    const posted = ask('this answer will stall halfway');
    expectedTimeouts += 1;
    const answer = await finished(posted.ts, CUT_LINE);
    hold.release();
    assert.match(answer.text, /^Echo: this answer wi\n\n_\(My answer was cut off/);
    assert.equal(rig.slack.botReplies('CGENERAL', posted.ts).length, 1);
    assert.equal(sentSince(before).length, 1, 'text was shown, so no retry');
    assert.equal(sentSince(before)[0]?.clientGone, true);
  });

  test('tool rounds that outlast the turn bound end with the honest line, well before the rounds would', async () => {
    rig.bedrock.setResponder(() => ({ toolUse: { name: 'current_time', input: {} } }));
    // Each round answers within the idle bound; ten of them do not fit in the three-second turn.
    rig.bedrock.setLatency({ firstChunkMs: 700 });
    const before = rig.bedrock.requests.length;
    try {
      const posted = ask('what time is it, again and again?');
      expectedTimeouts += 1;
      const answer = await finished(posted.ts, TIMEOUT_LINE);
      assert.equal(answer.text, 'The model did not answer in time. Please try again.');
      assert.ok(sentSince(before).length < 10, `${sentSince(before).length} rounds ran`);
    } finally {
      rig.bedrock.setResponder(undefined);
      rig.bedrock.setLatency({ firstChunkMs: 0 });
    }
  });

  test('with MAX_CONCURRENT_TURNS=1, a silent conversation gives its slot back and another is answered', async () => {
    const hold = rig.bedrock.holdNext(2);
    const stuck = ask('I take the only slot');
    expectedTimeouts += 1;
    await hold.reached(1);
    const other = ask('another conversation');
    await finished(other.ts, /^Echo: another conversation$/);
    await finished(stuck.ts, TIMEOUT_LINE, 1000);
    hold.release();
  });

  test('status counts the turns a deadline ended', async () => {
    const status = await invoke(rig.bridge.url, { action: 'status' });
    assert.equal((status.body.agent as Record<string, unknown>).timeouts, expectedTimeouts);
  });

  test('shutdown is not held up by a silent stream beyond its deadline', async () => {
    const hold = rig.bedrock.holdNext(2);
    const posted = ask('silent while we shut down');
    await hold.reached(1);
    const startedAt = Date.now();
    await rig.bridge.stop();
    const tookMs = Date.now() - startedAt;
    hold.release();
    // The grace is 30 s: without a deadline the drain would wait 27 s, then interrupt the turn.
    assert.ok(tookMs < 10_000, `stop took ${tookMs} ms`);
    const answer = rig.slack.botReplies('CGENERAL', posted.ts).at(-1);
    assert.match(answer?.text ?? '', TIMEOUT_LINE);
    assert.equal(answer?.streaming_state, 'completed');
  });
});

describe('Discord, BEDROCK_STREAMING=false: a silent Converse call', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig({ ...deadlineEnv, BEDROCK_STREAMING: 'false' });
  });
  after(() => rig.close());

  const answerTo = (messageId: string, matches: RegExp) =>
    eventually(() => {
      const reply = rig.discord.botMessages().find((m) => m.message_reference?.message_id === messageId);
      const content = reply === undefined ? undefined : rig.discord.messages().find((m) => m.id === reply.id)?.content;
      return content !== undefined && matches.test(content) ? content : undefined;
    }, 8000, `an answer matching ${matches}`);

  test('the whole call is bounded: the timeout line, no retry, and the next message is answered', async () => {
    const before = rig.bedrock.requests.length;
    const hold = rig.bedrock.holdNext(1);
    const silent = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> are you there?` });
    assert.equal(await answerTo(silent.id, TIMEOUT_LINE), 'The model did not answer in time. Please try again.');
    hold.release();
    const sent = rig.bedrock.requests.slice(before);
    assert.deepEqual(sent.map((r) => [r.operation, r.clientGone]), [['converse', true]], 'a slow whole answer is not paid for twice');
    const next = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> and now?` });
    await answerTo(next.id, /^Echo: (.+\n)?and now\?$/);
  });

  test('a Converse call slower than the bound (the model still generating) is bounded the same way', async () => {
    rig.bedrock.setLatency({ firstChunkMs: 5000 });
    try {
      const slow = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> a very long essay` });
      await answerTo(slow.id, TIMEOUT_LINE);
    } finally {
      rig.bedrock.setLatency({ firstChunkMs: 0 });
    }
  });
});
