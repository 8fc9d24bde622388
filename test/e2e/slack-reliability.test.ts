// Proves Slack survives what a long-running bot meets: dropped sockets, Slack's disconnect frames,
// restarts (history rebuilt from the thread), rejected tokens, and workspaces without streaming.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import { eventually, invoke, ping, startBridge } from '../helpers/bridge-harness.js';
import { slackEnv, startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

async function answered(rig: SlackRig, threadTs: string, contains: string) {
  return eventually(
    () => rig.slack.finishedReplies('CGENERAL', threadTs).find((m) => m.text.includes(contains)),
    15_000,
    `answer containing "${contains}"`,
  );
}

describe('reconnects', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig();
  });
  after(() => rig.close());

  test('a dropped socket reconnects (connecting, then connected) and later messages are answered', async () => {
    const connection = rig.bridge.app.platforms[0]!.connection;
    const states: string[] = [];
    connection.on('change', (change) => states.push(change.to));
    rig.slack.dropConnections();
    await eventually(() => (states.includes('connecting') && connection.state === 'connected' ? true : undefined), 10_000, 'reconnected');
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> after the drop' });
    await answered(rig, posted.ts, 'Echo: after the drop');
    assert.equal(connection.snapshot().reconnects, 1);
  });

  test("Slack's disconnect frame (refresh_requested) is survived the same way", async () => {
    const connection = rig.bridge.app.platforms[0]!.connection;
    const before = connection.snapshot().reconnects;
    rig.slack.sendDisconnect('refresh_requested');
    await eventually(() => (connection.snapshot().reconnects > before && connection.state === 'connected' ? true : undefined), 10_000, 'reconnected');
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> after refresh' });
    await answered(rig, posted.ts, 'Echo: after refresh');
    const status = await invoke(rig.bridge.url, { action: 'status' });
    const slack = (status.body.platforms as Record<string, Record<string, unknown>>).slack!;
    assert.equal(slack.state, 'connected');
    assert.equal(slack.reconnects, before + 1);
  });

  test('a message sent while the socket is down is delivered after the reconnect and answered once', async () => {
    rig.slack.dropConnections();
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> sent while down' });
    await answered(rig, posted.ts, 'Echo: sent while down');
    assert.equal(rig.slack.botReplies('CGENERAL', posted.ts).length, 1);
  });
});

describe('restart', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig();
  });
  after(() => rig.close());

  test('after a restart the conversation is rebuilt from the thread (conversations.replies)', async () => {
    const first = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> my name is Alice' });
    await answered(rig, first.ts, 'Echo: my name is Alice');
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'side remark from Bob', threadTs: first.ts });
    await rig.restart();
    const second = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> what is my name?', threadTs: first.ts });
    await answered(rig, first.ts, 'what is my name?');
    const replies = rig.slack.callsTo('conversations.replies').at(-1)!;
    assert.equal(replies.args.ts, first.ts);
    const messages = rig.bedrock.requests.at(-1)!.body.messages as { role: string; content: { text: string }[] }[];
    assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
    // Rebuilt thread turns say who wrote them, by display name.
    assert.equal(messages[0]!.content[0]!.text, 'alice: my name is Alice');
    assert.equal(messages[1]!.content[0]!.text, 'Echo: my name is Alice');
    assert.deepEqual(messages[2]!.content.map((c) => c.text), ['bob: side remark from Bob', 'what is my name?']);
    assert.ok(second.ts > first.ts);
  });

  test('a brand-new mention does not call conversations.replies at all', async () => {
    const before = rig.slack.callsTo('conversations.replies').length;
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> fresh thread' });
    await answered(rig, posted.ts, 'Echo: fresh thread');
    assert.equal(rig.slack.callsTo('conversations.replies').length, before);
  });
});

