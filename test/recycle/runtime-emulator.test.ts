// Proves the runtime emulator's AgentCore behaviour with tiny stand-in containers (a few lines of
// node answering /ping and /invocations) and once with the real bot: time-scaled idle timeout with
// time_of_last_update semantics, HealthyBusy keeping a session, the maximum lifetime ending even a
// busy one, SIGTERM then SIGKILL, a fresh process for an ended session id, and new runtime
// versions reaching new sessions only.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { UpdateAgentRuntimeCommand, UpdateAgentRuntimeEndpointCommand, BedrockAgentCoreControlClient } from '@aws-sdk/client-bedrock-agentcore-control';
import { invokeAction, stopSession } from '../../infra/lambda/runtime-client.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { runtimeEmulator } from '../fakes/agentcore/runtime-emulator.js';
import type { RuntimeEmulator, RuntimeEmulatorOptions } from '../fakes/agentcore/runtime-emulator.js';

const SESSION = 'emulator-test-session-00000000000000000000001';

/** A container in a dozen lines: PING_STATUS fixes /ping; IGNORE_SIGTERM makes it need SIGKILL. */
const STAND_IN = `
import { createServer } from 'node:http';
const started = Math.floor(Date.now() / 1000);
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/ping') return res.end(JSON.stringify({ status: process.env.PING_STATUS ?? 'Healthy', time_of_last_update: started }));
  res.end(JSON.stringify({ status: 'running', image_version: process.env.IMAGE_VERSION, pid: process.pid }));
});
if (process.env.IGNORE_SIGTERM) process.on('SIGTERM', () => console.log(JSON.stringify({ message: 'ignoring SIGTERM' })));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ message: 'runtime server listening', port: server.address().port })));
`;

interface Rig {
  readonly fake: FakeAgentCore;
  readonly emulator: RuntimeEmulator;
  invoke(sessionId?: string): Promise<Record<string, unknown>>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function rig(options: Partial<RuntimeEmulatorOptions> = {}): Promise<Rig> {
  const emulator = runtimeEmulator({
    idleTimeoutMs: 60_000, maxLifetimeMs: 60_000, pingIntervalMs: 100, stopGraceMs: 500,
    args: ['--input-type=module', '--eval', STAND_IN], ...options,
  });
  const fake = await startFakeAgentCore({ sessionTarget: (c) => emulator.sessionTarget(c), onStopSession: (c) => emulator.onStopSession(c) });
  emulator.attach(fake.state);
  const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE!,
    credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 });
  cleanups.push(async () => {
    client.destroy();
    await emulator.stopAll();
    await fake.close();
  });
  return {
    fake,
    emulator,
    invoke: async (sessionId = SESSION) => invokeAction(client, { runtimeArn: fake.runtimeArn, qualifier: 'live', sessionId }, 'keepalive'),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ends = (emulator: RuntimeEmulator) => emulator.events.filter((e) => e.kind === 'ended').map((e) => e.reason);

describe('runtime emulator', () => {
  it('ends a Healthy session after the idle timeout, and an invocation for it starts a fresh process under the same id', async () => {
    const r = await rig({ idleTimeoutMs: 600 });
    const first = await r.invoke();
    await sleep(1000);
    assert.deepEqual(ends(r.emulator), ['idle']);
    assert.ok(r.fake.state.sessions.get(SESSION)!.stoppedAt !== undefined, 'AgentCore forgot the session');
    const second = await r.invoke();
    assert.notEqual(second.pid, first.pid);
    assert.deepEqual(r.emulator.events.filter((e) => e.kind === 'started').map((e) => [e.sessionId, e.generation]), [[SESSION, 1], [SESSION, 2]]);
  });

  it('invocations and HealthyBusy reset idleness; the maximum lifetime ends the session all the same', async () => {
    const r = await rig({ idleTimeoutMs: 500, maxLifetimeMs: 1800, env: { PING_STATUS: 'HealthyBusy' } });
    await r.invoke();
    await sleep(1200);
    assert.deepEqual(ends(r.emulator), [], 'HealthyBusy kept it past the idle timeout');
    await sleep(1000);
    assert.deepEqual(ends(r.emulator), ['max_lifetime']);
    const lifetime = r.emulator.events[1]!.at - r.emulator.events[0]!.at;
    assert.ok(lifetime >= 1600 && lifetime < 2300, `ended after ${lifetime} ms`);
  });

  it('a container that ignores SIGTERM is killed after the grace period', async () => {
    const r = await rig({ env: { IGNORE_SIGTERM: '1' }, stopGraceMs: 400 });
    await r.invoke();
    const bot = r.emulator.running().get(SESSION)!;
    const started = Date.now();
    const client = new BedrockAgentCoreClient({ region: 'us-east-1', endpoint: r.fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE!,
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });
    assert.equal(await stopSession(client, { runtimeArn: r.fake.runtimeArn, qualifier: 'live', sessionId: SESSION }), 'stopped');
    client.destroy();
    assert.equal(bot.child.signalCode, 'SIGKILL');
    assert.ok(Date.now() - started >= 380);
    assert.ok(bot.output.some((line) => line.includes('ignoring SIGTERM')));
    assert.deepEqual(ends(r.emulator), ['stopped']);
  });

  it('a redeploy reaches new sessions only, with the real bot', async () => {
    const r = await rig({ args: ['--import', 'tsx', 'src/main.ts'], env: { CONNECT_ON: 'invocation' } });
    const control = new BedrockAgentCoreControlClient({ region: 'us-east-1', endpoint: r.fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL!,
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });
    cleanups.push(() => Promise.resolve(control.destroy()));
    assert.equal((await r.invoke()).image_version, 'initial');
    const configuration = r.fake.state.versions[0]!.configuration;
    const env = { ...configuration.environmentVariables, IMAGE_VERSION: 'v2' };
    const updated = await control.send(new UpdateAgentRuntimeCommand({ ...(configuration as object), agentRuntimeId: r.fake.runtimeId, environmentVariables: env } as never));
    await control.send(new UpdateAgentRuntimeEndpointCommand({ agentRuntimeId: r.fake.runtimeId, endpointName: 'live', agentRuntimeVersion: updated.agentRuntimeVersion }));
    r.fake.state.endpoints.get('live')!.liveVersion = updated.agentRuntimeVersion!;
    assert.equal((await r.invoke()).image_version, 'initial', 'the running session keeps its image');
    const fresh = await r.invoke('emulator-test-session-00000000000000000000002');
    assert.equal(fresh.image_version, 'v2');
    assert.equal(fresh.role, 'active');
  });
});
