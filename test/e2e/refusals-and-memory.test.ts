// Proves, over the fakes, what a user sees of the memory and flood bounds: a flood past the rate
// limit earns one refusal post per conversation a minute, not one per message; past
// MAX_QUEUED_TOTAL a message is refused with a polite line; and under HISTORY_MAX_TOTAL_MB the
// oldest conversations lose their images first while a recent one can still refer to its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, invoke } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { noisyPngImage } from '../helpers/files.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

type Block = { text?: string; image?: { format: string; source: { bytes: string } } };
type Messages = { role: string; content: Block[] }[];

describe('Slack: a flood past the rate limit', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ RATE_LIMIT_PER_USER_PER_MINUTE: '2' });
  });
  after(() => rig.close());

  const botTexts = (channel: string, thread?: string) =>
    (thread === undefined ? rig.slack.messages(channel) : rig.slack.botReplies(channel, thread)).filter((m) => m.bot_id !== undefined).map((m) => m.text);
  const refusals = (channel: string, thread?: string) => botTexts(channel, thread).filter((t) => t.includes('faster than I can answer'));

  test('gets one refusal post per conversation, not one per message; the rest are counted', async () => {
    rig.slack.addChannel({ id: 'DFLOOD', type: 'im', user: 'UFLOOD' });
    for (let i = 0; i < 12; i += 1) rig.slack.postUserMessage({ channel: 'DFLOOD', channelType: 'im', user: 'UFLOOD', text: `flood ${i}` });
    const counters = rig.bridge.app.bridge.counters('slack');
    await eventually(() => (counters.rateLimited === 10 ? true : undefined), 10_000, '10 messages rate-limited');
    // Refusals are posted as each message is refused, ahead of the answers' last calls on the same client.
    await eventually(() => (['flood 0', 'flood 1'].every((t) => botTexts('DFLOOD').some((m) => m === `Echo: ${t}`)) ? true : undefined), 15_000, 'two answers');
    assert.equal(refusals('DFLOOD').length, 1, `refusals posted:\n${refusals('DFLOOD').join('\n')}`);
    assert.equal(counters.refusalsNotPosted, 9);

    // Another conversation of the same user's, still within the minute: told once there too.
    const parent = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UFLOOD', text: '<@UBOT> and here?' });
    await eventually(() => (refusals('CGENERAL', parent.ts).length === 1 ? true : undefined), 10_000, 'a refusal in the thread');
    for (let i = 0; i < 3; i += 1) rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UFLOOD', text: `<@UBOT> again ${i}`, threadTs: parent.ts });
    await eventually(() => (counters.refusalsNotPosted === 12 ? true : undefined), 10_000, 'three more refusals not posted');
    const status = await invoke(rig.bridge.url, { action: 'status' });
    const slack = (status.body.platforms as { slack: Record<string, number> }).slack;
    assert.deepEqual([slack.rate_limited, slack.refusals_not_posted], [14, 12]);
    assert.equal(refusals('CGENERAL', parent.ts).length, 1);
  });
});

describe('Discord: past MAX_QUEUED_TOTAL', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig({ MAX_CONCURRENT_TURNS: '1', MAX_QUEUED_TOTAL: '2' });
  });
  after(() => rig.close());

  test('a message is refused with a polite line and counted, while the queued ones are answered', async () => {
    const users = [1, 2, 3, 4].map((i) => ({ id: `40000000000000010${i}`, username: `queuer${i}` }));
    const dms = users.map((user) => rig.discord.dmChannel(user));
    const send = (i: number, content: string) => rig.discord.sendUserMessage({ channelId: dms[i]!.id, author: users[i]!, content });
    const gate = rig.bedrock.holdNext(1);
    send(0, 'first');
    await gate.reached();
    send(1, 'second');
    send(2, 'third');
    // Counted as received in the same call that queues them.
    await eventually(() => (rig.bridge.app.bridge.counters('discord').received === 3 ? true : undefined), 10_000, 'two waiting');
    send(3, 'fourth');
    const refusal = await rig.discord.waitForBotMessage(() => true, dms[3]!.id, 10_000);
    assert.match(refusal.content, /too many messages waiting right now/);
    gate.release();
    for (const [i, text] of ['first', 'second', 'third'].entries()) {
      await rig.discord.waitForBotMessage((m) => m.content === `Echo: ${text}`, dms[i]!.id, 10_000);
    }
    assert.equal(rig.bridge.app.bridge.counters('discord').queueFull, 1);
    assert.equal(JSON.stringify(rig.bedrock.requests.map((r) => r.body.messages)).includes('fourth'), false, 'the refused message never reached the model');
  });
});

