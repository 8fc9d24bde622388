// Proves the fake's REST answers with plain fetch: auth, Discord's error bodies and limits, rate-limit
// headers and 429s, message history paging, uploads, reactions, DMs and interaction callback rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { snowflakeTime } from './ids.js';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from './index.js';

async function fakeFor(t: TestContext, options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = await startFakeDiscord(options);
  t.after(() => fake.close());
  return fake;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & Array<Record<string, unknown>>;
}

async function call(fake: FakeDiscord, method: string, path: string, body?: unknown, token: string | null = fake.token): Promise<Answer> {
  const res = await fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bot ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Answer['body'] };
}

const post = (fake: FakeDiscord, content: string, channel = fake.channelId): Promise<Answer> =>
  call(fake, 'POST', `/channels/${channel}/messages`, { content });

test('a wrong or missing token gets 401 with Discord\'s body; webhook routes need none', async (t) => {
  const fake = await fakeFor(t);
  for (const token of ['wrong', null]) {
    const answer = await call(fake, 'GET', '/users/@me', undefined, token);
    assert.deepEqual([answer.status, answer.body], [401, { message: '401: Unauthorized', code: 0 }]);
  }
  assert.equal((await call(fake, 'GET', '/users/@me')).body.id, fake.botUser.id);
  const webhook = await call(fake, 'GET', `/webhooks/${fake.applicationId}/unknown-token/messages/@original`, undefined, null);
  assert.deepEqual([webhook.status, webhook.body.code], [404, 10015]);
  assert.deepEqual([(await call(fake, 'GET', '/nowhere')).status, (await call(fake, 'PUT', '/users/@me')).status], [404, 405]);
});

test('every answer carries rate-limit headers; buckets split by channel and run out into a 429', async (t) => {
  const fake = await fakeFor(t, { rateLimit: { limit: 2, windowMs: 60_000 } });
  const dm = fake.dmChannel();
  const first = await post(fake, 'one');
  const otherChannel = await post(fake, 'elsewhere', dm.id);
  const second = await post(fake, 'two');
  const third = await post(fake, 'three');
  assert.equal(first.headers.get('x-ratelimit-limit'), '2');
  assert.deepEqual([first, second, third].map((a) => a.headers.get('x-ratelimit-remaining')), ['1', '0', '0']);
  assert.equal(otherChannel.headers.get('x-ratelimit-remaining'), '1', 'the channel id is a top-level resource');
  assert.equal(otherChannel.headers.get('x-ratelimit-bucket'), first.headers.get('x-ratelimit-bucket'));
  assert.ok(Number(first.headers.get('x-ratelimit-reset-after')) > 59);
  assert.ok(Math.abs(Number(first.headers.get('x-ratelimit-reset')) * 1000 - Date.now() - 60_000) < 2000);
  assert.equal(third.status, 429);
  assert.equal(third.headers.get('x-ratelimit-scope'), 'user');
  assert.equal(third.headers.get('retry-after'), '60');
  assert.deepEqual(Object.keys(third.body), ['message', 'retry_after', 'global']);
  assert.equal(fake.botMessages().length, 2);
});

test('rateLimitNext forces a 429 (route or global) and keeps refusing until retry_after passes', async (t) => {
  const fake = await fakeFor(t);
  fake.rateLimitNext({ method: 'POST', path: /\/messages$/ }, 30);
  const limited = await post(fake, 'x');
  assert.deepEqual([limited.status, limited.body.message, limited.body.global], [429, 'You are being rate limited.', false]);
  assert.equal((await post(fake, 'early retry')).status, 429);
  assert.equal((await call(fake, 'GET', `/channels/${fake.channelId}`)).status, 200, 'other buckets are unaffected');
  fake.rateLimitNext({ path: '/users/@me' }, 2, { global: true });
  const global = await call(fake, 'GET', '/users/@me');
  assert.deepEqual([global.status, global.body.global, global.headers.get('x-ratelimit-global')], [429, true, 'true']);
  assert.equal((await call(fake, 'GET', '/gateway/bot')).status, 429, 'a global limit blocks every route');
});

test('message validation: 2000 characters pass, 2001 get 50035, empty gets 50006, unknown ids 10003/10008', async (t) => {
  const fake = await fakeFor(t);
  assert.equal((await post(fake, 'x'.repeat(2000))).status, 200);
  const tooLong = await post(fake, 'x'.repeat(2001));
  assert.deepEqual([tooLong.status, tooLong.body], [400, {
    message: 'Invalid Form Body', code: 50035,
    errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
  }]);
  assert.deepEqual((await post(fake, '')).body, { message: 'Cannot send an empty message', code: 50006 });
  assert.equal((await post(fake, 'x', '999999999999999999')).body.code, 10003);
  assert.equal((await call(fake, 'PATCH', `/channels/${fake.channelId}/messages/999999999999999999`, { content: 'y' })).body.code, 10008);
  const user = fake.sendUserMessage({ content: 'mine' });
  const foreign = await call(fake, 'PATCH', `/channels/${fake.channelId}/messages/${user.id}`, { content: 'yours now' });
  assert.deepEqual([foreign.status, foreign.body.code], [403, 50005]);
  const edited = await call(fake, 'PATCH', `/channels/${fake.channelId}/messages/${fake.botMessages()[0]?.id}`, { content: 'x'.repeat(2001) });
  assert.equal(edited.body.code, 50035);
});

