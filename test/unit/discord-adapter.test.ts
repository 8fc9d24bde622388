// Proves the Discord adapter's pure decisions: which failures are final, whether a returned reply is
// ours (judged on Discord's clock), the reply nonces, and the conversation key's encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiscordAPIError, HTTPError, SnowflakeUtil } from 'discord.js';
import { DiscordClock } from '../../src/platforms/discord/discord-clock.js';
import { closeVerdict, FinalCloseError, finalFailureReason, isFinalDiscordFailure } from '../../src/platforms/discord/discord-connection.js';
import { isOwnPost, replyNonce } from '../../src/platforms/discord/discord-reply.js';
import { decodeDiscordConversation, encodeDiscordConversation } from '../../src/platforms/discord/discord-target.js';

test('close codes: 4004 and 4010-4014 are final with the fix; every other code is the library\'s to recover', () => {
  for (const code of [4004, 4010, 4011, 4012, 4013, 4014]) assert.equal(closeVerdict(code).final, true, String(code));
  for (const code of [1000, 1001, 1006, 4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009, 4200]) assert.equal(closeVerdict(code).final, false, String(code));
  const token = closeVerdict(4004);
  assert.ok(token.final && /DISCORD_BOT_TOKEN/.test(token.reason) && /reset the token/.test(token.reason));
  const intents = closeVerdict(4014);
  assert.ok(intents.final && /MESSAGE CONTENT INTENT/.test(intents.reason));
});

test('only a rejected credential or a final close is a final failure; 5xx, timeouts, resets and DNS errors are passing', () => {
  const request = { body: undefined, files: undefined };
  const unauthorized = new DiscordAPIError({ message: '401: Unauthorized', code: 0 }, 0, 401, 'GET', '/users/@me', request);
  assert.equal(isFinalDiscordFailure(unauthorized), true);
  assert.equal(isFinalDiscordFailure(Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' })), true);
  assert.equal(isFinalDiscordFailure(new FinalCloseError(4014, 'x')), true);
  assert.match(finalFailureReason(unauthorized), /4004/);
  assert.match(finalFailureReason(Object.assign(new Error('An invalid token was provided.'), { code: 'TokenInvalid' })), /4004/);
  const disallowed = closeVerdict(4014);
  assert.match(finalFailureReason(new FinalCloseError(4014, disallowed.final ? disallowed.reason : '')), /MESSAGE CONTENT INTENT/);
  for (const status of [500, 502, 503, 504]) assert.equal(isFinalDiscordFailure(new HTTPError(status, 'Bad Gateway', 'GET', '/gateway/bot', request)), false, String(status));
  const forbidden = new DiscordAPIError({ message: 'Missing Access', code: 50001 }, 50001, 403, 'GET', '/gateway/bot', request);
  assert.equal(isFinalDiscordFailure(forbidden), false);
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']) assert.equal(isFinalDiscordFailure(Object.assign(new Error(code), { code })), false, code);
  assert.equal(isFinalDiscordFailure(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' })), false);
});

test('DiscordClock: the bound is the best Discord time seen, carried on by the monotonic clock, never ahead', () => {
  let now = 1000;
  const clock = new DiscordClock(() => now);
  assert.equal(clock.atLeast(), Number.NEGATIVE_INFINITY);
  clock.observe(5_000_000);
  now += 250;
  assert.equal(clock.atLeast(), 5_000_000 + 250 * 0.999);
  clock.observe(4_000_000);
  assert.equal(clock.atLeast(), 5_000_000 + 250 * 0.999, 'an older observation does not lower the bound');
  clock.observe(5_000_900);
  assert.equal(clock.atLeast(), 5_000_900);
  clock.observe(Number.NaN);
  assert.equal(clock.atLeast(), 5_000_900);
  now += 3_600_000;
  assert.equal(clock.atLeast(), 5_000_900 + 3_600_000 - 3_600, 'after a quiet hour the bound stays 3.6 s behind, for a rate difference of up to 1,000 ppm');
});

test('a returned reply is ours when Discord made it after our bound, whatever the content or our wall clock', () => {
  const at = (ms: number) => SnowflakeUtil.generate({ timestamp: ms }).toString();
  const bound = 1_800_000_000_000;
  assert.equal(isOwnPost(at(bound), bound), true);
  assert.equal(isOwnPost(at(bound + 40), bound), true);
  assert.equal(isOwnPost(at(bound - 1), bound), false, 'made before our first try: another session made it');
  assert.equal(isOwnPost(at(bound), bound + 0.6), true, 'made in the millisecond of our bound: snowflakes round down to whole ms');
  assert.equal(isOwnPost(at(bound - 60_000), Number.NEGATIVE_INFINITY), true, 'nothing known of Discord\'s time: assume ours rather than drop the answer');
});

test('reply nonces: the message id for the first part, id:part after, never over 25 characters', () => {
  assert.equal(replyNonce('1300000000000000001', 0), '1300000000000000001');
  assert.equal(replyNonce('1300000000000000001', 1), '1300000000000000001:1');
  assert.equal(replyNonce('1300000000000000001', 12), '1300000000000000001:12');
  assert.equal(replyNonce('13000000000000000001', 12345), undefined);
  for (let part = 0; part < 100; part += 1) assert.ok((replyNonce('18446744073709551615', part) ?? '').length <= 25);
});

test('conversation keys: encoded and decoded by one module, private /ask answers apart', () => {
  assert.equal(encodeDiscordConversation({ channelId: '300' }), 'discord:300');
  assert.equal(encodeDiscordConversation({ channelId: '300', privateTo: '400' }), 'discord:300:private:400');
  assert.deepEqual(decodeDiscordConversation('discord:300'), { channelId: '300' });
  assert.deepEqual(decodeDiscordConversation('discord:300:private:400'), { channelId: '300', privateTo: '400' });
  for (const key of ['slack:C1:1.2', 'discord:', 'discord:300:other:4']) assert.throws(() => decodeDiscordConversation(key), /not a Discord conversation key/);
});
