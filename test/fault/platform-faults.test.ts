// Fault suite, platforms and model: each case sends messages through a fault and counts answers
// per message at the end. Nothing lost (every message has an answer), nothing doubled.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

async function everySlackMessageAnsweredOnce(rig: SlackRig, threads: string[]): Promise<void> {
  await eventually(() => (threads.every((ts) => rig.slack.finishedReplies('CGENERAL', ts).length > 0) ? true : undefined), 20_000, 'every slack answer');
  for (const ts of threads) assert.equal(rig.slack.botReplies('CGENERAL', ts).length, 1, `answers to ${ts}`);
}

function answersTo(rig: DiscordRig, id: string): number {
  return rig.discord.botMessages().filter((m) => m.message_reference?.message_id === id).length;
}

describe('Slack faults', () => {
  let rig: SlackRig;
  before(async () => {
    // Slack's limits at ten times their speed (chat.postMessage ~10/s in a channel), so 200 answers fit the test.
    rig = await startSlackRig({ SLACK_RATE_WINDOW_SECONDS: '6' }, { ackRetryMs: 1000, rateLimits: { windowMs: 6000 } });
  });
  after(() => rig.close());

  test('the socket dropped while an answer streams: the answer completes, later messages are answered', async () => {
    const hold = rig.bedrock.holdNext(1, { afterChunks: 1 });
    rig.bedrock.setResponder(() => ({ chunks: ['part one, ', 'part two, ', 'part three.'] }));
    const streaming = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> stream through a drop' });
    await hold.reached();
    rig.slack.dropConnections();
    const during = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> sent during the drop' });
    hold.release();
    await everySlackMessageAnsweredOnce(rig, [streaming.ts, during.ts]);
    rig.bedrock.setResponder(undefined);
    assert.equal(rig.slack.botReplies('CGENERAL', streaming.ts)[0]!.text, 'part one, part two, part three.');
  });

  test("Slack's disconnect frame while replies are in flight", async () => {
    const hold = rig.bedrock.holdNext(3);
    const inFlight = [1, 2, 3].map((i) => rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> in flight ${i}` }).ts);
    await hold.reached(3);
    rig.slack.sendDisconnect('refresh_requested', 200);
    const after = [1, 2, 3].map((i) => rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> after disconnect ${i}` }).ts);
    hold.release();
    await everySlackMessageAnsweredOnce(rig, [...inFlight, ...after]);
  });

  test('a burst of 200 messages in one thread is answered once each, in order', async () => {
    const root = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> burst 0' });
    const texts = ['burst 0'];
    for (let i = 1; i < 200; i += 1) {
      rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> burst ${i}`, threadTs: root.ts });
      texts.push(`burst ${i}`);
    }
    const answers = await eventually(() => {
      const replies = rig.slack.finishedReplies('CGENERAL', root.ts);
      return replies.length >= 200 ? replies : undefined;
    }, 60_000, '200 answers');
    assert.equal(rig.slack.botReplies('CGENERAL', root.ts).length, 200, 'no doubles');
    // Each answer echoes its question's last line, so answer order is question order.
    assert.deepEqual(answers.map((m) => m.text.split('\n').at(-1)?.replace(/^Echo: /, '')), texts);
  });
});

describe('Discord faults', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
  });
  after(() => rig.close());

  test('close 4000 twice while messages keep coming: each is answered exactly once after RESUME', async () => {
    const sent: string[] = [];
    const send = (label: string) => sent.push(rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> ${label}` }).id);
    for (let round = 0; round < 2; round += 1) {
      const resumes = rig.discord.counts.resumes;
      for (let i = 0; i < 5; i += 1) send(`round ${round} before ${i}`);
      rig.discord.closeAll(4000, 'unknown error');
      for (let i = 0; i < 5; i += 1) send(`round ${round} during ${i}`);
      await rig.discord.waitForResume(resumes + 1);
    }
    await eventually(() => (sent.every((id) => answersTo(rig, id) >= 1) ? true : undefined), 20_000, 'every discord answer');
    for (const id of sent) assert.equal(answersTo(rig, id), 1, `answers to ${id}`);
  });

  test('model throttling that outlasts retries, then recovery: every message gets one answer', async () => {
    rig.bedrock.throttleNext(8);
    const sent = [0, 1, 2, 3, 4].map((i) => rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> throttled ${i}` }).id);
    await eventually(() => (sent.every((id) => answersTo(rig, id) >= 1) ? true : undefined), 30_000, 'answers');
    const texts = sent.map((id) => {
      const reply = rig.discord.botMessages().find((m) => m.message_reference?.message_id === id)!;
      return rig.discord.messages().find((m) => m.id === reply.id)!.content;
    });
    assert.ok(texts.some((t) => /over capacity/.test(t)), 'the throttled ones say so honestly');
    assert.ok(texts.some((t) => t.startsWith('Echo: throttled')), 'later ones are answered normally');
    for (const id of sent) assert.equal(answersTo(rig, id), 1);
  });

  test('a model stream cut mid-answer keeps the partial answer and says it was cut, once', async () => {
    rig.bedrock.cutStreamNext(1, { afterChunks: 2, mode: 'reset' });
    const message = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> a long answer that will be cut` });
    const text = await eventually(() => {
      const reply = rig.discord.botMessages().find((m) => m.message_reference?.message_id === message.id);
      const content = reply === undefined ? undefined : rig.discord.messages().find((m) => m.id === reply.id)?.content;
      return content?.includes('cut off') === true ? content : undefined;
    }, 15_000, 'cut answer');
    assert.match(text, /^Echo: /);
    assert.equal(answersTo(rig, message.id), 1);
  });
});