test('content is stored and answered trimmed, on create and edit; whitespace-only is an empty message (50006)', async (t) => {
  const fake = await fakeFor(t);
  const path = `/channels/${fake.channelId}/messages`;
  const created = await post(fake, '  ECHO[1]: \n\n');
  assert.deepEqual([created.status, created.body.content], [200, 'ECHO[1]:']);
  const edited = await call(fake, 'PATCH', `${path}/${String(created.body.id)}`, { content: '\n_(late)_\n\nanswer \n' });
  assert.equal(edited.body.content, '_(late)_\n\nanswer');
  assert.equal(fake.botMessages()[0]?.content, '_(late)_\n\nanswer');
  for (const blank of [' ', '\n\n', ' \t\n ']) assert.deepEqual((await post(fake, blank)).body, { message: 'Cannot send an empty message', code: 50006 });
  const emptied = await call(fake, 'PATCH', `${path}/${String(created.body.id)}`, { content: '\n \n' });
  assert.deepEqual([emptied.status, emptied.body.code], [400, 50006]);
});

test('nonces: at most 25 characters; enforce_nonce returns the earlier message, or 10008 once it was deleted', async (t) => {
  const fake = await fakeFor(t);
  const path = `/channels/${fake.channelId}/messages`;
  const tooLong = await call(fake, 'POST', path, { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true });
  assert.deepEqual([tooLong.status, tooLong.body], [400, {
    message: 'Invalid Form Body', code: 50035, errors: { nonce: { _errors: [{ code: 'NONCE_TYPE_TOO_LONG', message: 'Must be 25 or fewer characters long.' }] } },
  }]);
  const first = await call(fake, 'POST', path, { content: 'first', nonce: 'n'.repeat(25), enforce_nonce: true });
  assert.equal(first.body.nonce, 'n'.repeat(25));
  const again = await call(fake, 'POST', path, { content: 'second', nonce: 'n'.repeat(25), enforce_nonce: true });
  assert.deepEqual([again.status, again.body.id, again.body.content], [200, first.body.id, 'first']);
  const unenforced = await call(fake, 'POST', path, { content: 'third', nonce: 'n'.repeat(25) });
  assert.notEqual(unenforced.body.id, first.body.id);
  const read = await call(fake, 'GET', `${path}/${String(first.body.id)}`);
  assert.equal('nonce' in read.body, false, 'a read does not show the nonce');
  assert.equal((await call(fake, 'GET', path)).body.some((m) => 'nonce' in m), false);
  const gone = await call(fake, 'POST', path, { content: 'gone', nonce: 'g1', enforce_nonce: true });
  await call(fake, 'DELETE', `${path}/${String(gone.body.id)}`);
  const afterDelete = await call(fake, 'POST', path, { content: 'gone again', nonce: 'g1', enforce_nonce: true });
  assert.deepEqual([afterDelete.status, afterDelete.body.code], [404, 10008]);
  assert.equal(fake.botMessages().filter((m) => m.content.startsWith('gone')).length, 0);
});

test('replies: an unknown reference fails unless fail_if_not_exists is false', async (t) => {
  const fake = await fakeFor(t);
  const path = `/channels/${fake.channelId}/messages`;
  const missing = await call(fake, 'POST', path, { content: 'r', message_reference: { message_id: '999999999999999999' } });
  assert.equal(missing.body.code, 50035);
  const lenient = await call(fake, 'POST', path, { content: 'r', message_reference: { message_id: '999999999999999999', fail_if_not_exists: false } });
  assert.deepEqual([lenient.status, lenient.body.type], [200, 0]);
  const target = fake.sendUserMessage({ content: 'question' });
  const reply = await call(fake, 'POST', path, { content: 'answer', message_reference: { message_id: target.id }, allowed_mentions: { parse: [] } });
  assert.deepEqual([reply.body.type, (reply.body.referenced_message as { id: string }).id, reply.body.mentions], [19, target.id, []]);
});

