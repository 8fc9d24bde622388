// Proves `npm run status`, `keepalive` and `stop-session` end to end: the scripts run as their own
// processes with the real SDK clients, through the fake AgentCore, against the real bot; and their
// errors for a short session id, a missing or unknown runtime and missing credentials are clear.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { startBot } from '../fakes/agentcore/bot-process.js';
import type { BotProcess } from '../fakes/agentcore/bot-process.js';
import { cleanEnv, runScript, scratchFile } from './run-script.js';

const SESSION = 'status-test-session-000000000000000000000001';

describe('operator scripts against the fake AgentCore and the real bot', () => {
  let bot: BotProcess;
  let fake: FakeAgentCore;
  let env: Record<string, string>;

  before(async () => {
    bot = await startBot({ env: { IMAGE_VERSION: 'v-status-test' } });
    fake = await startFakeAgentCore({ botUrl: bot.url, sessionId: SESSION });
    env = { ...cleanEnv(), ...fake.env, AGENTCORE_RUNTIME_ARN: fake.runtimeArn, AGENTCORE_QUALIFIER: 'live', KEEPALIVE_FUNCTION_NAME: fake.functionName };
  });
  after(async () => {
    await fake.close();
    await bot.stop();
  });

  it('status prints a readable summary of the running bot', async () => {
    const result = await runScript('status', [], env);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, new RegExp(`^runtime\\s+${fake.runtimeArn.replace(/[/.]/g, '\\$&')} \\(endpoint live\\)$`));
    assert.match(result.stdout, new RegExp(`^session\\s+${SESSION}$`, 'm'), 'the session came from the keepalive function');
    assert.match(result.stdout, /^bot\s+running, up \d+s, image v-status-test, ping Healthy(Busy)?$/m);
    assert.match(result.stdout, /^slack\s+disabled, since \S+, reconnects 0, received 0, replies 0$/m);
    assert.match(result.stdout, /^discord\s+disabled/m);
    assert.match(result.stdout, /^agent\s+model us\.anthropic\.claude-sonnet-4-6, requests 0, errors 0, in flight 0, tokens in 0 \/ out 0/m);
    const invoke = fake.state.calls.filter((c) => c.operation === 'InvokeAgentRuntime').at(-1)!;
    assert.equal(invoke.request.body, '{"action":"status"}');
    assert.equal(invoke.request.sessionId, SESSION);
  });

  it('keepalive prints the short answer; --json prints the bot\'s JSON', async () => {
    const summary = await runScript('keepalive', [], env);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /^slack\s+disabled$/m);
    const json = await runScript('keepalive', ['--json', '--session-id', `${SESSION}-other`], env);
    assert.equal(json.code, 0, json.stderr);
    const answer = JSON.parse(json.stdout) as { status: string; session_id: string; platforms: Record<string, string> };
    assert.equal(answer.status, 'running');
    assert.equal(answer.session_id, `${SESSION}-other`);
    assert.deepEqual(answer.platforms, { slack: 'disabled', discord: 'disabled' });
  });

  it('reads the runtime, endpoint and function from the cdk outputs file', async () => {
    const outputs = scratchFile('outputs.json');
    writeFileSync(outputs, JSON.stringify({ AgentcoreChatBridge: {
      RuntimeArn: fake.runtimeArn, EndpointName: 'live', KeepaliveFunctionName: fake.functionName,
    } }));
    const { AGENTCORE_RUNTIME_ARN: _a, AGENTCORE_QUALIFIER: _q, KEEPALIVE_FUNCTION_NAME: _f, ...bare } = env;
    const result = await runScript('status', ['--outputs-file', outputs], bare);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\(endpoint live\)/);
  });

  it('stop-session stops the given session', async () => {
    const sessionId = `${SESSION}-to-stop`;
    assert.equal((await runScript('keepalive', ['--session-id', sessionId], env)).code, 0);
    const result = await runScript('stop-session', ['--session-id', sessionId], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`stopped session ${sessionId}`));
    assert.ok(fake.state.sessions.get(sessionId)?.stoppedAt !== undefined);
  });

  it('refuses a session id shorter than 33 characters', async () => {
    const result = await runScript('status', ['--session-id', 'abc-too-short'], env);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.split('\n').find((line) => line.startsWith('error:')),
      'error: --session-id / SESSION_ID: a runtime session id must be 33-256 characters, got 13 ("abc-too-short"). Pass --session-id (or SESSION_ID) with 33-256 characters.');
  });

  it('says what to do when no runtime is configured or the runtime does not exist', async () => {
    const { AGENTCORE_RUNTIME_ARN: _arn, ...unconfigured } = env;
    const none = await runScript('status', [], unconfigured);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /error: No runtime configured\. Pass --runtime-arn \(or set AGENTCORE_RUNTIME_ARN\)/);
    const gone = await runScript('status', ['--runtime-id', 'agentcore_chat_bridge-Gone000000'], unconfigured);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /error: Not found \(runtime agentcore_chat_bridge-Gone000000 in us-east-1\): Runtime agentcore_chat_bridge-Gone000000 not found\. Check --runtime-arn/);
    const wrongArn = await runScript('keepalive', ['--runtime-arn', fake.runtimeArn.replace(/runtime\/.*/, 'runtime/other-0000000000')], env);
    assert.equal(wrongArn.code, 1);
    assert.match(wrongArn.stderr, /error: Not found .*Check --runtime-arn/);
  });

  it('says so when there are no AWS credentials', async () => {
    const home = scratchFile('no-credentials-home');
    mkdirSync(home, { recursive: true });
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...noCredentials } = env;
    const result = await runScript('status', ['--session-id', SESSION], {
      ...noCredentials, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: No AWS credentials found\. Set AWS_PROFILE/);
  });
});
