// Proves the fake against the real discord.js 14 client: login, messages, replies, DMs, edits, resume and
// re-identify, fatal close codes, a 429 waited out by the REST queue, and slash-command responses.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  ChannelType, Client, DiscordjsError, Events, GatewayIntentBits, type Message, Partials, RESTEvents, type RateLimitData, Status,
} from 'discord.js';
import { type FakeDiscord, type FakeDiscordOptions, Intent, startFakeDiscord } from './index.js';

const rejections: unknown[] = [];
process.on('unhandledRejection', (reason) => rejections.push(reason));
after(() => assert.deepEqual(rejections, [], 'no unhandled rejections'));

const BOB = { id: '400000000000000002', username: 'bob' };
// discord.js waits 5-6.5 s before an IDENTIFY that follows another within 5 s; only re-identify tests feel it.
const NO_IDENTIFY_WAIT = { buildIdentifyThrottler: () => ({ waitForIdentify: () => Promise.resolve() }) };

const clientsOf = new WeakMap<FakeDiscord, Client[]>();

async function fakeFor(t: TestContext, options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = await startFakeDiscord(options);
  const clients: Client[] = [];
  clientsOf.set(fake, clients);
  // Clients go first: one that outlives the fake keeps trying to reconnect to it.
  t.after(async () => {
    await Promise.all(clients.map((client) => client.destroy()));
    await fake.close();
  });
  return fake;
}

function clientFor(fake: FakeDiscord): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages, GatewayIntentBits.MessageContent],
    partials: [Partials.Channel],
    rest: { api: fake.apiUrl },
    ws: NO_IDENTIFY_WAIT,
  });
  clientsOf.get(fake)?.push(client);
  return client;
}

async function loggedIn(t: TestContext, options: FakeDiscordOptions = {}): Promise<{ fake: FakeDiscord; client: Client }> {
  const fake = await fakeFor(t, options);
  const client = clientFor(fake);
  await Promise.all([once(client, Events.ClientReady), client.login(fake.token)]);
  return { fake, client };
}

function nextMessage(client: Client, predicate: (message: Message) => boolean, timeoutMs = 5000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Message): void => {
      if (!predicate(message)) return;
      clearTimeout(timer);
      client.off(Events.MessageCreate, onMessage);
      resolve(message);
    };
    const timer = setTimeout(() => {
      client.off(Events.MessageCreate, onMessage);
      reject(new Error('timed out waiting for messageCreate'));
    }, timeoutMs);
    client.on(Events.MessageCreate, onMessage);
  });
}

test('login makes one REST call (GET /gateway/bot) and connects uncompressed with v=10&encoding=json', async (t) => {
  const { fake, client } = await loggedIn(t);
  assert.deepEqual(fake.calls.map((c) => `${c.method} ${c.path} ${c.status}`), ['GET /gateway/bot 200']);
  assert.deepEqual(fake.upgrades.map((u) => u.query), ['?v=10&encoding=json']);
  const identify = fake.ops.find((o) => o.op === 2);
  assert.deepEqual(identify?.detail, {
    intents: 37377, compress: false, shard: [0, 1], large_threshold: 50,
    properties: { os: process.platform, browser: '@discordjs/ws 1.2.3', device: '@discordjs/ws 1.2.3' },
    presence: { activities: [], afk: false, since: null, status: 'online' },
  });
  assert.equal(client.user?.id, fake.botUser.id);
  const guild = client.guilds.cache.get(fake.guildId);
  assert.equal(guild?.channels.cache.get(fake.channelId)?.type, ChannelType.GuildText);
  assert.equal(guild?.members.me?.id, fake.botUser.id);
  assert.equal(client.application?.id, fake.applicationId);
});