describe('post-and-update streaming', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ SLACK_NATIVE_STREAMING: 'false' });
  });
  after(() => rig.close());

  test('without native streaming the answer is posted then updated at most about once a second, in Markdown', async () => {
    rig.bedrock.setResponder(() => ({ chunks: ['**Bold** start', ...Array.from({ length: 24 }, (_, i) => ` word${i}`), ' and a [link](https://example.com).'] }));
    rig.bedrock.setLatency({ perChunkMs: 120 });
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> stream slowly' });
    const answer = await answered(rig, posted.ts, 'link');
    rig.bedrock.setLatency({ perChunkMs: 0 });
    rig.bedrock.setResponder(undefined);
    assert.match(answer.text, /^\*\*Bold\*\* start word0/);
    assert.match(answer.text, /\[link\]\(https:\/\/example\.com\)\.$/);
    const updates = rig.slack.callsTo('chat.update').filter((c) => c.args.ts === answer.ts);
    assert.ok(updates.every((c) => typeof c.args.markdown_text === 'string' && c.args.text === undefined), 'Slack renders markdown_text itself');
    assert.ok(updates.length >= 1, 'updated while streaming');
    const writes = [rig.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === posted.ts)!, ...updates].map((c) => c.at);
    for (let i = 1; i < writes.length - 1; i += 1) assert.ok(writes[i]! - writes[i - 1]! >= 900, `edits ${writes[i]! - writes[i - 1]!} ms apart`);
    assert.equal(rig.slack.callsTo('chat.startStream').length, 0);
  });

  test('a long answer is split at paragraph boundaries within Slack limits, code blocks closed and reopened', async () => {
    const paragraph = 'This is a sentence of a long answer. '.repeat(60).trim();
    const code = Array.from({ length: 400 }, (_, i) => `console.log(${i});`).join('\n');
    const long = `${paragraph}\n\n${paragraph}\n\n${paragraph}\n\n\`\`\`js\n${code}\n\`\`\`\n\n${paragraph}\n\n${paragraph}`;
    rig.bedrock.setResponder(() => ({ text: long }));
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> long please' });
    await eventually(() => {
      const replies = rig.slack.botReplies('CGENERAL', posted.ts);
      return replies.length >= 2 && replies.at(-1)!.text.endsWith(paragraph) ? true : undefined;
    }, 15_000, 'long answer');
    rig.bedrock.setResponder(undefined);
    const replies = rig.slack.botReplies('CGENERAL', posted.ts);
    for (const reply of replies) {
      assert.ok(reply.text.length <= 12_000, `message of ${reply.text.length} chars (markdown_text takes 12,000)`);
      assert.equal((reply.text.match(/```/g) ?? []).length % 2, 0, 'every message closes its code blocks');
    }
    // A code block cut in two is closed and reopened with its language.
    const strip = (text: string) => text.replace(/```(js)?\n?/g, '').replace(/\s+/g, '');
    assert.ok(strip(replies.map((r) => r.text).join('')) === strip(long), 'the parts add up to the answer');
  });
});

describe('workspace without streaming methods', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig();
  });
  after(() => rig.close());

  test('chat.startStream unknown_method falls back to postMessage, and later answers skip streaming', async () => {
    // A slow model, so the answer is not complete at its first write and would stream.
    rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 200 });
    rig.slack.failNext('chat.startStream', 'unknown_method');
    const first = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> no streams here' });
    await answered(rig, first.ts, 'Echo: no streams here');
    const second = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> again' });
    await answered(rig, second.ts, 'Echo: again');
    rig.bedrock.setLatency({ perChunkMs: 0 });
    assert.equal(rig.slack.callsTo('chat.startStream').length, 1);
    assert.ok(rig.slack.callsTo('chat.postMessage').length >= 2);
  });
});

describe('allowlists', () => {
  let rig: SlackRig;
  before(async () => {
    rig = await startSlackRig({ SLACK_ALLOWED_USERS: 'UALICE', SLACK_ALLOWED_CHANNELS: 'CGENERAL' });
    rig.slack.addChannel({ id: 'COTHER', name: 'other', type: 'channel' });
  });
  after(() => rig.close());

  test('only allowed users in allowed channels are answered; DMs follow the user list', async () => {
    const requests = rig.bedrock.requests.length;
    await rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: '<@UBOT> I am not allowed' }).acked;
    await rig.slack.postUserMessage({ channel: 'COTHER', user: 'UALICE', text: '<@UBOT> wrong channel' }).acked;
    rig.slack.addChannel({ id: 'DALICE', type: 'im', user: 'UALICE' });
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', text: 'dm from alice' });
    await eventually(() => rig.slack.messages('DALICE').find((m) => m.text === 'Echo: dm from alice'), 10_000, 'dm answer');
    assert.equal(rig.bedrock.requests.length - requests, 1);
  });
});

describe('rejected tokens', () => {
  test('a rejected bot token marks Slack failed and /ping Unhealthy without crashing the server', async () => {
    const slack = await startFakeSlack();
    const bedrock = await startFakeBedrock();
    const bridge = await startBridge(slackEnv(slack, bedrock, { SLACK_BOT_TOKEN: 'xoxb-wrong-token' }));
    try {
      await eventually(() => (bridge.app.platforms[0]!.connection.state === 'failed' ? true : undefined), 10_000, 'failed');
      assert.equal((await ping(bridge.url)).status, 'Unhealthy');
      const status = await invoke(bridge.url, { action: 'status' });
      const state = (status.body.platforms as Record<string, Record<string, unknown>>).slack!;
      assert.equal(state.state, 'failed');
      assert.match(String(state.last_error), /invalid_auth/);
      const line = await bridge.logs.waitFor((r) => r.level === 'error' && String(r.message).includes('SLACK_BOT_TOKEN'));
      assert.match(String(line.message), /Bot User OAuth Token/);
      assert.equal((await invoke(bridge.url, { prompt: 'still serving?' })).body.reply, 'Echo: still serving?');
    } finally {
      await bridge.stop();
      await slack.close();
      await bedrock.close();
    }
  });

  test('a rejected app token marks Slack failed with a line naming SLACK_APP_TOKEN', async () => {
    const slack = await startFakeSlack();
    const bedrock = await startFakeBedrock();
    const bridge = await startBridge(slackEnv(slack, bedrock, { SLACK_APP_TOKEN: 'xapp-wrong' }));
    try {
      await eventually(() => (bridge.app.platforms[0]!.connection.state === 'failed' ? true : undefined), 10_000, 'failed');
      assert.equal((await ping(bridge.url)).status, 'Unhealthy');
      await bridge.logs.waitFor((r) => r.level === 'error' && String(r.message).includes('SLACK_APP_TOKEN'));
    } finally {
      await bridge.stop();
      await slack.close();
      await bedrock.close();
    }
  });
});
