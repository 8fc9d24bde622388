// Proves Slack and Discord run side by side in one process, and that one failing leaves the other
// (and the AgentCore server) working.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, ping, startBridge } from '../helpers/bridge-harness.js';
import { discordEnv } from '../helpers/discord-bridge.js';
import { slackEnv } from '../helpers/slack-bridge.js';

test('both platforms answer at once; a rejected Slack token leaves Discord answering', async (t) => {
  const slack = await startFakeSlack();
  const discord = await startFakeDiscord();
  const bedrock = await startFakeBedrock();
  t.after(async () => {
    await slack.close();
    await discord.close();
    await bedrock.close();
  });

  const both = await startBridge({ ...slackEnv(slack, bedrock), ...discordEnv(discord, bedrock) });
  try {
    await eventually(() => (both.app.platforms.every((p) => p.connection.state === 'connected') ? true : undefined), 15_000, 'both connected');
    const fromSlack = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> from slack' });
    const fromDiscord = discord.sendUserMessage({ content: `<@${discord.botUser.id}> from discord` });
    await eventually(() => slack.botReplies('CGENERAL', fromSlack.ts).find((m) => m.text === 'Echo: from slack'), 10_000, 'slack answer');
    await eventually(() => discord.botMessages().find((m) => m.content === 'Echo: from discord'), 10_000, 'discord answer');
    const status = await invoke(both.url, { action: 'keepalive' });
    assert.deepEqual(status.body.platforms, { slack: 'connected', discord: 'connected' });
    assert.ok(fromDiscord.id.length > 0);
  } finally {
    await both.stop();
  }

  const halfBroken = await startBridge({ ...slackEnv(slack, bedrock, { SLACK_BOT_TOKEN: 'xoxb-revoked' }), ...discordEnv(discord, bedrock) });
  try {
    await eventually(() => (halfBroken.app.platforms.find((p) => p.name === 'slack')!.connection.state === 'failed' ? true : undefined), 10_000, 'slack failed');
    await eventually(() => (halfBroken.app.platforms.find((p) => p.name === 'discord')!.connection.state === 'connected' ? true : undefined), 15_000, 'discord connected');
    assert.equal((await ping(halfBroken.url)).status, 'Unhealthy');
    discord.sendUserMessage({ content: `<@${discord.botUser.id}> still answering?` });
    await eventually(() => discord.botMessages().find((m) => m.content === 'Echo: still answering?'), 10_000, 'discord answer');
  } finally {
    await halfBroken.stop();
  }
});
