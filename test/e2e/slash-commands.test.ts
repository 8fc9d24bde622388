// Proves /ask, /reset and /status on both platforms end to end, and that Discord registers its
// commands only when their definitions changed (so frequent redeploys never hit the rate limits).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '../helpers/bridge-harness.js';
import { startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

describe('Slack slash commands', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig();
  });
  after(() => rig.close());

  test('/ask posts the question and streams the answer into its thread; a mention there continues it', async () => {
    const delivery = rig.slack.sendSlashCommand({ command: '/ask', text: 'what is **AgentCore**?', user: 'UALICE', channel: 'CGENERAL' });
    const ack = await delivery.acked;
    assert.ok(ack.latencyMs < 1000);
    const question = await eventually(() => rig.slack.messages('CGENERAL').find((m) => m.bot_id !== undefined && m.text.includes('asked:') && m.text.includes('AgentCore')), 10_000, 'question');
    assert.equal(question.text, '*<@UALICE> asked:* what is *AgentCore*?');
    await eventually(() => rig.slack.finishedReplies('CGENERAL', question.ts).find((m) => m.text === 'Echo: what is **AgentCore**?'), 10_000, 'answer');
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> and then?', threadTs: question.ts });
    await eventually(() => rig.slack.botReplies('CGENERAL', question.ts).find((m) => m.text.includes('and then?')), 10_000, 'follow-up');
    const messages = rig.bedrock.requests.at(-1)!.body.messages as { role: string }[];
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user'], 'the follow-up saw the /ask turn');
  });

  test('/ask private answers only the asker through response_url; /reset forgets; /status shows state to the asker', async () => {
    const posts = rig.slack.responseUrlPosts.length;
    rig.slack.sendSlashCommand({ command: '/ask', text: 'private my secret question', user: 'UBOB', channel: 'CGENERAL' });
    const answer = await eventually(() => rig.slack.responseUrlPosts.slice(posts).find((p) => JSON.stringify(p.body).includes('Echo: my secret question')), 10_000, 'private answer');
    assert.equal((answer.body as { response_type: string }).response_type, 'ephemeral');
    assert.equal(rig.slack.messages('CGENERAL').some((m) => m.text.includes('my secret question')), false, 'nothing public');

    rig.slack.sendSlashCommand({ command: '/reset', text: '', user: 'UBOB', channel: 'CGENERAL' });
    await eventually(() => rig.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('I forgot our conversation')), 10_000, 'reset reply');
    rig.slack.sendSlashCommand({ command: '/ask', text: 'private after reset', user: 'UBOB', channel: 'CGENERAL' });
    await eventually(() => rig.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('Echo: after reset')), 10_000, 'answer after reset');
    assert.equal((rig.bedrock.requests.at(-1)!.body.messages as unknown[]).length, 1, 'no history after /reset');

    rig.slack.sendSlashCommand({ command: '/status', text: '', user: 'UBOB', channel: 'CGENERAL' });
    const status = await eventually(() => rig.slack.responseUrlPosts.find((p) => JSON.stringify(p.body).includes('Bot status')), 10_000, 'status');
    assert.equal((status.body as { response_type: string }).response_type, 'ephemeral');
    assert.match(JSON.stringify(status.body), /slack: connected/);
  });
});

describe('Discord slash commands', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
  });
  after(() => rig.close());

  test('commands are registered at start-up, and a restart with the same definitions skips registration', async () => {
    await eventually(() => (rig.discord.commands().length === 3 ? true : undefined), 10_000, 'registered');
    assert.deepEqual(rig.discord.commands().map((c) => c.name).sort(), ['ask', 'reset', 'status']);
    const puts = () => rig.discord.calls.filter((c) => c.method === 'PUT' && c.path.endsWith('/commands')).length;
    assert.equal(puts(), 1);
    await rig.restart();
    await rig.bridge.logs.waitFor((r) => r.message === 'slash commands unchanged; registration skipped');
    assert.equal(puts(), 1, 'no second registration');
  });

  test('/ask is deferred at once and the answer streamed into the original response', async () => {
    const sent = rig.discord.sendInteraction({ commandName: 'ask', options: [{ name: 'question', type: 3, value: 'what is a gateway?' }] });
    const callback = await rig.discord.waitForCall((c) => c.path === `/interactions/${sent.id}/${sent.token}/callback`);
    assert.equal((callback.body as { type: number }).type, 5, 'deferred channel message');
    const final = await rig.discord.waitForCall((c) => c.method === 'PATCH' && c.path.endsWith(`${sent.token}/messages/@original`) && JSON.stringify(c.body).includes('Echo: what is a gateway?'));
    assert.ok(final.at >= callback.at, 'the answer comes after the deferral');
    const firstEdit = rig.discord.calls.find((c) => c.method === 'PATCH' && c.path.endsWith(`${sent.token}/messages/@original`))!;
    assert.ok(firstEdit.at >= callback.at);
  });

  test('/ask private is ephemeral; /reset and /status answer only the asker', async () => {
    const privateAsk = rig.discord.sendInteraction({ commandName: 'ask', options: [{ name: 'question', type: 3, value: 'secret' }, { name: 'private', type: 5, value: true }] });
    const deferred = await rig.discord.waitForCall((c) => c.path === `/interactions/${privateAsk.id}/${privateAsk.token}/callback`);
    assert.equal((deferred.body as { data?: { flags?: number } }).data?.flags, 64, 'ephemeral');
    await rig.discord.waitForCall((c) => c.path.includes(privateAsk.token) && JSON.stringify(c.body).includes('Echo: secret'));

    const reset = rig.discord.sendInteraction({ commandName: 'reset' });
    const resetReply = await rig.discord.waitForCall((c) => c.path === `/interactions/${reset.id}/${reset.token}/callback`);
    assert.match(JSON.stringify(resetReply.body), /forgot the conversation/);
    assert.equal((resetReply.body as { data: { flags: number } }).data.flags, 64);

    const status = rig.discord.sendInteraction({ commandName: 'status' });
    const statusReply = await rig.discord.waitForCall((c) => c.path === `/interactions/${status.id}/${status.token}/callback`);
    assert.match(JSON.stringify(statusReply.body), /discord: connected/);
    assert.equal((statusReply.body as { data: { flags: number } }).data.flags, 64);
  });
});
