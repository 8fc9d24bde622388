// Proves what the model sees when the bot joins a conversation: a long Slack thread's parent and
// latest messages by display name within CONTEXT_TOKEN_BUDGET, a Discord reply chain, and the
// per-user rate limit's polite answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

type Messages = { role: string; content: { text?: string }[] }[];

describe('Slack thread context', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ CONTEXT_TOKEN_BUDGET: '150', RATE_LIMIT_PER_USER_PER_MINUTE: '3' });
  });
  after(() => rig.close());

  test('first mention in a long thread: the parent and the newest messages within the budget, by name', async () => {
    const parent = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'Incident: the deploy failed at step 3' });
    for (let i = 1; i <= 40; i += 1) {
      rig.slack.postUserMessage({ channel: 'CGENERAL', user: i % 2 === 0 ? 'UALICE' : 'UBOB', text: `log line number ${i} with some detail`, threadTs: parent.ts });
    }
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> what went wrong?', threadTs: parent.ts });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', parent.ts)[0], 10_000, 'answer');
    const messages = rig.bedrock.requests.at(-1)!.body.messages as Messages;
    const texts = messages.flatMap((m) => m.content.map((c) => c.text ?? ''));
    assert.match(texts[0]!, /^bob: Incident: the deploy failed at step 3/, 'the parent comes first, by name');
    assert.ok(texts.some((t) => t.includes('log line number 40')), 'the newest messages are there');
    assert.ok(!texts.some((t) => t.includes('log line number 1 ')), 'the oldest replies were dropped');
    const context = texts.join('\n').replace('what went wrong?', '');
    assert.ok(context.length <= 150 * 4 + 50, `context of ${context.length} chars within the budget`);
    assert.match(texts.join('\n'), /alice: log line number 40/);
  });

  test('over RATE_LIMIT_PER_USER_PER_MINUTE a user gets one polite answer, not silence', async () => {
    const dm = rig.slack.addChannel({ id: 'DBOB', type: 'im', user: 'UBOB' });
    for (let i = 0; i < 4; i += 1) rig.slack.postUserMessage({ channel: dm.id, channelType: 'im', user: 'UBOB', text: `quick ${i}` });
    const limited = await eventually(() => rig.slack.messages(dm.id).find((m) => m.bot_id !== undefined && m.text.includes('faster than I can answer')), 10_000, 'polite refusal');
    assert.match(limited.text, /limit is 3 a minute/);
    await eventually(() => (rig.slack.messages(dm.id).filter((m) => m.bot_id !== undefined && m.text.includes('Echo: quick')).length === 3 ? true : undefined), 10_000, 'three answers');
  });
});

describe('Discord reply chain', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
  });
  after(() => rig.close());

  test('a mention replying to someone\'s message shows the model that message (and what it replied to)', async () => {
    const bob = { id: '400000000000000002', username: 'bob' };
    const original = rig.discord.sendUserMessage({ author: bob, content: 'The build uses Node 18' });
    const correction = rig.discord.sendUserMessage({ content: 'No, we moved to Node 22', replyTo: original.id });
    const ask = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> who is right?`, replyTo: correction.id });
    await rig.discord.waitForBotMessage((m) => m.message_reference?.message_id === ask.id, undefined, 10_000);
    const prompt = JSON.stringify(rig.bedrock.requests.at(-1)!.body.messages);
    assert.match(prompt, /alice wrote: \\"No, we moved to Node 22\\"/);
    assert.match(prompt, /bob wrote: \\"The build uses Node 18\\"/);
    assert.match(prompt, /who is right\?/);
  });
});
