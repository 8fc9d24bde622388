// Proves the fake Slack is as strict as Slack: per-method tier windows and postMessage's per-channel
// pace answered with 429 + Retry-After, streams that expire however busy they are (and chat.update
// that still rewrites them), 5xx outages, and message metadata listed only when asked for.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { webApi } from '@slack/bolt';
import { startFakeSlack, type FakeSlack } from './index.js';
import { RateLimiter } from './rate-limits.js';

type WebClient = InstanceType<typeof webApi.WebClient>;

/** The error a rejected call throws, with what the real client tells about it. */
async function failure(call: Promise<unknown>): Promise<{ code: string; retryAfter?: number; status?: number; error?: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; retryAfter?: number; statusCode?: number; data?: { error?: string } };
    return { code: e.code, ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }), ...(e.statusCode === undefined ? {} : { status: e.statusCode }), ...(e.data?.error === undefined ? {} : { error: e.data.error }) };
  }
  throw new Error('expected the call to fail');
}

describe('RateLimiter (pure, with a clock)', () => {
  it('allows a tier-2 method 20 calls a window, then answers how long until the oldest leaves it', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ windowMs: 60_000 }, () => now);
    for (let i = 0; i < 20; i += 1) {
      assert.equal(limiter.admit('chat.startStream', {}), 0);
      now += 1000;
    }
    assert.equal(limiter.admit('chat.startStream', {}), 40_000);
    assert.equal(limiter.rejected.get('chat.startStream'), 1);
    // Another method has its own window.
    assert.equal(limiter.admit('chat.appendStream', {}), 0);
    now += 40_000;
    assert.equal(limiter.admit('chat.startStream', {}), 0);
  });

  it('paces chat.postMessage per channel at one a second with a short burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ windowMs: 60_000 }, () => now);
    for (let i = 0; i < 3; i += 1) assert.equal(limiter.admit('chat.postMessage', { channel: 'C1' }), 0);
    assert.equal(limiter.admit('chat.postMessage', { channel: 'C1' }), 1000);
    assert.equal(limiter.admit('chat.postMessage', { channel: 'C2' }), 0, 'another channel has its own pace');
    now += 1000;
    assert.equal(limiter.admit('chat.postMessage', { channel: 'C1' }), 0);
  });

  it('windowMs 0 turns every limit off; unknown methods are not limited', () => {
    const limiter = new RateLimiter({ windowMs: 0 });
    for (let i = 0; i < 100; i += 1) assert.equal(limiter.admit('chat.startStream', {}), 0);
    assert.equal(new RateLimiter({ windowMs: 60_000 }).admit('auth.test', {}), 0);
  });
});

describe('fake Slack over HTTP, with the real WebClient', () => {
  let fake: FakeSlack;
  let bot: WebClient;

  before(async () => {
    // A window far longer than 21 calls take, even on a loaded machine; the pure tests cover it freeing.
    fake = await startFakeSlack({ rateLimits: { windowMs: 30_000 }, streamLifetimeMs: 400 });
    bot = new webApi.WebClient(fake.tokens.bot, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logLevel: webApi.LogLevel.ERROR });
  });
  after(() => fake.close());

  it('the 21st chat.startStream in a window gets HTTP 429, ratelimited and a Retry-After in seconds', async () => {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'hello' });
    const start = () => bot.chat.startStream({ channel: 'CGENERAL', thread_ts: posted.ts, recipient_user_id: 'UALICE', recipient_team_id: fake.ids.teamId, markdown_text: 'x' });
    const first = await start();
    for (let i = 1; i < 20; i += 1) await start();
    const refused = await failure(start());
    assert.equal(refused.code, 'slack_webapi_rate_limited_error');
    assert.ok(refused.retryAfter !== undefined && refused.retryAfter >= 1 && refused.retryAfter <= 30, `retry-after ${String(refused.retryAfter)}`);
    assert.equal(fake.callsTo('chat.startStream').at(-1)!.status, 429);
    assert.equal(fake.rateLimited.get('chat.startStream'), 1);
    // appendStream (tier 4) has a window of its own.
    assert.equal((await bot.chat.appendStream({ channel: 'CGENERAL', ts: first.ts!, markdown_text: ' more' })).ok, true);
  });

  it('a stream expires a set time after chat.startStream even while appended to; chat.update still rewrites it', async () => {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'long one' });
    fake.setRateLimits({ windowMs: 0 });
    const started = await bot.chat.startStream({ channel: 'CGENERAL', thread_ts: posted.ts, recipient_user_id: 'UALICE', recipient_team_id: fake.ids.teamId, markdown_text: 'one ' });
    const ts = started.ts!;
    const deadline = Date.now() + 300;
    while (Date.now() < deadline) {
      await bot.chat.appendStream({ channel: 'CGENERAL', ts, markdown_text: 'more ' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await failure(bot.chat.appendStream({ channel: 'CGENERAL', ts, markdown_text: 'late' }))).error, 'message_not_in_streaming_state');
    assert.equal((await failure(bot.chat.stopStream({ channel: 'CGENERAL', ts }))).error, 'message_not_in_streaming_state');
    const expired = fake.messages('CGENERAL', posted.ts).find((m) => m.ts === ts)!;
    assert.equal(expired.streaming_state, 'expired');
    assert.ok(!expired.text.includes('late'));
    await bot.chat.update({ channel: 'CGENERAL', ts, markdown_text: 'the whole answer' });
    const rewritten = fake.messages('CGENERAL', posted.ts).find((m) => m.ts === ts)!;
    assert.equal(rewritten.text, 'the whole answer');
    assert.equal(rewritten.streaming_state, 'completed');
  });

  it('a stream nobody touches shows as expired once its lifetime is over', async () => {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'forgotten' });
    const started = await bot.chat.startStream({ channel: 'CGENERAL', thread_ts: posted.ts, recipient_user_id: 'UALICE', recipient_team_id: fake.ids.teamId, markdown_text: 'half' });
    assert.equal(fake.messages('CGENERAL', posted.ts).find((m) => m.ts === started.ts)!.streaming_state, 'in_progress');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(fake.messages('CGENERAL', posted.ts).find((m) => m.ts === started.ts)!.streaming_state, 'expired');
  });

  it('an outage answers every call with a 5xx until it ends', async () => {
    fake.outage(300, { status: 502 });
    const down = await failure(bot.auth.test());
    assert.equal(down.code, 'slack_webapi_http_error');
    assert.equal(down.status, 502);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal((await bot.auth.test()).ok, true);
  });

  it('metadata posted with a message is listed by history and replies only with include_all_metadata', async () => {
    const posted = fake.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: 'tag me' });
    const metadata = { event_type: 'bridge_answer', event_payload: { answers: posted.ts } };
    await bot.chat.postMessage({ channel: 'CGENERAL', thread_ts: posted.ts, markdown_text: 'tagged', metadata });
    const plain = await bot.conversations.replies({ channel: 'CGENERAL', ts: posted.ts });
    assert.equal(plain.messages!.at(-1)!.metadata, undefined);
    const withMetadata = await bot.conversations.replies({ channel: 'CGENERAL', ts: posted.ts, include_all_metadata: true });
    assert.deepEqual(withMetadata.messages!.at(-1)!.metadata, metadata);
  });
});