describe('Slack: HISTORY_MAX_TOTAL_MB across many conversations with images', () => {
  const budget = 2 * 1024 * 1024;
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ HISTORY_MAX_TOTAL_MB: '2' });
  });
  after(() => rig.close());

  const ask = async (i: number, text: string, image?: Buffer) => {
    const files = image === undefined ? undefined : [rig.slack.uploadFile({ name: `pic${i}.png`, mimetype: 'image/png', data: image })];
    rig.slack.postUserMessage({ channel: `DIMG${i}`, channelType: 'im', user: `UIMG${i}`, text, ...(files === undefined ? {} : { files }) });
    await eventually(() => rig.slack.messages(`DIMG${i}`).find((m) => m.bot_id !== undefined && m.text.startsWith(`Echo: ${text}`)), 15_000, `answer to "${text}"`);
    // History takes the turn once the reply is finished: wait for that, so the order of use is known.
    await rig.bridge.app.bridge.whenIdle();
    return rig.bedrock.requests.at(-1)!.body.messages as Messages;
  };

  test('held bytes stay under the budget; the oldest conversations lose their files first, a recent one keeps its image', async () => {
    const images = Array.from({ length: 8 }, () => noisyPngImage(400 * 1024));
    for (let i = 1; i <= 8; i += 1) {
      rig.slack.addChannel({ id: `DIMG${i}`, type: 'im', user: `UIMG${i}` });
      await ask(i, `picture ${i}`, images[i - 1]);
    }
    const oldest = await ask(1, 'what was in my picture?');
    const oldestJson = JSON.stringify(oldest);
    assert.equal(oldest.some((m) => m.content.some((b) => b.image !== undefined)), false, 'the oldest conversation no longer sends its image');
    assert.match(oldestJson, /\[earlier files no longer kept: pic1\.png\]/);
    assert.match(oldestJson, /picture 1/, 'its words stay');

    const status = await invoke(rig.bridge.url, { action: 'status' });
    const held = status.body.history as Record<string, number>;
    assert.ok(held.held_bytes! <= budget, `held ${held.held_bytes} of ${budget}`);
    assert.equal(held.budget_bytes, budget);
    assert.ok(held.files_dropped! >= 3, `${held.files_dropped} files dropped`);
    assert.equal(held.conversations, 8, 'files went, conversations stayed');
    const proc = status.body.process as { rss_bytes: number; external_bytes: number; event_loop_delay_ms: Record<string, number> };
    assert.ok(proc.rss_bytes > 0 && proc.external_bytes >= held.file_bytes!, 'file bytes live outside the V8 heap, and status says how much');
    assert.deepEqual(Object.keys(proc.event_loop_delay_ms).sort(), ['max', 'p50', 'p99', 'window_seconds', 'worst_max', 'worst_p99']);

    const newest = await ask(8, 'and mine?');
    const kept = newest.flatMap((m) => m.content).find((b) => b.image !== undefined);
    assert.ok(kept?.image !== undefined, 'the newest conversation still sends its image');
    assert.deepEqual(Buffer.from(kept.image.source.bytes, 'base64'), images[7]);
  });
});
