// Discord threads work like channels: the real discord.js client learns of a thread from
// THREAD_CREATE (or GUILD_CREATE's threads after a restart), answers in it, keeps the thread's
// conversation, and applies the parent channel's allowlist entry to it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';

const alice = { id: '400000000000000001', username: 'alice' };
const bob = { id: '400000000000000002', username: 'bob' };
const allowedChannel = '300000000000000001';
const otherChannel = '300000000000000002';
let rig: DiscordRig;

before(async () => {
  rig = await startDiscordRig({ DISCORD_ALLOWED_CHANNELS: allowedChannel }, {
    guilds: [{ id: '200000000000000001', name: 'Fake Guild', channels: [{ id: allowedChannel, name: 'general' }, { id: otherChannel, name: 'random' }], members: [alice, bob] }],
  });
});
after(() => rig.close());

const mention = (text: string): string => `<@${rig.discord.botUser.id}> ${text}`;

async function answerIn(threadId: string, messageId: string, contains: string): Promise<string> {
  return eventually(() => {
    const reply = rig.discord.botMessages(threadId).find((m) => m.message_reference?.message_id === messageId);
    return reply?.content.includes(contains) === true ? reply.content : undefined;
  }, 10_000, `an answer in ${threadId} containing "${contains}"`);
}

type SentMessages = { role: string; content: { text?: string }[] }[];
const lastModelInput = (): SentMessages => rig.bedrock.requests.at(-1)!.body.messages as SentMessages;

test('a mention in a thread is answered in the thread; later mentions there continue the conversation', async () => {
  const thread = rig.discord.createThread('release planning');
  const first = rig.discord.sendUserMessage({ channelId: thread.id, content: mention('the release is on Friday') });
  assert.equal(await answerIn(thread.id, first.id, 'Echo:'), 'Echo: the release is on Friday');
  assert.equal(rig.discord.botMessages(allowedChannel).length, 0, 'nothing was posted in the parent channel');

  const second = rig.discord.sendUserMessage({ channelId: thread.id, author: bob, content: mention('when is the release?') });
  await answerIn(thread.id, second.id, 'when is the release?');
  const input = lastModelInput();
  assert.deepEqual(input.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.equal(input[1]!.content[0]!.text, 'Echo: the release is on Friday');
});

test('after a restart the thread is known from GUILD_CREATE and its conversation is rebuilt, by name', async () => {
  const thread = rig.discord.createThread('incident review');
  const first = rig.discord.sendUserMessage({ channelId: thread.id, content: mention('the outage began at 09:12') });
  await answerIn(thread.id, first.id, 'Echo:');
  rig.discord.sendUserMessage({ channelId: thread.id, author: bob, content: 'and it ended at 09:40' });
  await rig.restart();

  const question = rig.discord.sendUserMessage({ channelId: thread.id, content: mention('how long did it last?') });
  await answerIn(thread.id, question.id, 'how long did it last?');
  const texts = lastModelInput().flatMap((m) => m.content.map((c) => `${m.role}: ${c.text ?? ''}`));
  // In a thread every message is part of the conversation, not only those addressed to the bot.
  assert.ok(texts.includes('user: alice: the outage began at 09:12'), texts.join('\n'));
  assert.ok(texts.some((t) => t.includes('bob: and it ended at 09:40')), texts.join('\n'));
  assert.ok(texts.includes('assistant: Echo: the outage began at 09:12'));
});

test('a thread of a channel outside DISCORD_ALLOWED_CHANNELS gets no answer', async () => {
  const requests = rig.bedrock.requests.length;
  const outside = rig.discord.createThread('off limits', otherChannel);
  rig.discord.sendUserMessage({ channelId: outside.id, content: mention('anyone here?') });
  const inside = rig.discord.createThread('allowed');
  const probe = rig.discord.sendUserMessage({ channelId: inside.id, content: mention('probe') });
  await answerIn(inside.id, probe.id, 'Echo: probe');
  assert.equal(rig.bedrock.requests.length - requests, 1);
  assert.equal(rig.discord.botMessages(outside.id).length, 0);
});
