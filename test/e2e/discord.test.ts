// Proves the Discord behaviour a user sees, end to end: the real discord.js client against the
// fake Discord (REST + Gateway v10), answers from the fake Bedrock through the real SDK.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, invoke, ping } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';

let rig: DiscordRig;
const bob = { id: '400000000000000002', username: 'bob' };

before(async () => {
  rig = await startDiscordRig();
});
after(() => rig.close());

function mention(text: string): string {
  return `<@${rig.discord.botUser.id}> ${text}`;
}

async function replyTo(messageId: string, channelId = rig.discord.channelId) {
  return rig.discord.waitForBotMessage((m) => m.message_reference?.message_id === messageId, channelId, 10_000);
}

/** The bot's final text for an answer: the reply, after its last edit. */
async function finalText(messageId: string, contains: string, channelId = rig.discord.channelId): Promise<string> {
  const reply = await replyTo(messageId, channelId);
  return eventually(() => {
    const current = rig.discord.messages(channelId).find((m) => m.id === reply.id);
    return current?.content.includes(contains) === true ? current.content : undefined;
  }, 10_000, `final text containing "${contains}"`);
}

test('a guild mention is answered as a reply in the same channel, with typing while it thinks', async () => {
  // Typing starts only when the model takes a moment (300 ms) to say anything.
  rig.bedrock.setLatency({ firstChunkMs: 800 });
  const message = rig.discord.sendUserMessage({ content: mention('what is up?') });
  assert.equal(await finalText(message.id, 'Echo: what is up?'), 'Echo: what is up?');
  rig.bedrock.setLatency({ firstChunkMs: 0 });
  const reply = await replyTo(message.id);
  assert.equal(reply.channel_id, rig.discord.channelId);
  assert.ok(rig.discord.calls.some((c) => c.method === 'POST' && c.path === `/channels/${rig.discord.channelId}/typing`));
  const create = rig.discord.calls.find((c) => c.method === 'POST' && c.path === `/channels/${rig.discord.channelId}/messages` && String(JSON.stringify(c.body)).includes(message.id))!;
  assert.deepEqual((create.body as { allowed_mentions: unknown }).allowed_mentions, { parse: [], replied_user: false });
  assert.equal(JSON.stringify(rig.bedrock.requests.at(-1)!.body.messages).includes(rig.discord.botUser.id), false, 'mention stripped');
});

test('no typing once the model has spoken, even when Discord holds the post back (a 429)', async () => {
  const from = rig.discord.calls.length;
  // The post waits a second for its route's limit; the model's text was there at once, so typing would say nothing true.
  rig.discord.rateLimitNext({ method: 'POST', path: `/channels/${rig.discord.channelId}/messages` }, 1);
  const message = rig.discord.sendUserMessage({ content: mention('quick one') });
  assert.equal(await finalText(message.id, 'Echo: quick one'), 'Echo: quick one');
  const calls = rig.discord.calls.slice(from);
  assert.ok(calls.some((c) => c.status === 429), 'the post was held back');
  assert.equal(calls.filter((c) => c.path.endsWith('/typing')).length, 0);
});

test('a DM on a channel the client never cached is answered in the DM', async () => {
  const dm = rig.discord.dmChannel(bob);
  const message = rig.discord.sendUserMessage({ channelId: dm.id, author: bob, content: 'hello in private' });
  assert.equal(await finalText(message.id, 'hello in private', dm.id), 'Echo: hello in private');
});

test('a reply to one of the bot\'s messages is answered without a mention, continuing the conversation', async () => {
  const first = rig.discord.sendUserMessage({ content: mention('remember 42') });
  const answer = await replyTo(first.id);
  await finalText(first.id, 'Echo: remember 42');
  const followUp = rig.discord.sendUserMessage({ content: 'which number was it?', replyTo: answer.id });
  await finalText(followUp.id, 'which number was it?');
  const messages = rig.bedrock.requests.at(-1)!.body.messages as { role: string; content: { text: string }[] }[];
  assert.ok(messages.length >= 3);
  assert.ok(messages.some((m) => m.role === 'assistant' && m.content[0]!.text === 'Echo: remember 42'));
});

test('other bots, its own messages, system messages and unaddressed chatter get no answer', async () => {
  const requests = rig.bedrock.requests.length;
  rig.discord.sendUserMessage({ author: { id: '400000000000000099', username: 'otherbot', bot: true }, content: mention('I am a bot') });
  rig.discord.sendUserMessage({ author: { id: rig.discord.botUser.id, username: rig.discord.botUser.username, bot: true }, content: mention('myself') });
  rig.discord.sendUserMessage({ content: mention('joined'), type: 7 });
  rig.discord.sendUserMessage({ content: 'just chatting, no mention' });
  const probe = rig.discord.sendUserMessage({ content: mention('probe') });
  await finalText(probe.id, 'Echo: probe');
  assert.equal(rig.bedrock.requests.length - requests, 1);
});

