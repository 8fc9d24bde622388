// Proves the fake's Web API answers the real @slack/web-api client as Slack does: tokens, errors, threads, streams.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { webApi } from '@slack/bolt';
import { startFakeSlack } from './index.js';
import type { FakeSlack } from './index.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

/** Slack errors surface as WebAPIPlatformError with data.error; this reads the code. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { error?: string } }).data;
    if (data?.error !== undefined) return data.error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let bot: WebClient;
  const client = (token: string): WebClient =>
    new webApi.WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logLevel: webApi.LogLevel.ERROR });

  before(async () => {
    // Rate limits have their own tests (rate-limits.test.ts); these calls come faster than Slack allows.
    fake = await startFakeSlack({ rateLimits: { windowMs: 0 } });
    bot = client(fake.tokens.bot);
  });
  after(() => fake.close());

  it('answers auth.test for the bot token and sorts out wrong, missing and misplaced tokens', async () => {
    const auth = await bot.auth.test();
    assert.equal(auth.user_id, 'UBOT');
    assert.equal(auth.bot_id, 'BBOT');
    assert.equal(auth.team_id, 'TFAKE');
    assert.equal(await slackError(client('xoxb-wrong').auth.test()), 'invalid_auth');
    assert.equal(await slackError(client('').auth.test()), 'not_authed');
    assert.equal(await slackError(client(fake.tokens.app).auth.test()), 'not_allowed_token_type');
    assert.equal(await slackError(bot.apps.connections.open()), 'not_allowed_token_type');
    const open = await client(fake.tokens.app).apps.connections.open();
    assert.match(open.url ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
  });

  it('records every call, including unknown methods and the token used', async () => {
    assert.equal(await slackError(bot.apiCall('files.frobnicate', { x: 1 })), 'unknown_method');
    const call = await fake.waitForCall((c) => c.method === 'files.frobnicate');
    assert.deepEqual(call.args, { x: '1' });
    assert.equal(call.token, fake.tokens.bot);
  });

  it('reads JSON bodies and a token form field as Slack does', async () => {
    const json = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.tokens.bot}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'CGENERAL', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    const body = (await json.json()) as { ok: boolean; message: { blocks: unknown[] } };
    assert.equal(body.ok, true);
    assert.deepEqual(body.message.blocks, [{ type: 'divider' }]);
    const form = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST', body: new URLSearchParams({ token: fake.tokens.bot }) });
    assert.equal(((await form.json()) as { ok: boolean }).ok, true);
  });

  it('keeps threads: replies come back parent first, paginated by cursor', async () => {
    const parent = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'question' });
    for (const text of ['one', 'two', 'three']) await bot.chat.postMessage({ channel: 'CGENERAL', thread_ts: parent.ts, text });
    const first = await bot.conversations.replies({ channel: 'CGENERAL', ts: parent.ts, limit: 2 });
    assert.deepEqual(first.messages?.map((m) => m.text), ['question', 'one']);
    assert.equal(first.messages?.[0]?.reply_count, 3);
    assert.equal(first.has_more, true);
    const cursor = first.response_metadata?.next_cursor ?? '';
    const second = await bot.conversations.replies({ channel: 'CGENERAL', ts: parent.ts, limit: 2, cursor });
    assert.deepEqual(second.messages?.map((m) => m.text), ['two', 'three']);
    assert.equal(second.has_more, false);
    const oneTs = first.messages?.[1]?.ts ?? '';
    const since = await bot.conversations.replies({ channel: 'CGENERAL', ts: parent.ts, oldest: oneTs, inclusive: true });
    assert.deepEqual(since.messages?.map((m) => m.text), ['one', 'two', 'three']);
    assert.deepEqual(fake.botReplies('CGENERAL', parent.ts).map((m) => m.text), ['one', 'two', 'three']);
    assert.equal(await slackError(bot.conversations.replies({ channel: 'CGENERAL', ts: '1.000001' })), 'thread_not_found');
  });

  it('lists history newest first and describes channels and users', async () => {
    fake.addChannel({ id: 'CHIST', name: 'history' });
    for (const text of ['a', 'b', 'c']) await bot.chat.postMessage({ channel: 'CHIST', text });
    const history = await bot.conversations.history({ channel: 'CHIST', limit: 2 });
    assert.deepEqual(history.messages?.map((m) => m.text), ['c', 'b']);
    assert.equal(history.has_more, true);
    const info = await bot.conversations.info({ channel: 'CHIST' });
    assert.equal(info.channel?.name, 'history');
    assert.equal(info.channel?.is_channel, true);
    const user = await bot.users.info({ user: 'UALICE' });
    assert.equal(user.user?.profile?.display_name, 'alice');
    assert.equal(user.user?.real_name, 'Alice Liddell');
    assert.equal(await slackError(bot.users.info({ user: 'UNOBODY' })), 'user_not_found');
    assert.equal(await slackError(bot.chat.postMessage({ channel: 'CNOPE', text: 'x' })), 'channel_not_found');
  });

  it('updates and deletes only the bot’s own messages', async () => {
    const posted = await bot.chat.postMessage({ channel: 'CGENERAL', text: 'draft' });
    const updated = await bot.chat.update({ channel: 'CGENERAL', ts: posted.ts ?? '', text: 'final' });
    assert.equal(updated.message?.text, 'final');
    assert.equal(fake.messages('CGENERAL').find((m) => m.ts === posted.ts)?.text, 'final');
    const theirs = fake.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'mine' });
    assert.equal(await slackError(bot.chat.update({ channel: 'CGENERAL', ts: theirs.ts, text: 'x' })), 'cant_update_message');
    assert.equal(await slackError(bot.chat.update({ channel: 'CGENERAL', ts: '1.000002', text: 'x' })), 'message_not_found');
    await bot.chat.delete({ channel: 'CGENERAL', ts: posted.ts ?? '' });
    assert.equal(fake.messages('CGENERAL').some((m) => m.ts === posted.ts), false);
  });

  it('streams a growing message through the client’s chatStream helper, then refuses appends', async () => {
    const dm = fake.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'stream please' });
    const streamer = bot.chatStream({ channel: 'DALICE', thread_ts: dm.ts, buffer_size: 1 });
    await streamer.append({ markdown_text: 'Hello' });
    const ts = streamer.ts ?? '';
    assert.equal(fake.botReplies('DALICE', dm.ts)[0]?.text, 'Hello');
    assert.equal(fake.botReplies('DALICE', dm.ts)[0]?.streaming_state, 'in_progress');
    await streamer.append({ markdown_text: ', world' });
    await streamer.stop({ markdown_text: '!' });
    const [final] = fake.botReplies('DALICE', dm.ts);
    assert.equal(final?.text, 'Hello, world!');
    assert.equal(final?.streaming_state, 'completed');
    const late = bot.chat.appendStream({ channel: 'DALICE', ts, markdown_text: 'late' });
    assert.equal(await slackError(late), 'message_not_in_streaming_state');
  });

  it('wants recipients for channel streams and expires idle streams', async () => {
    const parent = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> go' });
    const bare = bot.chat.startStream({ channel: 'CGENERAL', thread_ts: parent.ts });
    assert.equal(await slackError(bare), 'invalid_arguments');
    const recipients = { recipient_user_id: 'UALICE', recipient_team_id: 'TFAKE' };
    const started = await bot.chat.startStream({ channel: 'CGENERAL', thread_ts: parent.ts, ...recipients, markdown_text: 'x' });
    fake.expireStreams();
    const append = bot.chat.appendStream({ channel: 'CGENERAL', ts: started.ts ?? '', markdown_text: 'y' });
    assert.equal(await slackError(append), 'message_not_in_streaming_state');
  });

  it('adds and removes reactions with Slack’s errors for repeats', async () => {
    const { ts } = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'react to me' });
    await bot.reactions.add({ channel: 'CGENERAL', timestamp: ts, name: 'eyes' });
    assert.deepEqual(fake.messages('CGENERAL').find((m) => m.ts === ts)?.reactions, [{ name: 'eyes', users: ['UBOT'], count: 1 }]);
    assert.equal(await slackError(bot.reactions.add({ channel: 'CGENERAL', timestamp: ts, name: 'eyes' })), 'already_reacted');
    await bot.reactions.remove({ channel: 'CGENERAL', timestamp: ts, name: 'eyes' });
    assert.equal(await slackError(bot.reactions.remove({ channel: 'CGENERAL', timestamp: ts, name: 'eyes' })), 'no_reaction');
    await bot.assistant.threads.setStatus({ channel_id: 'CGENERAL', thread_ts: ts, status: 'is thinking…' });
  });

  it('fails calls on demand: 429 with Retry-After, an error body, revoked tokens', async () => {
    fake.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 7 });
    const strict = new webApi.WebClient(fake.tokens.bot, { slackApiUrl: fake.apiUrl, rejectRateLimitedCalls: true });
    await assert.rejects(strict.chat.postMessage({ channel: 'CGENERAL', text: 'x' }), { code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    fake.failNext('chat.postMessage', 'ratelimited', { status: 429, retryAfter: 0 });
    const patient = new webApi.WebClient(fake.tokens.bot, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 1, minTimeout: 1, maxTimeout: 1 }, logLevel: webApi.LogLevel.ERROR });
    const before = fake.callsTo('chat.postMessage').length;
    assert.equal((await patient.chat.postMessage({ channel: 'CGENERAL', text: 'after wait' })).ok, true);
    assert.equal(fake.callsTo('chat.postMessage').length, before + 2);
    fake.failNext('chat.update', 'internal_error', { times: 2 });
    assert.equal(await slackError(bot.chat.update({ channel: 'CGENERAL', ts: '1.1', text: 'x' })), 'internal_error');
    assert.equal(await slackError(bot.chat.update({ channel: 'CGENERAL', ts: '1.1', text: 'x' })), 'internal_error');
    fake.revokeTokens();
    assert.equal(await slackError(bot.auth.test()), 'invalid_auth');
    fake.restoreTokens();
    assert.equal((await bot.auth.test()).ok, true);
  });
});
