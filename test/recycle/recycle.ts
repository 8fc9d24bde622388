// The recycle test: the real bot under the runtime emulator (a process per session, scaled idle
// timeout and maximum lifetime), the keepalive Lambda (the real controller) on a scaled schedule,
// the real `npm run deploy` once in the middle, and a driver that talks to the fake Slack and fake
// Discord the whole time. It counts, per message, how many answers it got (0 = lost, 2+ = doubled)
// and the longest stretch during which messages waited longer than normal.
//
// Two modes: `rotation` (the stack's configuration: ROTATION_TABLE_NAME set, deploy rotates) and
// `plain` (the old keepalive: one keepalive per tick on SESSION_ID, deploy stops and starts), for
// the comparison figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeBedrock } from '../fakes/bedrock/index.js';
import type { FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import type { FakeDiscord } from '../fakes/discord/index.js';
import { startFakeSlack } from '../fakes/slack/index.js';
import type { FakeSlack } from '../fakes/slack/index.js';
import { startFakeAgentCore } from '../fakes/agentcore/index.js';
import type { FakeAgentCore } from '../fakes/agentcore/index.js';
import { keepaliveFunction } from '../fakes/agentcore/keepalive-function.js';
import type { KeepaliveFunction } from '../fakes/agentcore/keepalive-function.js';
import { runtimeEmulator } from '../fakes/agentcore/runtime-emulator.js';
import type { RuntimeEmulator } from '../fakes/agentcore/runtime-emulator.js';
import { sampleConfiguration } from '../fakes/agentcore/state.js';
import type { RunReport } from '../../infra/lambda/rotation.js';
import { cleanEnv, runScript, scratchFile } from '../deploy/run-script.js';
import { BRIDGE_NODE_FLAGS, builtBridge } from '../helpers/built-bridge.js';
import { discordEnv, slackEnv } from '../helpers/env.js';
import { eventually, sleep } from '../helpers/wait.js';

export type RecycleMode = 'rotation' | 'plain';

/** Every scaled figure, in milliseconds. AgentCore's real values in comments. */
export interface RecycleScale {
  /** maxLifetime (8 h). */
  readonly maxLifetimeMs: number;
  /** Rotate this long before it (15 min). */
  readonly rotateBeforeMs: number;
  /** From a rotation's start until its successor must be ready (150 s). */
  readonly standbyTimeoutMs: number;
  /** idleRuntimeSessionTimeout (8 h in the stack; shorter here so idleness is exercised too). */
  readonly idleTimeoutMs: number;
  /** The EventBridge schedule (5 min). */
  readonly keepaliveEveryMs: number;
  /** SIGTERM to SIGKILL (15 s). */
  readonly stopGraceMs: number;
  readonly pingIntervalMs: number;
  /** Between two messages of the driver (alternating Slack and Discord). */
  readonly messageEveryMs: number;
  /** After the last message, how long answers may still come. */
  readonly drainMs: number;
  /** Lifetime recycles to run through; one redeploy happens after half of them. */
  readonly recycles: number;
  /** Give up (and report) after this long. */
  readonly capMs: number;
}

export const DEFAULT_SCALE: RecycleScale = {
  maxLifetimeMs: 50_000,
  rotateBeforeMs: 30_000,
  standbyTimeoutMs: 25_000,
  idleTimeoutMs: 20_000,
  keepaliveEveryMs: 1500,
  stopGraceMs: 6000,
  pingIntervalMs: 500,
  messageEveryMs: 250,
  drainMs: 12_000,
  recycles: 5,
  capMs: 330_000,
};

export interface RecycleResult {
  readonly mode: RecycleMode;
  readonly recycles: number;
  readonly redeploys: number;
  readonly messages: number;
  readonly lost: number;
  readonly doubled: number;
  readonly longestGapMs: number;
  readonly normalLatencyMs: number;
  readonly durationMs: number;
  readonly details: Record<string, unknown>;
  /** Every message (times relative to the start) and every session start and end, for a report file. */
  readonly log: { readonly messages: readonly Record<string, unknown>[]; readonly sessions: readonly Record<string, unknown>[] };
}

interface Sent {
  readonly id: string;
  readonly platform: 'slack' | 'discord';
  /** Slack: thread ts; Discord: message id. */
  readonly key: string;
  readonly sentAt: number;
  answeredAt?: number;
  answers: number;
}

export function resultLine(r: Pick<RecycleResult, 'recycles' | 'redeploys' | 'messages' | 'lost' | 'doubled' | 'longestGapMs'>): string {
  return `recycles: ${r.recycles}, redeploys: ${r.redeploys}, messages: ${r.messages}, lost: ${r.lost}, doubled: ${r.doubled}, longest_gap_ms: ${r.longestGapMs}`;
}

export async function runRecycle(
  mode: RecycleMode, scale: RecycleScale = DEFAULT_SCALE, progress: (line: string) => void = () => undefined, logDir?: string,
): Promise<RecycleResult> {
  const started = Date.now();
  const say = (line: string): void => progress(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  const closers: (() => Promise<unknown>)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let emulatorRef: RuntimeEmulator | undefined;
  try {
    const slack: FakeSlack = await startFakeSlack();
    closers.push(() => slack.close());
    const discord: FakeDiscord = await startFakeDiscord({ heartbeatIntervalMs: 5000 });
    closers.push(() => discord.close());
    // Replies take a moment, so some are in flight at every handover.
    const bedrock: FakeBedrock = await startFakeBedrock({ latency: { firstChunkMs: 250, perChunkMs: 40 } });
    closers.push(() => bedrock.close());

    // Each session boots what the image runs: the bundle `npm start` builds, not tsx (which would
    // compile the sources again in every process and slow boots under load).
    const bot = await builtBridge();
    say(`bot bundled to ${bot}`);
    const emulator: RuntimeEmulator = runtimeEmulator({
      args: [...BRIDGE_NODE_FLAGS, bot],
      idleTimeoutMs: scale.idleTimeoutMs,
      maxLifetimeMs: scale.maxLifetimeMs,
      pingIntervalMs: scale.pingIntervalMs,
      stopGraceMs: scale.stopGraceMs,
      env: {
        ...slackEnv(slack, bedrock, { SLACK_CLIENT_PING_TIMEOUT_MS: '2000' }),
        ...discordEnv(discord, bedrock),
        SHUTDOWN_GRACE_SECONDS: String(Math.max(1, Math.floor(scale.stopGraceMs / 1000) - 2)),
      },
      onEvent: (event) => say(`session ${short(event.sessionId)} #${event.generation} ${event.kind}${event.reason === undefined ? '' : ` (${event.reason})`}, image ${event.imageVersion}`),
    });
    closers.push(() => emulator.stopAll());
    emulatorRef = emulator;

    const configuration = sampleConfiguration('123456789012', 'us-east-1');
    configuration.networkConfiguration = { networkMode: 'PUBLIC' };
    configuration.environmentVariables = { ...configuration.environmentVariables, CONNECT_ON: 'invocation', LOG_LEVEL: 'info' };
    const late: { keepalive?: KeepaliveFunction } = {};
    const fake: FakeAgentCore = await startFakeAgentCore({
      configuration,
      sessionTarget: (c) => emulator.sessionTarget(c),
      onStopSession: (c) => emulator.onStopSession(c),
      onInvokeFunction: (request) => late.keepalive!.invoke(request),
      invokeTimeoutMs: 60_000,
    });
    closers.push(() => fake.close());
    emulator.attach(fake.state);
    if (mode === 'rotation') fake.ops.functions.get(fake.functionName)!.environment.ROTATION_TABLE_NAME = fake.tableName;
    const lambda = late.keepalive = keepaliveFunction(fake, {
      config: {
        maxLifetimeMs: scale.maxLifetimeMs, rotateBeforeMs: scale.rotateBeforeMs, pollMs: 200, standbyTimeoutMs: scale.standbyTimeoutMs,
        drainTimeoutMs: 10_000, drainWaitMs: 3000, leaseMs: 60_000,
      },
      timeoutMs: 50_000,
      log: (entry) => {
        if (entry.level !== 'info' || /rotation|successor|handed over|stopping/.test(String(entry.message))) {
          say(`keepalive: ${String(entry.message)}${entry.error === undefined ? '' : ` ${JSON.stringify(entry.error)}`}`);
        }
      },
    });
    closers.push(async () => {
      await lambda.idle();
      lambda.close();
    });

    // The first run starts the first session; wait until it listens on both platforms.
    lambda.tick();
    timer = setInterval(() => lambda.tick(), scale.keepaliveEveryMs);
    await waitFor(() => slack.connectionCount >= 1 && discord.sessions.some((s) => s.connected), 60_000, 'the first session to connect Slack and Discord');
    // One answered message per platform first: a cold process's first answer is slow, and that is
    // not what the gap should measure.
    const warmSlack = slack.postUserMessage({ channel: 'CWARMUP', user: 'UALICE', text: '<@UBOT> warm-up' });
    const warmDiscord = discord.sendUserMessage({ content: `<@${discord.botUser.id}> warm-up` });
    await waitFor(() => slack.botReplies('CWARMUP', warmSlack.ts).length > 0
      && discord.botMessages().some((m) => m.message_reference?.message_id === warmDiscord.id), 30_000, 'the warm-up answers');
    say('first session connected and answering; driver starts');

    const sent: Sent[] = [];
    let n = 0;
    let sending = true;
    const mention = `<@${discord.botUser.id}>`;
    const driver = (async () => {
      while (sending) {
        n += 1;
        const id = `m${n}`;
        const sentAt = Date.now();
        if (n % 2 === 1) {
          // Spread over channels as a workspace is: Slack paces chat.postMessage per channel (about 1/s).
          const posted = slack.postUserMessage({ channel: `CRECYCLE${n % 10}`, user: 'UALICE', text: `<@UBOT> ${id}` });
          sent.push({ id, platform: 'slack', key: posted.ts, sentAt, answers: 0 });
        } else {
          const message = discord.sendUserMessage({ content: `${mention} ${id}` });
          sent.push({ id, platform: 'discord', key: message.id, sentAt, answers: 0 });
        }
        await sleep(scale.messageEveryMs);
      }
    })();
    const observe = (): void => {
      const now = Date.now();
      const slackAnswers = new Map<string, number>();
      for (const { message } of slack.store.all()) {
        if (message.bot_id === slack.ids.botId && message.thread_ts !== undefined && message.thread_ts !== message.ts) {
          slackAnswers.set(message.thread_ts, (slackAnswers.get(message.thread_ts) ?? 0) + 1);
        }
      }
      const discordAnswers = new Map<string, number>();
      for (const message of discord.botMessages()) {
        const ref = message.message_reference?.message_id;
        if (ref !== undefined) discordAnswers.set(ref, (discordAnswers.get(ref) ?? 0) + 1);
      }
      for (const message of sent) {
        message.answers = (message.platform === 'slack' ? slackAnswers : discordAnswers).get(message.key) ?? 0;
        if (message.answers > 0 && message.answeredAt === undefined) message.answeredAt = now;
      }
    };
    const observer = setInterval(observe, 100);

    // Recycles (and the redeploy halfway) happen by themselves; watch and deploy once.
    const lifetimeRecycles = (): number => {
      if (mode === 'plain') return emulator.events.filter((e) => e.kind === 'ended' && e.reason === 'max_lifetime').length;
      return countLifetimeRotations(lambda);
    };
    let redeploys = 0;
    const deployAt = Math.ceil(scale.recycles / 2);
    const deadline = started + scale.capMs;
    while (Date.now() < deadline) {
      const recycles = lifetimeRecycles();
      if (redeploys === 0 && recycles >= deployAt) {
        say('redeploy: npm run deploy');
        const result = await deploy(fake, mode);
        if (result.code !== 0) throw new Error(`npm run deploy failed:\n${result.stdout}\n${result.stderr}`);
        redeploys += 1;
        say(`redeploy done: ${result.stdout.trim().split('\n').at(-1) ?? ''}`);
      }
      if (recycles >= scale.recycles && redeploys > 0) break;
      await sleep(500);
    }
    sending = false;
    await driver;
    say(`driver stopped after ${sent.length} messages; waiting ${scale.drainMs} ms for late answers`);
    await sleep(scale.drainMs);
    observe();
    clearInterval(observer);
    clearInterval(timer);
    timer = undefined;

    const recycles = lifetimeRecycles();
    const answered = sent.filter((m) => m.answeredAt !== undefined).map((m) => m.answeredAt! - m.sentAt).sort((a, b) => a - b);
    const normal = answered.length === 0 ? 0 : answered[Math.floor(answered.length / 2)]!;
    const threshold = Math.max(1000, 3 * normal);
    const lost = sent.filter((m) => m.answers === 0);
    const doubled = sent.filter((m) => m.answers > 1);
    const details = {
      threshold_ms: threshold,
      p99_latency_ms: answered[Math.floor(answered.length * 0.99)] ?? 0,
      max_latency_ms: answered.at(-1) ?? 0,
      lost_ids: lost.map((m) => `${m.id}@${((m.sentAt - started) / 1000).toFixed(1)}s/${m.platform}`).slice(0, 40),
      doubled_ids: doubled.map((m) => `${m.id}@${((m.sentAt - started) / 1000).toFixed(1)}s/${m.platform}x${m.answers}`).slice(0, 40),
      sessions_started: emulator.events.filter((e) => e.kind === 'started').length,
      session_ends: countBy(emulator.events.filter((e) => e.kind === 'ended').map((e) => e.reason ?? '?')),
      keepalive_runs: lambda.runs.length,
      keepalive_errors: lambda.runs.filter((r) => r.error !== undefined).map((r) => r.error).slice(0, 10),
      discord: { identifies: discord.counts.identifies, resumes: discord.counts.resumes },
      slack_connections_opened: slack.connectionsOpened,
    };
    return {
      mode,
      recycles,
      redeploys,
      messages: sent.length,
      lost: lost.length,
      doubled: doubled.length,
      longestGapMs: longestGap(sent, threshold),
      normalLatencyMs: normal,
      durationMs: Date.now() - started,
      details,
      log: {
        messages: sent.map((m) => ({ id: m.id, platform: m.platform, sent_s: (m.sentAt - started) / 1000, answers: m.answers,
          latency_ms: m.answeredAt === undefined ? null : m.answeredAt - m.sentAt })),
        sessions: emulator.events.map((e) => ({ ...e, at_s: (e.at - started) / 1000 })),
      },
    };
  } finally {
    if (timer !== undefined) clearInterval(timer);
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (logDir !== undefined && emulatorRef !== undefined) await writeBotLogs(emulatorRef, logDir);
  }
}

/**
 * Merges the waits of answered messages that took longer than `threshold` ([sent, answered])
 * and returns the longest stretch. Lost messages are not in it: they are counted as lost (a wait
 * until the end of the run would only measure when the run ended).
 */
function longestGap(messages: readonly { sentAt: number; answeredAt?: number | undefined }[], threshold: number): number {
  const slow = messages
    .flatMap((m) => (m.answeredAt === undefined ? [] : [{ from: m.sentAt, to: m.answeredAt }]))
    .filter((w) => w.to - w.from > threshold)
    .sort((a, b) => a.from - b.from);
  let longest = 0;
  let current: { from: number; to: number } | undefined;
  for (const wait of slow) {
    if (current !== undefined && wait.from <= current.to) current.to = Math.max(current.to, wait.to);
    else current = { ...wait };
    longest = Math.max(longest, current.to - current.from);
  }
  return Math.round(longest);
}

function countLifetimeRotations(lambda: KeepaliveFunction): number {
  return lambda.runs.filter((r) => (r.result as RunReport | undefined)?.rotation?.reason === 'max_lifetime').length;
}

let deploys = 0;
async function deploy(fake: FakeAgentCore, mode: RecycleMode): Promise<{ code: number | null; stdout: string; stderr: string }> {
  deploys += 1;
  const outputs = scratchFile(`recycle-outputs-${deploys}.json`);
  writeFileSync(outputs, JSON.stringify({ AgentcoreChatBridge: {
    RuntimeArn: fake.runtimeArn, RuntimeId: fake.runtimeId, EndpointName: 'live', KeepaliveFunctionName: fake.functionName,
    ...(mode === 'rotation' ? { RotationTableName: fake.tableName } : {}),
  } }));
  const env = {
    ...cleanEnv(), ...fake.env, CDK_OUTPUTS_FILE: outputs, BRIDGE_DEPLOY_STATE_FILE: scratchFile(`recycle-state-${deploys}.json`),
    DEPLOY_POLL_INTERVAL_MS: '200', DEPLOY_TIMEOUT_MS: '90000', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const strategy = mode === 'rotation' ? 'rotate' : 'restart';
  return runScript('deploy', ['--builder', 'skip', '--strategy', strategy, '--image-version', `v-redeploy-${deploys}`], env, 120_000);
}

/** src/main.ts as one ES module under node_modules/.cache (so its packages resolve from the repository). */
/** Each bot process's output as `<generation>-<session id>.log`. */
async function writeBotLogs(emulator: RuntimeEmulator, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const p of emulator.processes) {
    const bot = await p.bot.catch(() => undefined);
    if (bot !== undefined) writeFileSync(join(dir, `${p.generation}-${p.sessionId}.log`), `${bot.output.join('\n')}\n`);
  }
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Polls `probe` every 100 ms until it holds. */
async function waitFor(probe: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await eventually(() => (probe() ? true : undefined), timeoutMs, what, 100);
}

function short(sessionId: string): string {
  return sessionId.length > 20 ? `…${sessionId.slice(-8)}` : sessionId;
}
