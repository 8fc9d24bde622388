// Checks the built ARM64 image: its contents (read on the host), then the container running under
// emulation with the host's network, against the project's Slack, Discord and Bedrock fakes on
// 127.0.0.1: /ping on 8080, node as PID 1 with uid 1000, `status` through /invocations, one
// answered message per platform, and SIGTERM ending it with exit code 0 inside 15 s.
// Usage: node --import tsx scripts/image/check-image.ts --image TAG
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { startFakeBedrock, type FakeBedrock } from '../../test/fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../../test/fakes/discord/index.js';
import { startFakeSlack, type FakeSlack } from '../../test/fakes/slack/index.js';
import { discordEnv, slackEnv } from '../../test/helpers/env.js';
import { eventually } from '../../test/helpers/wait.js';
import { docker, dockerOk } from './docker-cli.js';
import { IMAGE_COMMAND, checkAppTree, checkImageConfig, checkNodeModules, checkSystemTools, readImageFacts } from './image-contents.js';

const PORT = 8080;
const CONTAINER = 'agentcore-chat-bridge-image-check';
const BASE_URL = `http://127.0.0.1:${PORT}`;
/** Emulated start-up and answers are slower than native ones: generous, but bounded. */
const START_TIMEOUT_MS = 120_000;
const ANSWER_TIMEOUT_MS = 60_000;
/** AgentCore allows about 15 s after SIGTERM before it kills the process. */
const STOP_GRACE_S = 15;

interface Fakes { slack: FakeSlack; discord: FakeDiscord; bedrock: FakeBedrock }

const results: { name: string; ok: boolean }[] = [];

