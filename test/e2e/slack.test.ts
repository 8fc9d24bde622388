// Proves the Slack behaviour a user sees, end to end: the real Bolt Socket Mode client against the
// fake Slack, answers from the fake Bedrock through the real SDK.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isFinished } from '../fakes/slack/index.js';
import { eventually, invoke, ping } from '../helpers/bridge-harness.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

let rig: SlackRig;

before(async () => {
  rig = await startSlackRig();
});
after(() => rig.close());

/** The bot's finished answer in a thread (stream completed or posted message). */
async function botAnswer(channel: string, threadTs: string | undefined, contains: string) {
  return eventually(() => {
    const messages = threadTs === undefined ? rig.slack.messages(channel) : rig.slack.botReplies(channel, threadTs);
    return messages.find((m) => m.bot_id !== undefined && m.text.includes(contains) && isFinished(m));
  }, 10_000, `bot answer containing "${contains}"`);
}

test('a slow answer streams into the thread under "is thinking…", names the message it answers, and spends no reaction', async () => {
  rig.bedrock.setLatency({ firstChunkMs: 800, perChunkMs: 300 });
  const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> what is up?' });
  const ack = await posted.acked;
  assert.ok(ack.latencyMs < 1000, `ack took ${ack.latencyMs} ms`);
  await eventually(() => rig.slack.threadStatus('CGENERAL', posted.ts), 5000, 'thinking status while the model is silent');
  const answer = await botAnswer('CGENERAL', posted.ts, 'Echo: what is up?');
  rig.bedrock.setLatency({ firstChunkMs: 0, perChunkMs: 0 });
  assert.equal(answer.thread_ts, posted.ts);
  assert.equal(answer.text, 'Echo: what is up?');
  const start = rig.slack.callsTo('chat.startStream').at(-1)!;
  assert.equal(start.args.thread_ts, posted.ts);
  assert.equal(start.args.recipient_user_id, 'UALICE');
  const stop = rig.slack.callsTo('chat.stopStream').at(-1)!;
  assert.deepEqual(stop.args.metadata, { event_type: 'bridge_answer', event_payload: { answers: posted.ts, part: 0 } });
  assert.equal(rig.slack.threadStatus('CGENERAL', posted.ts), undefined, 'the answer cleared the status');
  assert.equal(rig.slack.callsTo('reactions.add').length + rig.slack.callsTo('reactions.remove').length, 0, 'no other session can be answering it: no claim');
  // The model saw the question without the bot's mention.
  assert.equal(JSON.stringify(rig.bedrock.requests.at(-1)!.body.messages).includes('<@UBOT>'), false);
});

test('a fast answer is one chat.postMessage in Markdown, with its metadata', async () => {
  const calls = rig.slack.calls.length;
  const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> quick **one**' });
  const answer = await botAnswer('CGENERAL', posted.ts, 'Echo: quick **one**');
  const writes = rig.slack.calls.slice(calls).filter((c) => c.method.startsWith('chat.') || c.method.startsWith('reactions.'));
  assert.deepEqual(writes.map((c) => c.method), ['chat.postMessage']);
  assert.equal(writes[0]!.args.markdown_text, 'Echo: quick **one**');
  assert.deepEqual(answer.metadata, { event_type: 'bridge_answer', event_payload: { answers: posted.ts, part: 0 } });
});

