// Proves `npm run deploy` end to end with the real SDK clients against the fake AWS services, a
// real bot process per runtime session: UpdateAgentRuntime sends back the whole configuration
// with only IMAGE_VERSION changed, the live endpoint follows, the new session runs the new image
// before the keepalive moves to it, and only then is the old session stopped.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { invokeAction } from '../../infra/lambda/runtime-client.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { sessionBots } from '../fakes/agentcore/session-bots.js';
import type { SessionBots } from '../fakes/agentcore/session-bots.js';
import { REPO_ROOT, startBot } from '../fakes/agentcore/bot-process.js';
import type { BotProcess } from '../fakes/agentcore/bot-process.js';
import { cleanEnv, runScript, scratchFile } from './run-script.js';

const OLD_SESSION = 'agentcore-chat-bridge-session-initial-0000000001';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function deployEnv(fake: FakeAgentCore, name: string): { env: Record<string, string>; stateFile: string } {
  const outputs = scratchFile(`${name}-outputs.json`);
  writeFileSync(outputs, JSON.stringify({ AgentcoreChatBridge: {
    RuntimeArn: fake.runtimeArn, RuntimeId: fake.runtimeId, EndpointName: 'live', KeepaliveFunctionName: fake.functionName,
    RepositoryUri: `${fake.state.account}.dkr.ecr.${fake.state.region}.amazonaws.com/agentcore-chat-bridge`, ImageTag: 'latest',
    CodeBuildProjectName: 'ImageProject1544FA78-abc', SourceBucketName: 'agentcorechatbridge-sourcebucket-abc',
  } }));
  const stateFile = scratchFile(`${name}-state.json`);
  return { env: { ...cleanEnv(), ...fake.env, CDK_OUTPUTS_FILE: outputs, BRIDGE_DEPLOY_STATE_FILE: stateFile }, stateFile };
}

async function keepOldSessionRunning(fake: FakeAgentCore): Promise<void> {
  const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE!,
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });
  const answer = await invokeAction(client, { runtimeArn: fake.runtimeArn, qualifier: 'live', sessionId: OLD_SESSION }, 'keepalive');
  client.destroy();
  assert.equal(answer.image_version, 'initial');
}

