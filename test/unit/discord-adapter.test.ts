// Proves the Discord adapter's pure decisions: whether a returned reply is ours (judged on Discord's
// clock) and the reply nonces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SnowflakeUtil } from 'discord.js';
import { DiscordClock } from '../../src/platforms/discord/discord-clock.js';
import { isOwnPost, replyNonce } from '../../src/platforms/discord/discord-reply.js';

test('DiscordClock: the bound is the best Discord time seen, carried on by the monotonic clock, never ahead', () => {
  let now = 1000;
  const clock = new DiscordClock(() => now);
  assert.equal(clock.atLeast(), Number.NEGATIVE_INFINITY);
  clock.observe(5_000_000);
  now += 250;
  assert.equal(clock.atLeast(), 5_000_250);
  clock.observe(4_000_000);
  assert.equal(clock.atLeast(), 5_000_250, 'an older observation does not lower the bound');
  clock.observe(5_000_900);
  assert.equal(clock.atLeast(), 5_000_900);
  clock.observe(Number.NaN);
  assert.equal(clock.atLeast(), 5_000_900);
});

test('a returned reply is ours when Discord made it after our bound, whatever the content or our wall clock', () => {
  const at = (ms: number) => SnowflakeUtil.generate({ timestamp: ms }).toString();
  const bound = 1_800_000_000_000;
  assert.equal(isOwnPost(at(bound), bound), true);
  assert.equal(isOwnPost(at(bound + 40), bound), true);
  assert.equal(isOwnPost(at(bound - 1), bound), false, 'made before our first try: another session made it');
  assert.equal(isOwnPost(at(bound - 60_000), Number.NEGATIVE_INFINITY), true, 'nothing known of Discord\'s time: assume ours rather than drop the answer');
});

test('reply nonces: the message id for the first part, id:part after, never over 25 characters', () => {
  assert.equal(replyNonce('1300000000000000001', 0), '1300000000000000001');
  assert.equal(replyNonce('1300000000000000001', 1), '1300000000000000001:1');
  assert.equal(replyNonce('1300000000000000001', 12), '1300000000000000001:12');
  assert.equal(replyNonce('13000000000000000001', 12345), undefined);
  for (let part = 0; part < 100; part += 1) assert.ok((replyNonce('18446744073709551615', part) ?? '').length <= 25);
});