test('a guild mention arrives with its content, and message.reply() is stored as a reply', async (t) => {
  const { fake, client } = await loggedIn(t);
  const arrived = nextMessage(client, (m) => !m.author.bot);
  const sent = fake.sendUserMessage({ content: `<@${fake.botUser.id}> what is 2+2?` });
  const message = await arrived;
  assert.equal(message.content, `<@${fake.botUser.id}> what is 2+2?`);
  assert.equal(message.mentions.users.has(fake.botUser.id), true);
  assert.equal(message.member?.id, sent.author.id);

  // Discord echoes the bot's own message on the gateway too; a bot has to ignore it.
  const echoed = nextMessage(client, (m) => m.author.id === fake.botUser.id);
  const reply = await message.reply('4');
  assert.equal((await echoed).id, reply.id);
  const call = await fake.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${fake.channelId}/messages`);
  assert.deepEqual(call.body, { content: '4', tts: false, enforce_nonce: false, message_reference: { message_id: sent.id, fail_if_not_exists: true } });
  const [stored] = fake.botMessages();
  assert.equal(stored?.type, 19);
  assert.equal(stored?.message_reference?.message_id, sent.id);
  assert.equal(stored?.referenced_message?.id, sent.id);
});

test('a DM in a channel the client never saw arrives (Partials.Channel) and can be answered', async (t) => {
  const { fake, client } = await loggedIn(t);
  const dm = fake.dmChannel(BOB);
  assert.equal(client.channels.cache.has(dm.id), false);
  const arrived = nextMessage(client, (m) => !m.author.bot);
  fake.sendUserMessage({ channelId: dm.id, author: BOB, content: 'hello in private' });
  const message = await arrived;
  assert.equal(message.channel.type, ChannelType.DM);
  assert.equal(message.guildId, null);
  assert.equal(message.content, 'hello in private');
  await message.reply('hi bob');
  assert.deepEqual(fake.botMessages(dm.id).map((m) => m.content), ['hi bob']);
});

test('message.edit is a PATCH the store applies, and the client sees messageUpdate', async (t) => {
  const { fake, client } = await loggedIn(t);
  const channel = client.channels.cache.get(fake.channelId);
  assert.ok(channel?.isSendable());
  const sent = await channel.send('thinking…');
  const updated = once(client, Events.MessageUpdate);
  await sent.edit('the answer');
  const call = await fake.waitForCall((c) => c.method === 'PATCH');
  assert.equal(call.path, `/channels/${fake.channelId}/messages/${sent.id}`);
  assert.equal((call.body as { content: string }).content, 'the answer');
  const [stored] = fake.botMessages();
  assert.equal(stored?.content, 'the answer');
  assert.ok(stored?.edited_timestamp);
  const [, after] = (await updated) as [Message, Message];
  assert.equal(after.content, 'the answer');
});

test('close 4000: discord.js resumes and a message sent while it was away arrives exactly once', async (t) => {
  const { fake, client } = await loggedIn(t);
  const seen: string[] = [];
  client.on(Events.MessageCreate, (m) => void seen.push(m.content));
  const closedAt = Date.now();
  fake.closeAll(4000);
  await fake.waitForClose((c) => c.code === 4000);
  assert.equal(fake.sessions[0]?.connected, false);
  fake.sendUserMessage({ content: 'sent during the outage' });
  await fake.waitForResume(1);
  t.diagnostic(`RESUMED ${Date.now() - closedAt} ms after the server closed with 4000`);
  // Later events follow replayed ones on the same socket, so once the marker arrives a duplicate would have too.
  const marker = nextMessage(client, (m) => m.content === 'marker');
  fake.sendUserMessage({ content: 'marker' });
  await marker;
  assert.deepEqual(seen, ['sent during the outage', 'marker']);
  const resume = fake.ops.find((o) => o.op === 6);
  assert.equal((resume?.detail as { session_id: string }).session_id, fake.sessions[0]?.id);
  assert.equal(fake.counts.identifies, 1);
});

for (const { name, fault, resumes } of [
  { name: 'close 4009 (session timed out): RESUME is refused with op 9, then a fresh IDENTIFY', fault: (f: FakeDiscord) => f.closeAll(4009), resumes: false },
  { name: 'close 4007 (invalid seq): a fresh IDENTIFY', fault: (f: FakeDiscord) => f.closeAll(4007), resumes: false },
  { name: 'a dropped socket (1006): RESUME', fault: (f: FakeDiscord) => f.dropAll(), resumes: true },
  { name: 'op 7 Reconnect: the client closes with 4200 and RESUMEs', fault: (f: FakeDiscord) => f.sendReconnect(), resumes: true },
  { name: 'op 9 d:false: a fresh IDENTIFY on a new socket', fault: (f: FakeDiscord) => f.invalidateSessions(false), resumes: false },
]) {
  test(name, async (t) => {
    const { fake, client } = await loggedIn(t);
    const startedAt = Date.now();
    fault(fake);
    if (resumes) await fake.waitForResume(1);
    else await fake.waitForReady(2);
    t.diagnostic(`recovered in ${Date.now() - startedAt} ms; closes ${JSON.stringify(fake.closes.map((c) => [c.code, c.by]))}`);
    assert.equal(fake.counts.identifies, resumes ? 1 : 2);
    const arrived = nextMessage(client, (m) => m.content === 'after recovery');
    fake.sendUserMessage({ content: 'after recovery' });
    await arrived;
  });
}

test('a silent (zombie) socket: discord.js notices the missing ACK, resumes, and gets what was buffered', async (t) => {
  const { fake, client } = await loggedIn(t, { heartbeatIntervalMs: 200 });
  await fake.waitForOp(1);
  fake.setSilent(true);
  const arrived = nextMessage(client, (m) => m.content === 'while silent');
  fake.sendUserMessage({ content: 'while silent' });
  await arrived;
  assert.equal(fake.counts.resumes, 1);
  assert.deepEqual(fake.closes.map((c) => [c.code, c.by]), [[4200, 'client']]);
  const beats = fake.ops.filter((o) => o.op === 1).map((o) => (o.detail as { acked: boolean }).acked);
  assert.deepEqual(beats.slice(0, 2), [true, false], 'one unanswered heartbeat is enough for discord.js');
});

test('a gateway that refuses connections: discord.js drops its session and re-identifies, losing what it missed', async (t) => {
  const { fake, client } = await loggedIn(t);
  const seen: string[] = [];
  client.on(Events.MessageCreate, (m) => void seen.push(m.content));
  fake.refuseConnections(true);
  fake.dropAll();
  fake.sendUserMessage({ content: 'during the outage' });
  // One failed connect (a network error to discord.js) is enough for it to give up resuming.
  await fake.waitUntil(() => fake.upgrades.some((u) => !u.accepted), 'a refused upgrade');
  fake.refuseConnections(false);
  await fake.waitForReady(2);
  const marker = nextMessage(client, (m) => m.content === 'marker');
  fake.sendUserMessage({ content: 'marker' });
  await marker;
  assert.deepEqual(seen, ['marker']);
  assert.equal(fake.counts.resumes, 0);
  // The abandoned session still holds the missed message (and the marker) until it times out.
  assert.deepEqual([fake.sessions[0]?.connected, fake.sessions[0]?.invalid, fake.sessions[0]?.buffered], [false, false, 4]);
});

test('a wrong token: login() rejects with TokenInvalid from GET /gateway/bot and never opens a socket', async (t) => {
  const fake = await fakeFor(t);
  const client = clientFor(fake);
  await assert.rejects(client.login('MTAwMDAwMDAwMDAwMDAwMDAx.AAAAAA.wrongwrongwrongwrongwrongwrong'), (error: unknown) => {
    assert.ok(error instanceof DiscordjsError);
    assert.equal(error.code, 'TokenInvalid');
    return true;
  });
  assert.deepEqual(fake.calls.map((c) => `${c.method} ${c.path} ${c.status}`), ['GET /gateway/bot 401']);
  assert.equal(fake.upgrades.length, 0);
});

test('close 4004 mid-session: shardDisconnect, and the shard is left disconnected', async (t) => {
  const { fake, client } = await loggedIn(t);
  const disconnected = once(client, Events.ShardDisconnect);
  const shardError = once(client, Events.ShardError);
  fake.closeAll(4004);
  const [event] = (await disconnected) as [{ code: number }];
  assert.equal(event.code, 4004);
  assert.equal(((await shardError) as [Error])[0].message, 'Authentication failed');
  // discord.js destroys the shard without a recovery step, so no reconnect is ever scheduled.
  assert.equal(client.ws.shards.get(0)?.status, Status.Disconnected);
  assert.equal(fake.upgrades.length, 1);
  // isReady() still says true: only shardDisconnect tells a bot that it has gone deaf.
  assert.equal(client.isReady(), true);
});

test('close 4014 (MessageContent not enabled): login() rejects with "Used disallowed intents"', async (t) => {
  const fake = await fakeFor(t, { disallowedIntents: Intent.MessageContent });
  const client = clientFor(fake);
  const disconnected = once(client, Events.ShardDisconnect);
  await assert.rejects(client.login(fake.token), { name: 'Error', message: 'Used disallowed intents' });
  assert.equal(((await disconnected) as [{ code: number }])[0].code, 4014);
  assert.equal(fake.counts.identifies, 0);
  assert.equal((await fake.waitForClose()).code, 4014);
});

test('a 429 on message create is waited out by the REST queue, then the send succeeds', async (t) => {
  const { fake, client } = await loggedIn(t);
  const limited: RateLimitData[] = [];
  client.rest.on(RESTEvents.RateLimited, (info) => limited.push(info));
  const path = `/channels/${fake.channelId}/messages`;
  fake.rateLimitNext({ method: 'POST', path }, 0.3);
  const channel = client.channels.cache.get(fake.channelId);
  assert.ok(channel?.isSendable());
  const sent = await channel.send('eventually');
  const posts = fake.calls.filter((c) => c.method === 'POST' && c.path === path);
  assert.deepEqual(posts.map((c) => c.status), [429, 200]);
  const [first, second] = posts;
  assert.ok(first && second && second.at - first.at >= 300, 'retried only after retry_after');
  t.diagnostic(`retried ${second.at - first.at} ms after the 429`);
  // discord.js waits on X-RateLimit-Reset-After (plus its 50 ms offset), not on the whole-second Retry-After.
  assert.equal(limited.length, 1);
  assert.ok((limited[0]?.retryAfter ?? 0) >= 300);
  assert.equal(fake.botMessages()[0]?.id, sent.id);
});

test('slash commands: registration, then reply and deferReply/editReply land in the channel', async (t) => {
  const { fake, client } = await loggedIn(t);
  await client.application?.commands.set([{ name: 'ask', description: 'Ask the agent', options: [{ name: 'question', description: 'q', type: 3 }] }]);
  assert.deepEqual(fake.commands().map((c) => c.name), ['ask']);
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isChatInputCommand()) return;
    const question = interaction.options.getString('question') ?? '';
    const answer = question === 'slow' ? interaction.deferReply().then(() => interaction.editReply('took a while')) : interaction.reply(`echo ${question}`);
    answer.catch((error: unknown) => rejections.push(error));
  });
  fake.sendInteraction({ commandName: 'ask', options: [{ name: 'question', type: 3, value: 'fast' }] });
  await fake.waitForBotMessage((m) => m.content === 'echo fast');
  fake.sendInteraction({ commandName: 'ask', options: [{ name: 'question', type: 3, value: 'slow' }] });
  const deferred = await fake.waitForBotMessage((m) => m.content === 'took a while');
  assert.equal(deferred.type, 20);
  assert.equal(deferred.flags, 0, 'the edit completed the deferred ("thinking") message');
  assert.deepEqual(
    fake.calls.filter((c) => c.path.startsWith('/interactions') || c.path.startsWith('/webhooks')).map((c) => `${c.method} ${c.status}`),
    ['POST 204', 'POST 204', 'PATCH 200'],
  );
});
