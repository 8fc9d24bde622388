// Proves `npm run deploy` end to end with the real SDK clients against the fake AWS services:
// UpdateAgentRuntime sends back the whole configuration with only IMAGE_VERSION changed, the live
// endpoint follows, and then (default) a rotation request goes into the rotation table and the
// keepalive function (the real controller, run by the fake Lambda Invoke) hands the running
// session over to a successor on the new image before the old one is stopped; or (--strategy
// restart) the old stop-and-start with a real bot process per runtime session.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { invokeAction } from '../../infra/lambda/runtime-client.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { keepaliveFunction } from '../fakes/agentcore/keepalive-function.js';
import type { KeepaliveFunction } from '../fakes/agentcore/keepalive-function.js';
import { sessionBots } from '../fakes/agentcore/session-bots.js';
import { scriptedBots } from '../recycle/scripted-bot.js';
import type { ScriptedBots, ScriptedFaults } from '../recycle/scripted-bot.js';
import type { SessionBots } from '../fakes/agentcore/session-bots.js';
import { REPO_ROOT, startBot } from '../fakes/agentcore/bot-process.js';
import type { BotProcess } from '../fakes/agentcore/bot-process.js';
import { cleanEnv, runScript, scratchFile } from './run-script.js';

const OLD_SESSION = 'agentcore-chat-bridge-session-initial-0000000001';
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function deployEnv(fake: FakeAgentCore, name: string, extraOutputs: Record<string, string> = {}): { env: Record<string, string>; stateFile: string } {
  const outputs = scratchFile(`${name}-outputs.json`);
  writeFileSync(outputs, JSON.stringify({ AgentcoreChatBridge: { ...extraOutputs,
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

interface RotationRig {
  readonly fake: FakeAgentCore;
  readonly bots: ScriptedBots;
  readonly keepalive: KeepaliveFunction;
}

/** Scripted bots per session, the keepalive function behind Lambda Invoke, and one keepalive run done. */
async function rotationRig(faults: Partial<ScriptedFaults> = {}): Promise<RotationRig> {
  const bots = scriptedBots(faults);
  const late: { keepalive?: KeepaliveFunction } = {};
  const fake = await startFakeAgentCore({
    sessionTarget: (c) => bots.sessionTarget(c),
    onStopSession: (c) => bots.onStopSession(c),
    onInvokeFunction: (request) => late.keepalive!.invoke(request),
  });
  fake.ops.functions.get(fake.functionName)!.environment.ROTATION_TABLE_NAME = fake.tableName;
  const keepalive = late.keepalive = keepaliveFunction(fake, { config: { pollMs: 50, standbyTimeoutMs: 1500, drainWaitMs: 1000 } });
  cleanups.push(async () => {
    await keepalive.idle();
    keepalive.close();
    await bots.close();
    await fake.close();
  });
  await keepalive.invoke({ functionName: fake.functionName, invocationType: 'RequestResponse', payload: {} });
  return { fake, bots, keepalive };
}

describe('npm run deploy (rotation, the default)', () => {
  it('updates the runtime keeping everything else, then a successor on the new image takes over from the running session', async () => {
    const { fake, bots, keepalive } = await rotationRig();
    const { env, stateFile } = deployEnv(fake, 'rotate', { RotationTableName: fake.tableName });
    const mark = fake.state.calls.length;
    const result = await runScript('deploy', ['--builder', 'codebuild', '--image-version', 'v20260101-000000-test'], env, 90_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /deploy: asked for a session rotation \(request deploy-\S+\) in AgentcoreChatBridge-/);
    assert.match(result.stdout, /deploy: session bridge-\S+ took over on image v20260101-000000-test/);

    const before = structuredClone(fake.state.versions[0]!.configuration);
    const update = fake.state.calls.find((c) => c.operation === 'UpdateAgentRuntime')!.request;
    const { clientToken: _token, ...sent } = update;
    assert.deepEqual(sent, { ...before, environmentVariables: { ...before.environmentVariables, IMAGE_VERSION: 'v20260101-000000-test' } });
    assert.equal(fake.state.endpoints.get('live')!.liveVersion, '2');

    // The order: runtime, endpoint, the request, the keepalive started; no Lambda configuration change.
    const ops = fake.operations().slice(mark).filter((op) => ['UpdateAgentRuntime', 'UpdateAgentRuntimeEndpoint', 'PutItem', 'Invoke', 'UpdateFunctionConfiguration']
      .some((name) => op.endsWith(`:${name}`)));
    const firstInvoke = ops.indexOf('lambda:Invoke');
    assert.deepEqual(ops.slice(0, 2), ['agentcore-control:UpdateAgentRuntime', 'agentcore-control:UpdateAgentRuntimeEndpoint']);
    assert.ok(ops.slice(2, firstInvoke).includes('dynamodb:PutItem'), 'the request is written before the function is started');
    assert.ok(!ops.includes('lambda:UpdateFunctionConfiguration'));
    const invoke = fake.state.calls.find((c) => c.operation === 'Invoke')!;
    assert.equal(invoke.request.InvocationType, 'Event');

    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { imageVersion: string; sessionId: string };
    assert.equal(state.imageVersion, 'v20260101-000000-test');
    assert.match(state.sessionId, /^bridge-\d{8}T\d{6}Z-[0-9a-f]{32}$/);
    const names = { [OLD_SESSION]: 'old', [state.sessionId]: 'new' };
    const actions = bots.invocations.map((i) => `${names[i.sessionId] ?? i.sessionId}:${i.action}`).filter((a) => !a.endsWith(':keepalive'));
    const takeover = actions.indexOf('new:takeover');
    assert.ok(actions.indexOf('new:standby') < actions.indexOf('old:handover') && actions.indexOf('old:handover') < takeover);
    await keepalive.idle();
    assert.ok(bots.invocations.some((i) => i.sessionId === OLD_SESSION && i.action === 'StopRuntimeSession'), 'the drained old session was stopped');
    assert.equal(bots.sessions.get(state.sessionId)!.imageVersion, 'v20260101-000000-test');
    assert.equal(fake.state.sessions.get(state.sessionId)!.version, '2');
    assert.equal(bots.maxDiscordListeners(), 1);

    // status now reads the current session from the rotation table.
    const status = await runScript('status', [], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^session\\s+${state.sessionId}$`, 'm'));
    assert.match(status.stdout, /^bot\s+running, up \d+s, image v20260101-000000-test/m);
  });

  it('fails, leaving the old session current and running, when the successor never gets ready', async () => {
    const { fake, bots } = await rotationRig({ neverReady: new Set(['*']) });
    const { env, stateFile } = deployEnv(fake, 'rotate-fails', { RotationTableName: fake.tableName });
    const result = await runScript('deploy', ['--builder', 'skip', '--image-version', 'v-never-ready'], env, 60_000);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /error: the rotation failed: the successor was not ready within 1\.5 s .*; the old session keeps running/);
    assert.equal(bots.sessions.get(OLD_SESSION)!.role, 'active');
    assert.ok(!bots.invocations.some((i) => i.sessionId === OLD_SESSION && (i.action === 'handover' || i.action === 'StopRuntimeSession')));
    assert.throws(() => readFileSync(stateFile, 'utf8'), /ENOENT/, 'no deploy state written for a failed deploy');
  });

  it('npm run rotate: a zero-downtime restart on the same image through the same path', async () => {
    const { fake, bots } = await rotationRig();
    const { env } = deployEnv(fake, 'rotate-script', { RotationTableName: fake.tableName });
    const result = await runScript('rotate', [], env, 60_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^rotate: session (bridge-\S+) took over on image initial;/m);
    assert.ok(fake.state.calls.some((c) => c.operation === 'UpdateAgentRuntime') === false, 'no new runtime version');
    assert.equal(bots.sessions.get(OLD_SESSION)!.role === 'active', false, 'the old session handed over');
  });

  it('finds the table through the keepalive function when the outputs do not name it, and says what to do without one', async () => {
    const { fake } = await rotationRig();
    const { env } = deployEnv(fake, 'rotate-from-function');
    const result = await runScript('deploy', ['--builder', 'skip', '--image-version', 'v-from-function'], env, 60_000);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    delete fake.ops.functions.get(fake.functionName)!.environment.ROTATION_TABLE_NAME;
    const missing = await runScript('deploy', ['--builder', 'skip', '--image-version', 'v-no-table'], env, 60_000);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: No rotation table known .* or pass --strategy restart/);
    assert.ok(!fake.state.calls.some((c) => c.operation === 'UpdateAgentRuntime' && JSON.stringify(c.request).includes('v-no-table')), 'refused before touching the runtime');
  });
});

describe('npm run deploy --strategy restart', () => {
  it('builds on CodeBuild, updates the runtime keeping everything else, and rolls the session', async () => {
    const bots: SessionBots = sessionBots();
    const fake = await startFakeAgentCore({ sessionTarget: (c) => bots.sessionTarget(c), onStopSession: (c) => bots.onStopSession(c) });
    cleanups.push(() => bots.stopAll(), () => fake.close());
    await keepOldSessionRunning(fake);
    const { env, stateFile } = deployEnv(fake, 'codebuild');

    const result = await runScript('deploy', ['--strategy', 'restart', '--builder', 'codebuild', '--image-version', 'v20260101-000000-test'], env, 90_000);
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
    const result = await runScript('deploy', ['--strategy', 'restart', '--image-version', 'v-docker-test'], { ...env, PATH: `${bin}:${env.PATH ?? ''}` }, 90_000);
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
    const result = await runScript('deploy', ['--strategy', 'restart', '--builder', 'codebuild'], env, 60_000);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: CodeBuild ImageProject1544FA78-abc:1 ended FAILED; logs: https:\/\/console\.aws\.amazon\.com\/codebuild\/logs\//);
    assert.ok(!fake.operations().includes('agentcore-control:UpdateAgentRuntime'));
  });

  it('leaves the old session and the keepalive alone when the new session runs the wrong image', async () => {
    const bot: BotProcess = await startBot({ env: { IMAGE_VERSION: 'v-stale' } });
    const fake = await startFakeAgentCore({ botUrl: bot.url });
    cleanups.push(() => bot.stop(), () => fake.close());
    const { env } = deployEnv(fake, 'stale');
    const result = await runScript('deploy', ['--strategy', 'restart', '--builder', 'skip', '--image-version', 'v-wanted'], env, 60_000);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: the new session runs image version v-stale, expected v-wanted; the old session was left running/);
    assert.ok(!fake.operations().includes('lambda:UpdateFunctionConfiguration'));
    assert.ok(!fake.operations().includes('agentcore:StopRuntimeSession'));
    assert.equal(fake.ops.functions.get(fake.functionName)!.environment.SESSION_ID, OLD_SESSION);
  });
});
