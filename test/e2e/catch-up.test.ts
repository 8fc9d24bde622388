// Proves catch-up end to end: messages sent while the bot was away are answered once, late-marked,
// in order; a second instance starting at the same time answers nothing twice; messages older than
// the window are counted, not answered; a re-identify after INVALID_SESSION answers what it missed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, startBridge, type InProcessBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';
import { slackEnv } from '../helpers/slack-bridge.js';

const late = 'Sorry for the late answer';

describe('catch-up after downtime, both platforms, then two instances starting at once', () => {
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let bedrock: FakeBedrock;
  const bridges: InProcessBridge[] = [];
  const env = () => ({ ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock), CATCHUP_WINDOW_SECONDS: '60' });

  before(async () => {
    slack = await startFakeSlack();
    discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
    bedrock = await startFakeBedrock();
    // The bot is away: Slack has given up redelivering, and Discord has no session to replay into.
    slack.setQueueWhileDisconnected(false);
  });
  after(async () => {
    for (const bridge of bridges) await bridge.stop();
    await slack.close();
    await discord.close();
    await bedrock.close();
  });

  test('everything sent while away is answered exactly once, late-marked, in order', async () => {
    slack.addChannel({ id: 'DALICE', type: 'im', user: 'UALICE' });
    const mentions = [1, 2, 3].map((i) => slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> missed mention ${i}` }).ts);
    const dms = [1, 2].map((i) => slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: `missed dm ${i}` }).ts);
    const chatter = slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'no mention, not for the bot' }).ts;
    // A busy channel: more than one page of other talk, so the newest messages must be read first.
    for (let i = 0; i < 150; i += 1) discord.sendUserMessage({ content: `chatter ${i}` });
    const discordMissed = [1, 2, 3].map((i) => discord.sendUserMessage({ content: `<@${discord.botUser.id}> missed on discord ${i}` }).id);

    bridges.push(await startBridge(env()));
    for (const ts of mentions) {
      await eventually(() => slack.finishedReplies('CGENERAL', ts).find((m) => m.text.includes(late)), 20_000, `late answer to ${ts}`);
    }
    for (const ts of dms) await eventually(() => slack.botReplies('DALICE', ts).find((m) => m.text.includes(late)), 20_000, `late dm answer to ${ts}`);
    for (const id of discordMissed) {
      await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === id && m.content.includes('missed on discord')), 20_000, `late discord answer to ${id}`);
    }
    for (const ts of mentions) assert.equal(slack.botReplies('CGENERAL', ts).length, 1, `one answer to ${ts}`);
    for (const ts of dms) assert.equal(slack.botReplies('DALICE', ts).length, 1, `one dm answer to ${ts}`);
    assert.equal(slack.botReplies('CGENERAL', chatter).length, 0);
    for (const id of discordMissed) assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === id).length, 1, `one discord answer to ${id}`);
    const order = discordMissed.map((id) => discord.botMessages().findIndex((m) => m.message_reference?.message_id === id));
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'oldest answered first');
    // On Slack each late answer goes into its message's own thread: separate conversations, answered
    // side by side, so there is no order between them to check (catch-up submits them oldest first).
    const status = (await invoke(bridges[0]!.url, { action: 'status' })).body.platforms as Record<string, { catch_up: { found: number; answered: number } }>;
    assert.equal(status.slack!.catch_up.answered, 5, 'three mentions and two DMs');
    assert.equal(status.discord!.catch_up.answered, 3);
  });

  test('stopped and started twice at once: two instances catch up side by side, and nothing is answered twice', async () => {
    await bridges.pop()!.stop();
    const mentions = [1, 2, 3].map((i) => slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: `<@UBOT> missed again ${i}` }).ts);
    const discordMissed = [1, 2, 3].map((i) => discord.sendUserMessage({ content: `<@${discord.botUser.id}> missed again on discord ${i}` }).id);
    bridges.push(await startBridge(env()), await startBridge(env()));
    for (const ts of mentions) await eventually(() => slack.finishedReplies('CGENERAL', ts).find((m) => m.text.includes(late)), 20_000, `late answer to ${ts}`);
    for (const id of discordMissed) await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === id), 20_000, `late discord answer to ${id}`);
    await eventually(async () => {
      const statuses = await Promise.all(bridges.map((b) => invoke(b.url, { action: 'status' })));
      return statuses.every((s) => ['slack', 'discord'].every((p) => ((s.body.platforms as Record<string, { catch_up: { runs: number } }>)[p]!.catch_up.runs >= 1))) ? true : undefined;
    }, 20_000, 'catch-up finished in both');
    for (const ts of mentions) assert.equal(slack.botReplies('CGENERAL', ts).length, 1, `one answer to ${ts}`);
    for (const id of discordMissed) assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === id).length, 1, `one discord answer to ${id}`);
  });
});

describe('window and INVALID_SESSION', () => {
  let discord: FakeDiscord;
  let bedrock: FakeBedrock;
  let bridge: InProcessBridge;

  before(async () => {
    discord = await startFakeDiscord({ heartbeatIntervalMs: 2000 });
    bedrock = await startFakeBedrock();
  });
  after(async () => {
    await bridge.stop();
    await discord.close();
    await bedrock.close();
  });

  test('messages older than the window are counted, not answered', async () => {
    const old = discord.sendUserMessage({ content: `<@${discord.botUser.id}> too old to answer` });
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const recent = discord.sendUserMessage({ content: `<@${discord.botUser.id}> recent enough` });
    bridge = await startBridge({ ...discordEnv(discord, bedrock), CATCHUP_WINDOW_SECONDS: '2' });
    await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === recent.id), 15_000, 'recent answered');
    const status = await eventually(async () => {
      const body = (await invoke(bridge.url, { action: 'status' })).body.platforms as Record<string, { catch_up: { too_old: number; runs: number } }>;
      return body.discord!.catch_up.runs >= 1 ? body.discord!.catch_up : undefined;
    });
    assert.equal(status.too_old, 1);
    assert.equal(discord.botMessages().some((m) => m.message_reference?.message_id === old.id), false);
  });

  test('INVALID_SESSION during a busy minute: the re-identify misses messages and catch-up answers them', async () => {
    await bridge.stop();
    bridge = await startBridge({ ...discordEnv(discord, bedrock), CATCHUP_WINDOW_SECONDS: '120' });
    await eventually(() => (bridge.app.platforms[0]!.connection.state === 'connected' ? true : undefined), 15_000, 'connected');
    const readies = discord.counts.readies;
    discord.invalidateSessions(false);
    const during = [1, 2, 3].map((i) => discord.sendUserMessage({ content: `<@${discord.botUser.id}> during the re-identify ${i}` }).id);
    await discord.waitForReady(readies + 1, 20_000);
    for (const id of during) await eventually(() => discord.botMessages().find((m) => m.message_reference?.message_id === id), 20_000, `answer to ${id}`);
    for (const id of during) assert.equal(discord.botMessages().filter((m) => m.message_reference?.message_id === id).length, 1);
  });
});