test('the same message delivered twice gets exactly one answer', async () => {
  const message = rig.discord.sendUserMessage({ content: mention('only once') });
  await finalText(message.id, 'Echo: only once');
  rig.discord.redeliverMessage(message);
  const probe = rig.discord.sendUserMessage({ content: mention('after the replay') });
  await finalText(probe.id, 'Echo: after the replay');
  assert.equal(rig.discord.botMessages().filter((m) => m.message_reference?.message_id === message.id).length, 1);
});

test('answers over 2,000 characters continue in follow-up messages, code blocks closed and reopened', async () => {
  const paragraph = 'A sentence that makes this answer long. '.repeat(25).trim();
  const code = Array.from({ length: 150 }, (_, i) => `print(${i})`).join('\n');
  const long = `${paragraph}\n\n\`\`\`python\n${code}\n\`\`\`\n\n${paragraph}\n\n${paragraph}`;
  rig.bedrock.setResponder(() => ({ text: long }));
  const message = rig.discord.sendUserMessage({ content: mention('long please') });
  const first = await replyTo(message.id);
  const parts = await eventually(() => {
    const after = rig.discord.botMessages().filter((m) => BigInt(m.id) >= BigInt(first.id));
    return after.length >= 2 && after.at(-1)!.content.endsWith(`${paragraph}\n\n${paragraph}`) ? after : undefined;
  }, 15_000, 'all parts');
  rig.bedrock.setResponder(undefined);
  for (const part of parts) {
    assert.ok(part.content.length <= 2000, `part of ${part.content.length}`);
    assert.equal((part.content.match(/```/g) ?? []).length % 2, 0, `unbalanced fence in:\n${part.content.slice(0, 80)}`);
  }
  assert.equal(parts.map((p) => p.content).join('').replace(/```(python)?\n?/g, '').replace(/\s+/g, ''), long.replace(/```(python)?\n?/g, '').replace(/\s+/g, ''));
});

test('streaming edits the reply at most about once a second', async () => {
  rig.bedrock.setResponder(() => ({ chunks: Array.from({ length: 25 }, (_, i) => `part${i} `) }));
  rig.bedrock.setLatency({ perChunkMs: 120 });
  const message = rig.discord.sendUserMessage({ content: mention('slowly') });
  await finalText(message.id, 'part24');
  rig.bedrock.setLatency({ perChunkMs: 0 });
  rig.bedrock.setResponder(undefined);
  const reply = await replyTo(message.id);
  const writes = rig.discord.calls.filter((c) => (c.method === 'PATCH' && c.path.endsWith(`/messages/${reply.id}`)) || (c.method === 'POST' && String(JSON.stringify(c.body)).includes(message.id))).map((c) => c.at);
  assert.ok(writes.length >= 2, 'edited while streaming');
  for (let i = 1; i < writes.length - 1; i += 1) assert.ok(writes[i]! - writes[i - 1]! >= 900, `edits ${writes[i]! - writes[i - 1]!} ms apart`);
});

test('a model failure ends in a short honest message', async () => {
  rig.bedrock.failNext(1, { status: 403, type: 'AccessDeniedException', message: 'no access' });
  const message = rig.discord.sendUserMessage({ content: mention('this fails') });
  assert.match(await finalText(message.id, 'access denied'), /not allowed to use the model/);
});

test('@everyone written by the model never pings anyone', async () => {
  rig.bedrock.setResponder(() => ({ text: 'Hey @everyone and <@400000000000000002>!' }));
  const message = rig.discord.sendUserMessage({ content: mention('ping everyone') });
  await finalText(message.id, '@everyone');
  rig.bedrock.setResponder(undefined);
  const posts = rig.discord.calls.filter((c) => (c.method === 'POST' || c.method === 'PATCH') && String(JSON.stringify(c.body)).includes('@everyone'));
  assert.ok(posts.length >= 1);
  for (const post of posts) assert.deepEqual((post.body as { allowed_mentions: { parse: unknown[] } }).allowed_mentions.parse, []);
});

test('status and /ping show Discord connected, and no token reaches the logs', async () => {
  assert.equal((await ping(rig.bridge.url)).status, 'HealthyBusy');
  const status = await invoke(rig.bridge.url, { action: 'status' });
  const discord = (status.body.platforms as Record<string, Record<string, unknown>>).discord!;
  assert.equal(discord.state, 'connected');
  assert.ok((discord.messages_received as number) >= 8);
  assert.ok((discord.replies_sent as number) >= 7);
  assert.equal(rig.bridge.logs.lines.join('\n').includes(rig.discord.token), false);
});
