// Proves the bot's OpenTelemetry export end to end: the real bot on the Slack, Discord and Bedrock
// fakes, telemetry pointed at an OTLP receiver that verifies SigV4 like X-Ray and CloudWatch. A
// mention on each platform gives one trace per turn (root plus receive, history, model and reply
// spans) carrying the session, platform, conversation, model, tokens, outcome and time to first
// token; a model failure is an error span; the counters arrive (answers, failures, latency, 429s
// by method, reconnects); no message text, token or AWS secret is in anything sent; and stopping
// the bot flushes what was still batched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeOtlp, type DecodedSpan, type FakeOtlp } from '../fakes/otlp/index.js';
import { awsTestEnv, eventually, invoke } from '../helpers/bridge-harness.js';
import { startDiscordRig } from '../helpers/discord-bridge.js';
import { startSlackRig, type SlackRig } from '../helpers/slack-bridge.js';

const aws = awsTestEnv();
const sessionId = 'telemetry-test-session-0123456789abcdef';
const sessionHeader = { 'x-amzn-bedrock-agentcore-runtime-session-id': sessionId };

function telemetryEnv(otlp: FakeOtlp, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AGENT_OBSERVABILITY_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    // The fake is not on amazonaws.com: sign anyway, as for X-Ray and CloudWatch.
    TELEMETRY_SIGV4: 'on',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '300',
    ...extra,
  };
}

/** The trace of the turn whose root carries `conversation`, once all its spans have arrived. */
function turnTrace(otlp: FakeOtlp, matches: (root: DecodedSpan) => boolean): Promise<{ root: DecodedSpan; children: DecodedSpan[] }> {
  return otlp.waitFor(() => {
    const spans = otlp.spans();
    const root = spans.find((s) => s.parentSpanId === '' && matches(s));
    if (root === undefined) return undefined;
    const children = spans.filter((s) => s.traceId === root.traceId && s.parentSpanId === root.spanId);
    return children.length >= 4 || root.attributes['bridge.outcome'] === 'failed' ? { root, children } : undefined;
  }, 10_000, 'the turn trace');
}

function metricValue(otlp: FakeOtlp, name: string, attributes: Record<string, string>): number | undefined {
  const point = otlp.metric(name)?.points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  return point?.value;
}

