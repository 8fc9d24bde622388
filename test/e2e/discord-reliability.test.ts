// Proves Discord survives what a long-running bot meets: resumable closes and drops (RESUME replays
// what was sent meanwhile), re-identify, rate limits, restarts, rejected tokens and intents.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { Intent, startFakeDiscord } from '../fakes/discord/index.js';
import { eventually, invoke, ping, startBridge } from '../helpers/bridge-harness.js';
import { discordEnv, startDiscordRig, type DiscordRig } from '../helpers/discord-bridge.js';

function mention(rig: DiscordRig, text: string): string {
  return `<@${rig.discord.botUser.id}> ${text}`;
}

async function answerTo(rig: DiscordRig, messageId: string, contains: string, channelId = rig.discord.channelId): Promise<string> {
  const reply = await rig.discord.waitForBotMessage((m) => m.message_reference?.message_id === messageId, channelId, 15_000);
  return eventually(() => {
    const current = rig.discord.messages(channelId).find((m) => m.id === reply.id);
    return current?.content.includes(contains) === true ? current.content : undefined;
  }, 10_000, `answer containing "${contains}"`);
}

function answersTo(rig: DiscordRig, messageId: string): number {
  return rig.discord.botMessages().filter((m) => m.message_reference?.message_id === messageId).length;
}

describe('resume and re-identify', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig();
  });
  after(() => rig.close());

  test('close 4000 resumes the session; messages sent meanwhile are replayed and answered once', async () => {
    const connection = rig.bridge.app.platforms[0]!.connection;
    const states: string[] = [];
    connection.on('change', (change) => states.push(change.to));
    const resumesBefore = rig.discord.counts.resumes;
    rig.discord.closeAll(4000, 'unknown error');
    const during = [rig.discord.sendUserMessage({ content: mention(rig, 'sent during the outage 1') }), rig.discord.sendUserMessage({ content: mention(rig, 'sent during the outage 2') })];
    await rig.discord.waitForResume(resumesBefore + 1);
    for (const [i, message] of during.entries()) await answerTo(rig, message.id, `sent during the outage ${i + 1}`);
    const after = rig.discord.sendUserMessage({ content: mention(rig, 'after resume') });
    await answerTo(rig, after.id, 'Echo: after resume');
    for (const message of [...during, after]) assert.equal(answersTo(rig, message.id), 1);
    assert.ok(states.includes('connecting') && connection.state === 'connected', states.join(','));
    assert.equal(rig.discord.counts.identifies, 1, 'resumed, not re-identified');
    const status = await invoke(rig.bridge.url, { action: 'status' });
    assert.equal((status.body.platforms as Record<string, Record<string, unknown>>).discord!.state, 'connected');
  });

  test('a dropped connection (no close frame) also resumes without loss', async () => {
    const resumesBefore = rig.discord.counts.resumes;
    rig.discord.dropAll();
    const during = rig.discord.sendUserMessage({ content: mention(rig, 'sent while dropped') });
    await rig.discord.waitForResume(resumesBefore + 1);
    await answerTo(rig, during.id, 'Echo: sent while dropped');
    assert.equal(answersTo(rig, during.id), 1);
  });

  test('an invalid session that cannot resume re-identifies and later messages are answered', async () => {
    const identifies = rig.discord.counts.identifies;
    rig.discord.invalidateSessions(false);
    await rig.discord.waitForReady(identifies + 1, 15_000);
    const connection = rig.bridge.app.platforms[0]!.connection;
    await eventually(() => (connection.state === 'connected' ? true : undefined), 10_000, 'connected');
    const after = rig.discord.sendUserMessage({ content: mention(rig, 'after re-identify') });
    await answerTo(rig, after.id, 'Echo: after re-identify');
  });

  test('a 429 on message create is waited out by the REST queue and the answer still arrives', async () => {
    rig.discord.rateLimitNext({ method: 'POST', path: new RegExp(`/channels/${rig.discord.channelId}/messages$`) }, 0.3);
    const message = rig.discord.sendUserMessage({ content: mention(rig, 'rate limited') });
    await answerTo(rig, message.id, 'Echo: rate limited');
    assert.ok(rig.discord.calls.some((c) => c.status === 429));
  });
});

describe('restart and allowlists', () => {
  let rig: DiscordRig;
  const bob = { id: '400000000000000002', username: 'bob' };
  before(async () => {
    rig = await startDiscordRig({ DISCORD_ALLOWED_USERS: '400000000000000001' });
  });
  after(() => rig.close());

  test('after a restart the conversation is rebuilt from the channel\'s recent messages', async () => {
    const first = rig.discord.sendUserMessage({ content: mention(rig, 'my favourite colour is green') });
    await answerTo(rig, first.id, 'Echo: my favourite colour is green');
    rig.discord.sendUserMessage({ author: bob, content: 'unrelated chatter' });
    await rig.restart();
    const second = rig.discord.sendUserMessage({ content: mention(rig, 'what is my favourite colour?') });
    await answerTo(rig, second.id, 'what is my favourite colour?');
    const messages = rig.bedrock.requests.at(-1)!.body.messages as { role: string; content: { text: string }[] }[];
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.equal(messages[0]!.content[0]!.text, 'alice: my favourite colour is green', 'rebuilt turns say who wrote them');
    assert.equal(JSON.stringify(messages).includes('unrelated chatter'), false);
    assert.ok(rig.discord.calls.some((c) => c.method === 'GET' && c.path === `/channels/${rig.discord.channelId}/messages`));
  });

  test('users outside DISCORD_ALLOWED_USERS get no answer', async () => {
    const requests = rig.bedrock.requests.length;
    rig.discord.sendUserMessage({ author: bob, content: mention(rig, 'bob is not allowed') });
    const probe = rig.discord.sendUserMessage({ content: mention(rig, 'alice is') });
    await answerTo(rig, probe.id, 'Echo: alice is');
    assert.equal(rig.bedrock.requests.length - requests, 1);
  });
});

describe('rejected credentials', () => {
  test('an invalid token marks Discord failed and /ping Unhealthy, the server keeps serving', async () => {
    const discord = await startFakeDiscord();
    const bedrock = await startFakeBedrock();
    const bridge = await startBridge(discordEnv(discord, bedrock, { DISCORD_BOT_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAx.wrong.token-that-discord-rejects' }));
    try {
      await eventually(() => (bridge.app.platforms[0]!.connection.state === 'failed' ? true : undefined), 10_000, 'failed');
      assert.equal((await ping(bridge.url)).status, 'Unhealthy');
      const line = await bridge.logs.waitFor((r) => r.level === 'error' && String(r.message).includes('DISCORD_BOT_TOKEN'));
      assert.match(String(line.message), /reset the token/);
      assert.equal((await invoke(bridge.url, { prompt: 'still here?' })).body.reply, 'Echo: still here?');
    } finally {
      await bridge.stop();
      await discord.close();
      await bedrock.close();
    }
  });

  test('disallowed intents (4014) mark Discord failed with the fix in the log', async () => {
    const discord = await startFakeDiscord({ disallowedIntents: Intent.MessageContent });
    const bedrock = await startFakeBedrock();
    const bridge = await startBridge(discordEnv(discord, bedrock));
    try {
      await eventually(() => (bridge.app.platforms[0]!.connection.state === 'failed' ? true : undefined), 10_000, 'failed');
      assert.equal((await ping(bridge.url)).status, 'Unhealthy');
      await bridge.logs.waitFor((r) => r.level === 'error' && String(r.message).includes('MESSAGE CONTENT INTENT'));
    } finally {
      await bridge.stop();
      await discord.close();
      await bedrock.close();
    }
  });
});