test('ids are time-ordered snowflakes and history reads newest first with before/after/around', async (t) => {
  const fake = await fakeFor(t);
  const ids = [];
  for (let i = 0; i < 5; i += 1) ids.push(fake.sendUserMessage({ content: `m${i}` }).id);
  assert.deepEqual([...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)), ids);
  assert.ok(Math.abs(snowflakeTime(ids[0] ?? '') - Date.now()) < 5000);
  const list = async (query: string): Promise<unknown[]> =>
    (await call(fake, 'GET', `/channels/${fake.channelId}/messages${query}`)).body.map((m) => m.content);
  assert.deepEqual(await list(''), ['m4', 'm3', 'm2', 'm1', 'm0']);
  assert.deepEqual(await list('?limit=2'), ['m4', 'm3']);
  assert.deepEqual(await list(`?before=${ids[2]}`), ['m1', 'm0']);
  assert.deepEqual(await list(`?after=${ids[1]}&limit=2`), ['m3', 'm2']);
  assert.deepEqual(await list(`?around=${ids[2]}&limit=3`), ['m3', 'm2', 'm1']);
  assert.equal((await call(fake, 'GET', `/channels/${fake.channelId}/messages?limit=101`)).status, 400);
  const channel = await call(fake, 'GET', `/channels/${fake.channelId}`);
  assert.equal(channel.body.last_message_id, ids[4]);
});

test('multipart uploads become attachments the fake serves; user attachments are served too', async (t) => {
  const fake = await fakeFor(t);
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ content: 'see file', attachments: [{ id: 0, filename: 'a.txt' }] }));
  form.append('files[0]', new Blob(['hello file'], { type: 'text/plain' }), 'a.txt');
  const res = await fetch(`${fake.apiUrl}/v10/channels/${fake.channelId}/messages`, { method: 'POST', headers: { authorization: `Bot ${fake.token}` }, body: form });
  const message = (await res.json()) as { attachments: Array<{ url: string; size: number; filename: string }> };
  assert.deepEqual(message.attachments.map((a) => [a.filename, a.size]), [['a.txt', 10]]);
  assert.equal(await (await fetch(message.attachments[0]?.url ?? '')).text(), 'hello file');
  assert.deepEqual(fake.calls.at(-1)?.files.map((f) => [f.field, f.filename, f.size]), [['files[0]', 'a.txt', 10]]);
  const sent = fake.sendUserMessage({ content: 'pic', attachments: [{ filename: 'p.png', contentType: 'image/png', data: Buffer.from([1, 2, 3]) }] });
  const image = await fetch(sent.attachments[0]?.url ?? '');
  assert.deepEqual([image.headers.get('content-type'), (await image.arrayBuffer()).byteLength], ['image/png', 3]);
});

test('reactions, typing, DM creation and guild member lookups', async (t) => {
  const fake = await fakeFor(t);
  const target = fake.sendUserMessage({ content: 'react to me' });
  const reaction = `/channels/${fake.channelId}/messages/${target.id}/reactions/${encodeURIComponent('👀')}/@me`;
  assert.equal((await call(fake, 'PUT', reaction)).status, 204);
  assert.deepEqual(fake.messages()[0]?.reactions?.map((r) => [r.emoji.name, r.count, r.me]), [['👀', 1, true]]);
  assert.equal((await call(fake, 'DELETE', reaction)).status, 204);
  assert.deepEqual(fake.messages()[0]?.reactions, []);
  assert.equal((await call(fake, 'POST', `/channels/${fake.channelId}/typing`)).status, 204);
  const dm = await call(fake, 'POST', '/users/@me/channels', { recipient_id: target.author.id });
  assert.deepEqual([dm.body.type, (dm.body.recipients as Array<{ id: string }>)[0]?.id], [1, target.author.id]);
  assert.equal((await call(fake, 'POST', '/users/@me/channels', { recipient_id: target.author.id })).body.id, dm.body.id);
  assert.equal((await call(fake, 'GET', `/guilds/${fake.guildId}/members/${target.author.id}`)).body.joined_at !== undefined, true);
  assert.equal((await call(fake, 'GET', `/guilds/${fake.guildId}/members/999999999999999999`)).body.code, 10007);
});

test('interaction callbacks: only once, only within the ack window', async (t) => {
  const fake = await fakeFor(t, { interactionAckWindowMs: 60_000 });
  const first = fake.sendInteraction({ commandName: 'ask' });
  const path = `/interactions/${first.id}/${first.token}/callback`;
  assert.equal((await call(fake, 'POST', `${path}?with_response=true`, { type: 4, data: { content: 'hi' } }, null)).status, 200);
  const twice = await call(fake, 'POST', path, { type: 4, data: { content: 'again' } }, null);
  assert.deepEqual([twice.status, twice.body.code], [400, 40060]);
  const late = await fakeFor(t, { interactionAckWindowMs: 0 });
  const slow = late.sendInteraction({ commandName: 'ask' });
  const expired = await call(late, 'POST', `/interactions/${slow.id}/${slow.token}/callback`, { type: 5 }, null);
  assert.deepEqual([expired.status, expired.body.code], [404, 10062]);
});