describe('telemetry with Slack', () => {
  let otlp: FakeOtlp;
  let rig: SlackRig;
  before(async () => {
    otlp = await startFakeOtlp({ credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID!, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY! } });
    rig = await startSlackRig(telemetryEnv(otlp));
  });
  after(async () => {
    await rig.close();
    await otlp.close();
  });

  test('a mention after an invocation is one trace with the session, platform, model, tokens and time to first token', async () => {
    assert.equal((await invoke(rig.bridge.url, { action: 'keepalive' }, sessionHeader)).status, 200);
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> secret plans for the picnic' });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', posted.ts).find((m) => m.text === 'Echo: secret plans for the picnic'), 10_000, 'answer');

    const { root, children } = await turnTrace(otlp, (s) => s.attributes['bridge.platform'] === 'slack' && s.attributes['bridge.outcome'] === 'answered');
    assert.equal(root.name, 'invoke_agent agentcore-chat-bridge');
    assert.equal(root.attributes['session.id'], sessionId);
    assert.equal(root.resource['session.id'], sessionId, 'the session is on the resource too');
    assert.equal(root.resource['service.name'], 'agentcore-chat-bridge');
    assert.equal(root.resource['aws.service.type'], 'gen_ai_agent');
    assert.equal(root.attributes['bridge.conversation'], `slack:CGENERAL:${posted.ts}`);
    assert.equal(root.attributes['gen_ai.operation.name'], 'invoke_agent');
    assert.equal(root.attributes['gen_ai.request.model'], 'us.anthropic.claude-sonnet-4-6');
    assert.equal(root.attributes['gen_ai.response.model'], 'us.anthropic.claude-sonnet-4-6');
    assert.ok(Number(root.attributes['gen_ai.usage.input_tokens']) > 0, 'input tokens');
    assert.ok(Number(root.attributes['gen_ai.usage.output_tokens']) > 0, 'output tokens');
    assert.equal(typeof root.attributes['bridge.time_to_first_token_ms'], 'number');
    assert.equal(root.statusCode, 0);

    const byStart = children.toSorted((a, b) => Number(a.startNs - b.startNs));
    assert.deepEqual(byStart.map((s) => s.name), ['receive', 'history', 'chat us.anthropic.claude-sonnet-4-6', 'reply']);
    for (const [earlier, later] of byStart.slice(1).map((s, i) => [byStart[i]!, s] as const)) assert.ok(earlier.endNs <= later.startNs, `${earlier.name} ends before ${later.name}`);
    const model = byStart[2]!;
    assert.equal(model.attributes['gen_ai.operation.name'], 'chat');
    assert.equal(model.attributes['gen_ai.provider.name'], 'aws.bedrock');
    assert.ok(model.events.some((e) => e.name === 'gen_ai.first_token'));
    assert.ok(Number(model.attributes['gen_ai.usage.output_tokens']) > 0);
  });

  test('a model failure is a trace with outcome failed and an error status', async () => {
    rig.bedrock.failNext(1, { status: 400, type: 'ValidationException', message: 'the prompt quoted back: tangerine' });
    const posted = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> this one fails' });
    const { root, children } = await turnTrace(otlp, (s) => s.attributes['bridge.conversation'] === `slack:CGENERAL:${posted.ts}`);
    assert.equal(root.attributes['bridge.outcome'], 'failed');
    assert.equal(root.statusCode, 2);
    assert.equal(typeof root.attributes['error.type'], 'string');
    const model = children.find((s) => s.name.startsWith('chat '));
    assert.equal(model?.statusCode, 2, 'the model span is the one that failed');
  });

  test('counters arrive: answers, failures, latency, 429s by method and reconnects', async () => {
    // A thread's history read answered 429 (as Slack does past its tier).
    const parent = rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UBOB', text: 'earlier talk' });
    rig.slack.setRateLimits({ windowMs: 60_000, overrides: { 'conversations.replies': 0 } });
    rig.slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> in a thread', threadTs: parent.ts });
    await eventually(() => rig.slack.finishedReplies('CGENERAL', parent.ts).find((m) => m.text === 'Echo: in a thread'), 20_000, 'answer in the thread');
    rig.slack.setRateLimits({ windowMs: 60_000 });
    rig.slack.dropConnections();

    await otlp.waitFor(() => ((metricValue(otlp, 'bridge.platform.reconnects', { 'bridge.platform': 'slack' }) ?? 0) >= 1 ? true : undefined), 20_000, 'a reconnect counted');
    await otlp.waitFor(() => ((metricValue(otlp, 'bridge.answers', { 'bridge.platform': 'slack' }) ?? 0) >= 2 ? true : undefined), 10_000, 'answers counted');
    assert.ok((metricValue(otlp, 'bridge.failures', { 'bridge.platform': 'slack' }) ?? 0) >= 1, 'failures');
    assert.ok((metricValue(otlp, 'bridge.platform.rate_limited', { 'bridge.platform': 'slack', 'bridge.method': 'conversations.replies' }) ?? 0) >= 1, '429s by method');
    const latency = otlp.metric('bridge.turn.duration');
    assert.equal(latency?.kind, 'histogram');
    assert.equal(latency.unit, 's');
    assert.ok((latency.points.find((p) => p.attributes['bridge.outcome'] === 'answered')?.value ?? 0) >= 2);
    assert.equal(otlp.metric('bridge.turn.time_to_first_token')?.kind, 'histogram');
    assert.ok(otlp.metric('gen_ai.client.token.usage')?.points.some((p) => p.attributes['gen_ai.token.type'] === 'output'));
    assert.equal(otlp.metric('bridge.answers')?.resource['session.id'], sessionId);
  });

  test('nothing sent carries message text, a platform token or an AWS secret, and every request was signed', () => {
    const sent = otlp.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body.toString('latin1')}`).join('\n');
    assert.ok(otlp.requests.length > 0);
    for (const secret of ['secret plans', 'picnic', 'this one fails', 'tangerine', 'earlier talk', 'in a thread', 'Echo:', rig.slack.tokens.bot, rig.slack.tokens.app, aws.AWS_SECRET_ACCESS_KEY!, 'xoxb-', 'xapp-']) {
      assert.ok(!sent.includes(secret), `"${secret}" was sent`);
    }
    assert.ok(otlp.requests.every((r) => r.status === 200), `every export accepted: ${otlp.requests.map((r) => r.status).join(',')}`);
    assert.ok(otlp.requests.some((r) => r.path === '/v1/traces') && otlp.requests.some((r) => r.path === '/v1/metrics'));
  });
});

test('with Discord, stopping the bot flushes the batched spans and the last counters within the drain', async (t) => {
  const otlp = await startFakeOtlp({ credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID!, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY! } });
  // Nothing would be exported for a minute: only the shutdown flush can deliver this turn.
  const rig = await startDiscordRig(telemetryEnv(otlp, { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' }));
  t.after(() => otlp.close());
  const posted = rig.discord.sendUserMessage({ content: `<@${rig.discord.botUser.id}> flush me` });
  await rig.discord.waitForBotMessage((m) => m.content === 'Echo: flush me');
  assert.equal(otlp.requests.length, 0, 'nothing exported before the stop');

  const stoppedAt = Date.now();
  await rig.close();
  assert.ok(Date.now() - stoppedAt < 12_000, 'within the drain');
  const root = otlp.spans().find((s) => s.parentSpanId === '' && s.attributes['bridge.platform'] === 'discord');
  assert.equal(root?.attributes['bridge.outcome'], 'answered');
  assert.equal(root.attributes['bridge.message_id'], posted.id);
  assert.match(String(root.attributes['bridge.conversation']), /^discord:/);
  assert.equal(otlp.spans().filter((s) => s.traceId === root.traceId).length, 5, 'root and four phases');
  assert.equal(metricValue(otlp, 'bridge.answers', { 'bridge.platform': 'discord' }), 1);
  assert.ok(!otlp.requests.some((r) => r.body.includes('flush me')), 'no message text');
});