describe('npm run deploy', () => {
  it('builds on CodeBuild, updates the runtime keeping everything else, and rolls the session', async () => {
    const bots: SessionBots = sessionBots();
    const fake = await startFakeAgentCore({ sessionTarget: (c) => bots.sessionTarget(c), onStopSession: (c) => bots.onStopSession(c) });
    cleanups.push(() => bots.stopAll(), () => fake.close());
    await keepOldSessionRunning(fake);
    const { env, stateFile } = deployEnv(fake, 'codebuild');

    const result = await runScript('deploy', ['--builder', 'codebuild', '--image-version', 'v20260101-000000-test'], env, 90_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);

    // UpdateAgentRuntime got everything GetAgentRuntime returned, only IMAGE_VERSION differs.
    const before = structuredClone(fake.state.versions[0]!.configuration);
    const update = fake.state.calls.find((c) => c.operation === 'UpdateAgentRuntime')!.request;
    const { clientToken: _token, ...sent } = update;
    assert.deepEqual(sent, { ...before, environmentVariables: { ...before.environmentVariables, IMAGE_VERSION: 'v20260101-000000-test' } });
    assert.deepEqual(fake.state.versions[1]!.configuration, sent);

    assert.equal(fake.state.endpoints.get('live')!.liveVersion, '2');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { imageVersion: string; sessionId: string };
    assert.equal(state.imageVersion, 'v20260101-000000-test');
    assert.match(state.sessionId, /^bridge-\d{8}T\d{6}Z-[0-9a-f]{32}$/);
    const keepaliveEnv = fake.ops.functions.get(fake.functionName)!.environment;
    assert.deepEqual(keepaliveEnv, { AGENTCORE_RUNTIME_ARN: fake.runtimeArn, AGENTCORE_QUALIFIER: 'live', SESSION_ID: state.sessionId });

    // The order that keeps the bot online: new session up, keepalive moved, then the old one stopped.
    const ops = fake.operations().filter((op) => !op.endsWith('GetAgentRuntime') && !op.includes('Get') && !op.includes('BatchGetBuilds'));
    assert.deepEqual(ops, [
      'agentcore:InvokeAgentRuntime', // the old session, started before the deploy
      's3:PutObject', 'codebuild:StartBuild', 'agentcore-control:UpdateAgentRuntime', 'agentcore-control:UpdateAgentRuntimeEndpoint',
      'agentcore:InvokeAgentRuntime', 'lambda:UpdateFunctionConfiguration', 'agentcore:StopRuntimeSession',
    ]);
    const newSession = fake.state.sessions.get(state.sessionId)!;
    assert.equal(newSession.version, '2');
    assert.ok(fake.state.sessions.get(OLD_SESSION)!.stoppedAt !== undefined);
    assert.ok(bots.bots.get(OLD_SESSION)!.child.exitCode !== null, 'the old bot process ended');

    const upload = [...fake.ops.uploads.values()][0]!;
    for (const file of ['Dockerfile', 'buildspec.yml', 'package.json', 'package-lock.json', 'src/main.ts']) assert.ok(upload.files.includes(file), file);
    assert.ok(!upload.files.some((f) => f.startsWith('node_modules/') || f.startsWith('.git/') || f.startsWith('dist/')));
    assert.deepEqual([...fake.ops.builds.values()][0]!.environment, { IMAGE_VERSION: 'v20260101-000000-test', IMAGE_TAG: 'latest' });

    // And the operator sees the new image from the new session.
    const status = await runScript('status', [], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^bot\s+running, up \d+s, image v20260101-000000-test/m);
    assert.match(status.stdout, new RegExp(`^session\\s+${state.sessionId}$`, 'm'));
  });

  it('with docker buildx: logs in to ECR and pushes an arm64 image with both tags', async () => {
    const bot: BotProcess = await startBot({ env: { IMAGE_VERSION: 'v-docker-test' } });
    const fake = await startFakeAgentCore({ botUrl: bot.url });
    cleanups.push(() => bot.stop(), () => fake.close());
    const bin = scratchFile('fake-docker-bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(bin, 'calls.log');
    // A stand-in docker that records its arguments (and the password it was given on stdin).
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\nif [ "$1" = login ]; then echo "login $* stdin=$(cat)" >> "${calls}"; else echo "$*" >> "${calls}"; fi\n`);
    chmodSync(join(bin, 'docker'), 0o755);
    const { env } = deployEnv(fake, 'docker');
    const result = await runScript('deploy', ['--image-version', 'v-docker-test'], { ...env, PATH: `${bin}:${env.PATH ?? ''}` }, 90_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const uri = `${fake.state.account}.dkr.ecr.${fake.state.region}.amazonaws.com/agentcore-chat-bridge`;
    const lines = readFileSync(calls, 'utf8').trim().split('\n');
    assert.deepEqual(lines.filter((l) => !l.startsWith('buildx version') && l !== 'info'), [
      `login login --username AWS --password-stdin ${uri.split('/')[0]} stdin=fake-ecr-password`,
      `buildx build --platform linux/arm64 --provenance=false --build-arg IMAGE_VERSION=v-docker-test --tag ${uri}:latest --tag ${uri}:v-docker-test --push ${REPO_ROOT}`,
    ]);
    assert.ok(!fake.operations().includes('codebuild:StartBuild'));
  });

  it('--image-only builds and pushes without a runtime (the first deploy) and records the version', async () => {
    const fake = await startFakeAgentCore();
    cleanups.push(() => fake.close());
    const { env, stateFile } = deployEnv(fake, 'image-only');
    const result = await runScript('deploy', ['--builder', 'codebuild', '--image-only', '--image-version', 'v-first'], env, 60_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.deepEqual(fake.operations().filter((op) => op !== 'codebuild:BatchGetBuilds'), ['s3:PutObject', 'codebuild:StartBuild']);
    assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), { imageVersion: 'v-first' });
  });

  it('stops before touching the runtime when the image build fails', async () => {
    const fake = await startFakeAgentCore({ botUrl: 'http://127.0.0.1:9' });
    cleanups.push(() => fake.close());
    fake.ops.nextBuildStatus = 'FAILED';
    const { env } = deployEnv(fake, 'failed-build');
    const result = await runScript('deploy', ['--builder', 'codebuild'], env, 60_000);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: CodeBuild ImageProject1544FA78-abc:1 ended FAILED; logs: https:\/\/console\.aws\.amazon\.com\/codebuild\/logs\//);
    assert.ok(!fake.operations().includes('agentcore-control:UpdateAgentRuntime'));
  });

  it('leaves the old session and the keepalive alone when the new session runs the wrong image', async () => {
    const bot: BotProcess = await startBot({ env: { IMAGE_VERSION: 'v-stale' } });
    const fake = await startFakeAgentCore({ botUrl: bot.url });
    cleanups.push(() => bot.stop(), () => fake.close());
    const { env } = deployEnv(fake, 'stale');
    const result = await runScript('deploy', ['--builder', 'skip', '--image-version', 'v-wanted'], env, 60_000);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: the new session runs image version v-stale, expected v-wanted; the old session was left running/);
    assert.ok(!fake.operations().includes('lambda:UpdateFunctionConfiguration'));
    assert.ok(!fake.operations().includes('agentcore:StopRuntimeSession'));
    assert.equal(fake.ops.functions.get(fake.functionName)!.environment.SESSION_ID, OLD_SESSION);
  });
});
