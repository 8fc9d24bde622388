// Proves the keepalive Lambda handler with the real AgentCore SDK client against the fake
// AgentCore and the real bot: it logs the bot's answer, and it throws (so Lambda counts an error)
// when the bot is down, the runtime is missing, the bot is not running, or the session id is bad.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { runKeepalive } from '../../infra/lambda/keepalive.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { startBot } from '../fakes/agentcore/bot-process.js';
import type { BotProcess } from '../fakes/agentcore/bot-process.js';
import { cleanEnv, runNode } from './run-script.js';

const SESSION = 'keepalive-test-session-0000000000000000001';

describe('keepalive Lambda handler', () => {
  let bot: BotProcess;
  let fake: FakeAgentCore;
  let client: BedrockAgentCoreClient;
  let env: Record<string, string>;

  before(async () => {
    bot = await startBot({ env: { IMAGE_VERSION: 'v-keepalive-test' } });
    fake = await startFakeAgentCore({ botUrl: bot.url });
    client = new BedrockAgentCoreClient({
      region: 'us-east-1',
      endpoint: fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE!,
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    env = { AGENTCORE_RUNTIME_ARN: fake.runtimeArn, AGENTCORE_QUALIFIER: 'live', SESSION_ID: SESSION };
  });
  after(async () => {
    client.destroy();
    await fake.close();
    await bot.stop();
  });

  it('invokes keepalive on the live endpoint and logs the bot\'s answer', async () => {
    const lines: Record<string, unknown>[] = [];
    const answer = await runKeepalive({ client, env, log: (entry) => lines.push(entry) });
    assert.equal(answer.status, 'running');
    assert.equal(answer.image_version, 'v-keepalive-test');
    assert.equal(answer.session_id, SESSION, 'the session header reached the bot');
    const invoke = fake.state.calls.filter((c) => c.operation === 'InvokeAgentRuntime').at(-1)!;
    assert.deepEqual({ qualifier: invoke.request.qualifier, body: invoke.request.body }, { qualifier: 'live', body: '{"action":"keepalive"}' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.message, 'keepalive answered');
    assert.deepEqual(lines[0]!.answer, answer);
  });

  it('runs as the deployed module does: handler(), its own client, endpoint from AWS_ENDPOINT_URL_*', async () => {
    const script = "const { handler } = await import('./infra/lambda/keepalive.ts'); await handler();";
    const run = await runNode(['--import', 'tsx', '--input-type=module', '--eval', script], { ...cleanEnv(), ...fake.env, ...env });
    assert.equal(run.code, 0, run.stderr);
    const logged = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { message: string; answer: { status: string } };
    assert.equal(logged.message, 'keepalive answered');
    assert.equal(logged.answer.status, 'running');
  });

  it('with ROTATION_TABLE_NAME, the deployed handler runs the rotation controller on the table (DynamoDB from AWS_ENDPOINT_URL_DYNAMODB)', async () => {
    const script = "const { handler } = await import('./infra/lambda/keepalive.ts'); " +
      "const report = await handler({}, { getRemainingTimeInMillis: () => 300000 }); console.log(JSON.stringify({ report }));";
    const rotationEnv = { ...env, ROTATION_TABLE_NAME: fake.tableName, MAX_LIFETIME_SECONDS: '28800', ROTATE_BEFORE_SECONDS: '900' };
    const run = await runNode(['--import', 'tsx', '--input-type=module', '--eval', script], { ...cleanEnv(), ...fake.env, ...rotationEnv });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.find((l) => l.message === 'keepalive answered')?.session_id, SESSION);
    const report = lines.at(-1)!.report as { outcome: string; sessionId: string };
    assert.deepEqual({ outcome: report.outcome, sessionId: report.sessionId }, { outcome: 'kept_alive', sessionId: SESSION });
    const item = fake.ops.tables.get(fake.tableName)!.get('state') as { version: { N: string }; state: { S: string } };
    const state = JSON.parse(item.state.S) as { current: { sessionId: string }; lease?: unknown };
    assert.equal(state.current.sessionId, SESSION, 'seeded from SESSION_ID');
    assert.equal(state.lease, undefined, 'lease released');
    assert.equal(item.version.N, '2', 'one write to take the lease, one to release it');
  });

  it('throws and logs when the bot is down', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const closedPort = (down.address() as AddressInfo).port;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    fake.setBotUrl(`http://127.0.0.1:${closedPort}`);
    const lines: Record<string, unknown>[] = [];
    try {
      await assert.rejects(runKeepalive({ client, env, log: (entry) => lines.push(entry) }), { name: 'RuntimeClientError' });
      assert.equal(lines.at(-1)!.message, 'keepalive failed');
    } finally {
      fake.setBotUrl(bot.url);
    }
  });

  it('throws when the bot answers anything but running', async () => {
    const stopping = createServer((_req, res) => res.end(JSON.stringify({ status: 'stopping' })));
    await new Promise<void>((resolve) => stopping.listen(0, '127.0.0.1', resolve));
    fake.setBotUrl(`http://127.0.0.1:${(stopping.address() as AddressInfo).port}`);
    try {
      await assert.rejects(runKeepalive({ client, env, log: () => undefined }), /the bot is not running: status=stopping/);
    } finally {
      fake.setBotUrl(bot.url);
      stopping.close();
    }
  });

  it('throws for a runtime that does not exist', async () => {
    const missing = { ...env, AGENTCORE_RUNTIME_ARN: fake.runtimeArn.replace(/runtime\/.*/, 'runtime/gone-0000000000') };
    await assert.rejects(runKeepalive({ client, env: missing, log: () => undefined }), { name: 'ResourceNotFoundException' });
  });

  it('refuses a session id shorter than 33 characters before calling AgentCore', async () => {
    const calls = fake.state.calls.length;
    await assert.rejects(runKeepalive({ client, env: { ...env, SESSION_ID: 'short-session' }, log: () => undefined }),
      /SESSION_ID: a runtime session id must be 33-256 characters, got 13/);
    assert.equal(fake.state.calls.length, calls);
  });
});
