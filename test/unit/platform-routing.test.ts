// Proves the pure routing rules of both adapters: what is addressed to the bot, keys, allowlists,
// text clean-up, and which library signals mean what (Discord close codes: discord-connection.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeDiscordMessage, type DiscordMessageView } from '../../src/platforms/discord/discord-events.js';
import { isSlackAuthError, slackStateFor } from '../../src/platforms/slack/slack-connection.js';
import { routeSlackEvent, slackTextToPlain } from '../../src/platforms/slack/slack-events.js';
import { slackReplyTarget } from '../../src/platforms/slack/slack-target.js';

const identity = { botUserId: 'UBOT', botId: 'BBOT', teamId: 'T1' };
const everyone = { channels: [], users: [] };

test('Slack: a mention keys its thread, a top-level DM keys the DM, and the target is recovered', () => {
  const mention = routeSlackEvent({ type: 'app_mention', user: 'U1', text: '<@UBOT> hi', ts: '10.1', channel: 'C1' }, identity, everyone);
  assert.ok(mention.answer);
  assert.equal(mention.message.conversationKey, 'slack:C1:10.1');
  assert.equal(mention.message.text, 'hi');
  assert.deepEqual(slackReplyTarget(mention.message), { channel: 'C1', threadTs: '10.1', messageTs: '10.1', userId: 'U1' });
  const inThread = routeSlackEvent({ type: 'app_mention', user: 'U1', text: 'x <@UBOT>', ts: '12.0', thread_ts: '10.1', channel: 'C1' }, identity, everyone);
  assert.ok(inThread.answer && inThread.message.conversationKey === 'slack:C1:10.1');
  const dm = routeSlackEvent({ type: 'message', channel_type: 'im', user: 'U1', text: 'hello', ts: '11.0', channel: 'D1' }, identity, everyone);
  assert.ok(dm.answer);
  assert.equal(dm.message.conversationKey, 'slack:D1');
  assert.deepEqual(slackReplyTarget(dm.message), { channel: 'D1', threadTs: undefined, messageTs: '11.0', userId: 'U1' });
});

test('Slack: subtypes, channel messages without a mention and disallowed senders are not answered', () => {
  const base = { type: 'message', channel_type: 'im', user: 'U1', text: 'x', ts: '1.0', channel: 'D1' };
  assert.equal(routeSlackEvent({ ...base, subtype: 'message_changed' }, identity, everyone).answer, false);
  assert.equal(routeSlackEvent({ ...base, subtype: 'file_share' }, identity, everyone).answer, true);
  assert.equal(routeSlackEvent({ ...base, channel_type: 'channel' }, identity, everyone).answer, false);
  assert.equal(routeSlackEvent(base, identity, { channels: [], users: ['U2'] }).answer, false);
  assert.equal(routeSlackEvent(base, identity, { channels: ['C9'], users: [] }).answer, true, 'DMs ignore the channel list');
  const bot = routeSlackEvent({ ...base, bot_id: 'B2' }, identity, everyone);
  assert.ok(bot.answer && bot.message.authorIsBot);
});

test('Slack: wire markup becomes readable text', () => {
  const names = (id: string) => (id === 'U2' ? 'bob' : undefined);
  assert.equal(
    slackTextToPlain('ask <@U2> and <@U3|carol> in <#C1|general> <!here> see <https://x.io|x> &amp; <https://y.io> 1 &lt; 2', names),
    'ask @bob and @carol in #general @here see x (https://x.io) & https://y.io 1 < 2',
  );
});

test('Slack: socket-mode signals map to states; auth errors are recognised', () => {
  assert.equal(slackStateFor('close', false), 'connecting');
  assert.equal(slackStateFor('close', true), null);
  assert.equal(slackStateFor('connected', false), 'connected');
  assert.equal(slackStateFor('reconnecting', false), 'connecting');
  assert.ok(isSlackAuthError('invalid_auth') && isSlackAuthError('token_revoked'));
  assert.equal(isSlackAuthError('ratelimited'), false);
});

const view: DiscordMessageView = {
  id: '5',
  channelId: 'c1',
  parentChannelId: null,
  guildId: 'g1',
  content: '<@99> hi <@7> in <#300>',
  type: 0,
  authorId: 'u1',
  authorName: 'alice',
  authorIsBot: false,
  mentionsBot: true,
  repliesToBot: false,
  createdTimestamp: 1,
  names: new Map([['7', 'bob'], ['300', 'random']]),
  replyToId: null,
  files: [],
};
const open = { guilds: [], channels: [], users: [] };

test('Discord: mentions and replies to the bot are answered per channel; the text is cleaned', () => {
  const routed = routeDiscordMessage(view, '99', open);
  assert.ok(routed.answer);
  assert.equal(routed.message.conversationKey, 'discord:c1');
  assert.equal(routed.message.text, 'hi @bob in #random');
  assert.equal(routeDiscordMessage({ ...view, mentionsBot: false }, '99', open).answer, false);
  assert.equal(routeDiscordMessage({ ...view, mentionsBot: false, repliesToBot: true, type: 19 }, '99', open).answer, true);
  assert.equal(routeDiscordMessage({ ...view, mentionsBot: false, guildId: null }, '99', open).answer, true, 'DMs need no mention');
  assert.equal(routeDiscordMessage({ ...view, type: 7 }, '99', open).answer, false);
});

test('Discord: allowlists for guilds, channels (a thread counts as its parent) and users', () => {
  assert.equal(routeDiscordMessage(view, '99', { ...open, guilds: ['g2'] }).answer, false);
  assert.equal(routeDiscordMessage(view, '99', { ...open, channels: ['c9'] }).answer, false);
  assert.equal(routeDiscordMessage({ ...view, channelId: 't1', parentChannelId: 'c9' }, '99', { ...open, channels: ['c9'] }).answer, true);
  assert.equal(routeDiscordMessage(view, '99', { ...open, users: ['u2'] }).answer, false);
});