test('later mentions in the same thread continue the conversation', async () => {
  const first = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> remember the number 42' });
  await botAnswer('CGENERAL', first.ts, 'Echo: remember the number 42');
  const second = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> which number?', threadTs: first.ts });
  await botAnswer('CGENERAL', first.ts, 'Echo: which number?');
  assert.ok(second.ts > first.ts);
  const messages = rig.bedrock.requests.at(-1)!.body.messages as { role: string; content: { text: string }[] }[];
  assert.deepEqual(messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.equal(messages[0]!.content[0]!.text, 'remember the number 42');
});

test('a direct message is answered in the DM, and other users\' mentions stay readable', async () => {
  const dm = rig.slack.addChannel({ id: 'DALICE', type: 'im', user: 'UALICE' });
  rig.slack.postUserMessage({ channel: dm.id, channelType: 'im', user: 'UALICE', text: 'hi, ask <@UBOB> too' });
  const answer = await botAnswer(dm.id, undefined, 'too');
  assert.equal(answer.thread_ts, undefined, 'a top-level DM gets a top-level answer');
  assert.match(answer.text, /Echo: hi, ask @\w+ too/);
  assert.doesNotMatch(answer.text, /<@UBOB>/);
});

/** Answers started: stream starts and posts Slack accepted (a 429'd call is retried and counted once). */
const repliesStarted = () => ['chat.startStream', 'chat.postMessage'].flatMap((m) => rig.slack.callsTo(m)).filter((c) => c.status === undefined).length;

test('bots, itself, message subtypes and other events get no answer', async () => {
  const repliesBefore = repliesStarted();
  const requestsBefore = rig.bedrock.requests.length;
  const deliveries = [
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UOTHERBOT', botId: 'BOTHER', text: '<@UBOT> I am a bot' }),
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOT', botId: 'BBOT', text: '<@UBOT> talking to myself' }),
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', subtype: 'message_changed', text: 'edited' }),
    rig.slack.postUserMessage({ channel: 'DALICE', channelType: 'im', user: 'UALICE', subtype: 'channel_join', text: 'joined' }),
  ];
  await Promise.all(deliveries.map((d) => d.acked));
  // A normal message afterwards is answered, so the ones before were really seen and skipped.
  const probe = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> probe' });
  await botAnswer('CGENERAL', probe.ts, 'Echo: probe');
  assert.equal(rig.bedrock.requests.length - requestsBefore, 1);
  assert.equal(repliesStarted() - repliesBefore, 1);
});

test('a redelivered event (same event_id) and the same message again get exactly one answer', async () => {
  const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> only once please' });
  await posted.acked;
  await rig.slack.redeliver(posted.eventId!).acked;
  await rig.slack.redeliver(posted.eventId!, 'http_timeout').acked;
  await botAnswer('CGENERAL', posted.ts, 'Echo: only once please');
  const probe = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> after the repeats' });
  await botAnswer('CGENERAL', probe.ts, 'Echo: after the repeats');
  assert.equal(rig.slack.botReplies('CGENERAL', posted.ts).length, 1);
  assert.equal(rig.bedrock.requests.filter((r) => JSON.stringify(r.body).includes('only once please')).length, 1);
});

test('every envelope is acked at once, before the model answers', async () => {
  const hold = rig.bedrock.holdNext(1);
  const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> slow model' });
  const ack = await posted.acked;
  await hold.reached();
  assert.ok(ack.latencyMs < 500, `ack took ${ack.latencyMs} ms`);
  hold.release();
  await botAnswer('CGENERAL', posted.ts, 'Echo: slow model');
});

test('a model failure ends in a short honest message in the thread', async () => {
  rig.bedrock.failNext(1, { status: 400, type: 'ValidationException', message: 'bad request' });
  const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> this will fail' });
  const answer = await botAnswer('CGENERAL', posted.ts, 'could not process');
  assert.match(answer.text, /The model could not process this request/);
  assert.ok(isFinished(answer));
});

test('status and /ping show Slack connected with its counters', async () => {
  assert.equal((await ping(rig.bridge.url)).status, 'HealthyBusy');
  const status = await invoke(rig.bridge.url, { action: 'status' });
  const slack = (status.body.platforms as Record<string, Record<string, unknown>>).slack!;
  assert.equal(slack.state, 'connected');
  assert.ok((slack.messages_received as number) >= 5);
  assert.ok((slack.replies_sent as number) >= 5);
  assert.ok((slack.duplicates_dropped as number) >= 2);
  assert.ok((slack.ignored as number) >= 1, 'the other bot (Bolt drops our own messages before us)');
});

test('no token ever appears in the logs, even at debug level', () => {
  const all = rig.bridge.logs.lines.join('\n');
  assert.ok(rig.bridge.logs.lines.length > 20);
  for (const token of [rig.slack.tokens.bot, rig.slack.tokens.app, 'test-secret-access-key-value']) assert.equal(all.includes(token), false, `leaked ${token}`);
  assert.ok(rig.bridge.logs.records().some((r) => r.message === 'message handled' && r.platform === 'slack' && r.outcome === 'answered'));
});