async function check(name: string, body: () => Promise<void> | void): Promise<boolean> {
  const started = Date.now();
  try {
    await body();
    console.log(`ok - ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    results.push({ name, ok: true });
    return true;
  } catch (error) {
    console.log(`not ok - ${name}\n  ${error instanceof Error ? error.message : String(error)}`);
    results.push({ name, ok: false });
    return false;
  }
}

async function portIsFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(new Error(`port ${port} is in use on this machine (the container shares the host network): ${error.message}`)));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve()));
  });
}

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

function checkPingBody(body: Record<string, unknown>, statuses: string[]): void {
  if (!statuses.includes(String(body.status))) throw new Error(`/ping status ${JSON.stringify(body.status)}, want one of ${statuses.join(', ')}`);
  if (!Number.isInteger(body.time_of_last_update)) throw new Error(`/ping time_of_last_update ${JSON.stringify(body.time_of_last_update)} is not integer epoch seconds`);
}

async function startContainer(image: string, fakes: Fakes): Promise<void> {
  const env = {
    ...slackEnv(fakes.slack, fakes.bedrock),
    ...discordEnv(fakes.discord, fakes.bedrock),
    // The tests' 600 ms is for native speed; under emulation pongs come later.
    SLACK_CLIENT_PING_TIMEOUT_MS: '5000',
  };
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await dockerOk(['run', '-d', '--name', CONTAINER, '--platform', 'linux/arm64', '--network', 'host', ...envArgs, image]);
}

/** argv of the container's PID 1, without the binfmt interpreter qemu-user puts in front of it. */
async function pidOneArgv(): Promise<string[]> {
  const argv = (await dockerOk(['exec', CONTAINER, 'cat', '/proc/1/cmdline'])).split('\0').filter((a) => a !== '');
  const binfmt = readFileSync('/proc/sys/fs/binfmt_misc/qemu-aarch64', 'utf8').match(/^interpreter (.+)$/m)?.[1];
  if (binfmt === undefined || argv[0] !== binfmt) return argv;
  if (argv[1] !== '/usr/local/bin/node') throw new Error(`PID 1 runs ${argv[1]} under emulation, want /usr/local/bin/node`);
  return argv.slice(2);
}

async function checkPidOne(): Promise<void> {
  const argv = await pidOneArgv();
  if (JSON.stringify(argv) !== IMAGE_COMMAND) throw new Error(`PID 1 is ${JSON.stringify(argv)}, want ${IMAGE_COMMAND}`);
  const status = await dockerOk(['exec', CONTAINER, 'cat', '/proc/1/status']);
  const uids = status.match(/^Uid:\s+(.+)$/m)?.[1]?.split(/\s+/);
  if (uids === undefined || uids.some((uid) => uid !== '1000')) throw new Error(`PID 1 uids (real, effective, saved, fs) ${JSON.stringify(uids)}, want all 1000`);
  const execUid = (await dockerOk(['exec', CONTAINER, 'id', '-u'])).trim();
  if (execUid !== '1000') throw new Error(`docker exec id -u prints ${execUid}, want 1000`);
  // The ARM64 build really runs, under qemu on an x86 host: not a native image by mistake.
  const machine = (await dockerOk(['exec', CONTAINER, 'uname', '-m'])).trim();
  if (machine !== 'aarch64') throw new Error(`uname -m in the container prints ${machine}, want aarch64`);
}

async function checkStatus(): Promise<void> {
  let last: unknown;
  try {
    await eventually(async () => {
      const body = await getJson(`${BASE_URL}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"status"}' });
      const platforms = body.platforms as Record<string, { state?: string }> | undefined;
      last = Object.fromEntries(Object.entries(platforms ?? {}).map(([name, p]) => [name, p.state]));
      return platforms?.slack?.state === 'connected' && platforms.discord?.state === 'connected' ? true : undefined;
    }, START_TIMEOUT_MS, 'status to show slack and discord connected', 1000);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last platforms: ${JSON.stringify(last)}`, { cause: error });
  }
  checkPingBody(await getJson(`${BASE_URL}/ping`), ['Healthy', 'HealthyBusy']);
}

async function checkSlackAnswer({ slack, bedrock }: Fakes): Promise<void> {
  const posted = slack.postUserMessage({ channel: 'CGENERAL', user: 'UALICE', text: '<@UBOT> hello from the arm64 image' });
  await eventually(() => slack.botReplies('CGENERAL', posted.ts)
    .find((m) => m.text === 'Echo: hello from the arm64 image' && m.streaming_state !== 'in_progress'), ANSWER_TIMEOUT_MS, 'the Slack answer in the thread', 250);
  if (!bedrock.requests.some((r) => JSON.stringify(r.body).includes('hello from the arm64 image'))) throw new Error('the fake Bedrock never saw the Slack question');
}

async function checkDiscordAnswer({ discord, bedrock }: Fakes): Promise<void> {
  const sent = discord.sendUserMessage({ content: `<@${discord.botUser.id}> hello from discord on arm64` });
  const reply = await discord.waitForBotMessage((m) => m.message_reference?.message_id === sent.id, discord.channelId, ANSWER_TIMEOUT_MS);
  await eventually(() => discord.messages(discord.channelId).find((m) => m.id === reply.id && m.content === 'Echo: hello from discord on arm64'),
    ANSWER_TIMEOUT_MS, 'the Discord reply to read "Echo: hello from discord on arm64"', 250);
  if (!bedrock.requests.some((r) => JSON.stringify(r.body).includes('hello from discord on arm64'))) throw new Error('the fake Bedrock never saw the Discord question');
}

async function checkSigterm(): Promise<void> {
  const started = Date.now();
  // docker stop sends SIGTERM, then SIGKILL (exit 137) once the grace period is over.
  await dockerOk(['stop', '-t', String(STOP_GRACE_S), CONTAINER], (STOP_GRACE_S + 30) * 1000);
  const seconds = (Date.now() - started) / 1000;
  const [code, oom] = (await dockerOk(['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', CONTAINER])).trim().split(' ');
  if (code !== '0') throw new Error(`exit code ${code} after SIGTERM (${seconds.toFixed(1)} s; 137 means it was killed), want 0${oom === 'true' ? ' (OOM killed)' : ''}`);
  if (seconds >= STOP_GRACE_S) throw new Error(`took ${seconds.toFixed(1)} s to exit after SIGTERM, want under ${STOP_GRACE_S} s`);
  console.log(`  exited 0, ${seconds.toFixed(1)} s after SIGTERM`);
}

/** Why the container is gone, or undefined while it runs (the later checks still tell something). */
async function containerEnded(): Promise<string | undefined> {
  const state = (await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', CONTAINER])).stdout.trim();
  const [running, code] = state.split(' ');
  return running === 'true' ? undefined : `the container is not running (exit code ${code ?? 'unknown'})`;
}

async function runContainerChecks(image: string): Promise<void> {
  const fakes: Fakes = { slack: await startFakeSlack(), discord: await startFakeDiscord(), bedrock: await startFakeBedrock() };
  let failed = false;
  try {
    await startContainer(image, fakes);
    const steps: [string, () => Promise<void>][] = [
      [`/ping answers on ${PORT}`, async () => checkPingBody(await eventually(() => getJson(`${BASE_URL}/ping`).catch(() => undefined), START_TIMEOUT_MS, `/ping on ${PORT}`, 500), ['Healthy', 'HealthyBusy', 'Unhealthy'])],
      ['node is PID 1, runs as uid 1000, on aarch64', checkPidOne],
      ['status through /invocations: Slack and Discord connected, /ping healthy', checkStatus],
      ['a Slack mention is answered (fake Slack + fake Bedrock)', () => checkSlackAnswer(fakes)],
      ['a Discord mention is answered (fake Discord + fake Bedrock)', () => checkDiscordAnswer(fakes)],
      [`SIGTERM: exits 0 within ${STOP_GRACE_S} s`, checkSigterm],
    ];
    let exited: string | undefined;
    for (const [name, body] of steps) {
      if (exited !== undefined) {
        console.log(`not ok - ${name}\n  not run: ${exited}`);
        results.push({ name, ok: false });
      } else if (!(await check(name, body))) {
        failed = true;
        exited = await containerEnded();
      }
    }
  } finally {
    if (failed) {
      const logs = await docker(['logs', '--tail', '40', CONTAINER]);
      console.log(`--- container log (last 40 lines) ---\n${logs.stdout}${logs.stderr}`);
    }
    await docker(['rm', '-f', CONTAINER]);
    await Promise.all([fakes.slack.close(), fakes.discord.close(), fakes.bedrock.close()]);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { image: { type: 'string' } } });
  const image = values.image;
  if (image === undefined) throw new Error('usage: check-image.ts --image TAG');
  const facts = await readImageFacts(image);
  console.log(`image ${image}: ${(facts.sizeBytes / 1e6).toFixed(1)} MB (docker image inspect Size ${facts.sizeBytes}), ${facts.paths.size} paths`);
  await check(`image config: linux/arm64, user 1000:1000, entrypoint ${IMAGE_COMMAND}`, () => checkImageConfig(image));
  await check('/app holds package files, dist/ and node_modules only: no src, tests or .env', () => checkAppTree(facts));
  await check('node_modules: production dependencies only (no typescript, tsx, eslint, aws-cdk, esbuild)', () => checkNodeModules(facts, process.cwd()));
  await check('no compilers, make or python; /bin/sh, node and npm present', () => checkSystemTools(facts));
  // An interrupted earlier run may have left its container holding the port.
  await docker(['rm', '-f', CONTAINER]);
  if (await check(`port ${PORT} is free for the container`, () => portIsFree(PORT))) await runContainerChecks(image);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`image: ${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`[image] FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
