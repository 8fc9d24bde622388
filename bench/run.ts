// `npm run bench [-- --quick] [--profile DIR] [--bridge path/to/main.js]`: what the bridge costs, next
// to two bare bots in the same run. --profile saves CPU profiles of the bridge's load runs and heap
// snapshots at rest and after the long run; --bridge measures another build of it (e.g. a patched
// copy of dist/, or a .ts entry through tsx) instead of the bundle `npm start` builds from src/.
//
// Method. All on 127.0.0.1. The fakes run in this process, each bot in its own; every stamp is
// performance.now() here, taken by the fakes' observer taps. Three bots, each on its own fake Slack +
// Discord + Bedrock started identically (model latency 0, a fixed 3-delta answer; Slack's and
// Discord's per-channel rate limits off, and the bridge's own Slack budgets with them, so no bot is
// shaped by limits): the bridge (the npm start bundle with the image's node flags, BRIDGE_NODE_FLAGS, at
// the default LOG_LEVEL=info, MAX_CONCURRENT_TURNS=64); the baseline (bench/baseline-bot.ts: Bolt +
// discord.js + the AWS SDK's default client making the same ConverseStream call, then Slack
// chat.startStream/stopStream, Discord one post); the floor (bench/floor-bot.ts: a fixed reply, no
// model). Ratios are bridge / baseline. Exit 1 only when the bench itself failed.
// - Load (the issue's method): Slack, 20 mentions in flight over 50 threads, refilled when an answer
//   is whole (in the thread, stream stopped); Discord, 16 in flight over 24 channels (discord.js
//   keeps every bot under Discord's 50 requests/s). First post = event frame leaves the fake -> the
//   first reply call reaches it (Slack chat.startStream or chat.postMessage, Discord POST message).
//   CPU per message = process.cpuUsage() in the bot around the run / answers; event-loop delay from
//   monitorEventLoopDelay in the bot; heap sampled every 500 ms.
// - Paced: closed loops, one per conversation, pausing after each answer: @1 = one loop, @20 = 20.
//   A conversation is 10 mentions (Slack: a top-level mention, then 9 in its thread; Discord: a
//   channel), so 1 in 10 pays the history rebuild.
// - Rest: after the warm-up and 11 s with no work, all three bots idle together, both platforms
//   connected, none polled (like for like); then the bridge alone with /ping polled every 2 s as AgentCore does. CPU-s an hour from
//   process.cpuUsage(); then RSS, peak RSS (VmHWM, what AgentCore bills) and heap after a forced GC.
// - Memory: the same after the load runs, and after a long mixed run (Slack + Discord, 200 + 24
//   conversations; bridge and baseline): growth per 1,000 messages. Histories (<= 30 turns) and the
//   dedupe ids (<= 50,000) fill during the run: bounded.
// - Start-up, from just before spawn() of each bot: -> fakes see both platforms connected; bridge:
//   -> first /ping answer, -> /ping HealthyBusy + both connected; and with no chat tokens -> first
//   /ping answer. `npm run bench:startup` measures start-up alone, repeatedly.
// - Reconnect: the fake drops the socket (no close frame) -> handshake done on a new socket (fake) /
//   platform `connected` in the keepalive action (bridge). Bridge and baseline at once.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildBots, type Builds } from './bot-process.js';
import { closedLoops, type LoopOptions } from './measure-latency.js';
import { idleCpu, readMemory, requireBot, saturate, type LoadGroup } from './measure-load.js';
import { reconnectRounds, startupOnce, startupWithoutTokens } from './measure-lifecycle.js';
import { summarizeProfile } from './profile.js';
import { figures, jsonLine, platforms, rigNames, table, type LatencyRecord, type Results, type RigName } from './report.js';
import { Rig } from './rig.js';
import { sleep } from './stats.js';
import type { Platform } from './tracker.js';

const FULL = { startups: 3, rounds: 2, slackC1: 50, discordC1: 30, c20PerLoop: 3, reconnects: 20, slackLoad: 1000, discordLoad: 150, runCapMs: 20_000, idleMs: 10_000, idleWindows: 3, settleMs: 11_000, memoryMessages: 5000, memoryCapMs: 40_000 };
const QUICK = { startups: 2, rounds: 1, slackC1: 20, discordC1: 10, c20PerLoop: 1, reconnects: 3, slackLoad: 300, discordLoad: 40, runCapMs: 10_000, idleMs: 2000, idleWindows: 3, settleMs: 11_000, memoryMessages: 800, memoryCapMs: 10_000 };
/** A second paced round only starts before this (s), so a slow machine keeps time for the rest. */
const LAST_ROUND_START_S = 110;
const PACING: Record<Platform, { c1: LoopOptions['thinkMs']; c20: LoopOptions['thinkMs'] }> = {
  slack: { c1: [2, 8], c20: [250, 750] },
  discord: { c1: [40, 60], c20: [1500, 2500] },
};
/** The issue's load: 20 Slack mentions in flight over 50 threads. */
const LOAD_SHAPE: Record<Platform, { conversations: number; window: number }> = { slack: { conversations: 50, window: 20 }, discord: { conversations: 24, window: 16 } };
const MIXED_SHAPE: Record<Platform, { conversations: number; window: number }> = { slack: { conversations: 200, window: 48 }, discord: { conversations: 24, window: 16 } };
/** AgentCore polls /ping about every 2 s. */
const PING_EVERY_MS = 2000;
/** What the phases after the long mixed runs need (s): the reconnect rounds and the stop. */
const RESERVE_AFTER_MEMORY_S = 75;
const DEADLINE_MS = 400_000;

const args = process.argv.slice(2);
const plan = args.includes('--quick') ? QUICK : FULL;
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const profileDir = args.includes('--profile') ? (option('--profile') ?? '/tmp/bench-profiles') : undefined;
const bridgeEntry = option('--bridge');
const started = performance.now();
const rigs: Partial<Record<RigName, Rig>> = {};
const results: Results = {
  config: { ...plan, node: process.version, cpus: cpus().length, loadavg_start: loadavg().map((l) => Math.round(l * 100) / 100), profiling: profileDir !== undefined },
  latency: {},
  load: {},
  memory: {},
  idleCpu: {},
  startup: {},
  startupWithoutTokens: [],
  reconnect: {},
  errors: [],
};
let builds: Builds | undefined;

const elapsedS = (): number => (performance.now() - started) / 1000;
const progress = (message: string): void => void process.stderr.write(`[bench ${elapsedS().toFixed(0)}s] ${message}\n`);

async function phase(name: string, body: () => Promise<void>): Promise<void> {
  progress(name);
  try {
    await body();
  } catch (error) {
    results.errors.push(`${name}: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`);
    progress(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}

function rig(name: RigName): Rig {
  const found = rigs[name];
  if (found === undefined) throw new Error(`rig ${name} is not running`);
  return found;
}

function finish(code: number): never {
  results.config.loadavg_end = loadavg().map((l) => Math.round(l * 100) / 100);
  const list = figures(results);
  const runSeconds = elapsedS();
  process.stdout.write(`\n${table(list)}\n\nrun time ${runSeconds.toFixed(0)} s; load average ${JSON.stringify(results.config.loadavg_start)} -> ${JSON.stringify(results.config.loadavg_end)}; ${typeof results.config.build === 'string' ? results.config.build : ''}\n`);
  if (results.errors.length > 0) process.stdout.write(`errors:\n${results.errors.map((e) => `  ${e}`).join('\n')}\n`);
  process.stdout.write(`${jsonLine(results, list, runSeconds)}\n`);
  for (const each of Object.values(rigs)) each.kill();
  builds?.cleanup();
  process.exit(code);
}

const watchdog = setTimeout(() => {
  results.errors.push(`deadline: the bench ran past ${DEADLINE_MS / 1000} s and was cut short`);
  finish(1);
}, DEADLINE_MS);

/** Each round starts with another bot, so none always runs first on a machine warming up. */
function rotated(round: number): RigName[] {
  return rigNames.map((_, i) => rigNames[(i + round) % rigNames.length] as RigName);
}

async function loops(name: RigName, platform: Platform, level: 'c1' | 'c20'): Promise<void> {
  const options: LoopOptions =
    level === 'c1'
      ? { loops: 1, samplesPerLoop: platform === 'slack' ? plan.slackC1 : plan.discordC1, turnsPerConversation: 10, thinkMs: PACING[platform].c1 }
      : { loops: 20, samplesPerLoop: plan.c20PerLoop, turnsPerConversation: 10, thinkMs: PACING[platform].c20 };
  const result = await closedLoops(rig(name), platform, options);
  const into = (results.latency[name] ??= { slack: emptyLatency(), discord: emptyLatency() })[platform];
  into[level].push(...result.samples);
  into.failures += result.failures;
}

function groupsOf(target: Rig, shape: typeof LOAD_SHAPE, only?: Platform): LoadGroup[] {
  return platforms
    .filter((platform) => only === undefined || platform === only)
    .map((platform) => ({ platform, conversations: Array.from({ length: shape[platform].conversations }, () => target.newConversation(platform)), window: shape[platform].window }));
}

/** The issue's load on one platform at a time; the bridge's CPU is profiled with --profile. */
async function loadRuns(name: RigName): Promise<void> {
  const target = rig(name);
  const record = (results.load[name] ??= {});
  for (const platform of platforms) {
    const profiling = profileDir !== undefined && name === 'bridge';
    if (profiling) await (await requireBot(target).inspector()).startProfile();
    const count = platform === 'slack' ? plan.slackLoad : plan.discordLoad;
    const result = await saturate(target, groupsOf(target, LOAD_SHAPE, platform), count, performance.now() + plan.runCapMs);
    if (profiling) await saveProfile(await (await requireBot(target).inspector()).stopProfile(), `bridge-${platform}-load`);
    record[platform] = result;
    const failed = result.groups.reduce((sum, group) => sum + group.failed, 0);
    if (failed > 0) results.errors.push(`${name} ${platform}: ${failed} messages unanswered under load`);
  }
}

/** Polls the bridge's /ping as AgentCore does until `signal` aborts. */
async function pollPing(port: number, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await fetch(`http://127.0.0.1:${port}/ping`).then((response) => response.text(), () => undefined);
    await sleep(PING_EVERY_MS);
  }
}

await phase('build', async () => {
  builds = await buildBots(bridgeEntry);
  results.config.build = builds.note;
});
const entries = builds?.entries;
if (entries === undefined) finish(1);

await phase('start fakes', async () => {
  for (const name of rigNames) rigs[name] = await Rig.start(name, name);
});

await phase(`start-up x${plan.startups}`, async () => {
  for (let i = 0; i < plan.startups; i += 1) results.startupWithoutTokens.push(await startupWithoutTokens(rig('bridge'), entries.bridge));
  for (let i = 0; i < plan.startups; i += 1) {
    for (const name of rotated(i)) (results.startup[name] ??= []).push(await startupOnce(rig(name), entries[name], i === plan.startups - 1));
  }
});
if (!rigNames.every((name) => rigs[name]?.running === true)) {
  results.errors.push('a bot did not start; nothing else can be measured');
  finish(1);
}

await phase('warm-up', async () => {
  for (const name of rigNames) {
    for (const platform of platforms) await closedLoops(rig(name), platform, { loops: 4, samplesPerLoop: 8, turnsPerConversation: 10, thinkMs: platform === 'slack' ? [0, 2] : [150, 250] });
  }
});

await phase(`rest: ${(plan.idleMs * plan.idleWindows) / 1000} s all three unpolled, then the bridge polled`, async () => {
  // A full GC first in every bot, so none starts its rest with the warm-up's garbage still to collect;
  // then one ELD window (10 s) with no work, after which the bridge's sampler is off as it is at rest.
  for (const name of rigNames) await readMemory(requireBot(rig(name)));
  await sleep(plan.settleMs);
  const bridge = requireBot(rig('bridge'));
  // Like for like: no bot is polled (the bare bots have no /ping to poll).
  const rested = await Promise.all(rigNames.map((name) => idleCpu(requireBot(rig(name)), plan.idleMs, plan.idleWindows)));
  rigNames.forEach((name, i) => {
    const idle = rested[i];
    if (idle !== undefined) results.idleCpu[name] = idle;
  });
  results.idleCpuPolled = await idleCpu(bridge, plan.idleMs / 2, plan.idleWindows, (signal) => pollPing(bridge.port, signal));
  for (const name of rigNames) results.memory[name] = { rest: await readMemory(requireBot(rig(name))), messages: 0 };
  if (profileDir !== undefined) await saveHeapSnapshot('bridge-rest');
});

await phase(`paced: ${plan.rounds} rounds, all three bots`, async () => {
  for (let round = 0; round < plan.rounds && (round === 0 || elapsedS() < LAST_ROUND_START_S); round += 1) {
    for (const name of rotated(round)) {
      await loops(name, 'slack', 'c1');
      await loops(name, 'slack', 'c20');
      await loops(name, 'discord', 'c1');
    }
    // Paced far below saturation, so the bots can share these seconds.
    await Promise.all(rigNames.map((name) => loops(name, 'discord', 'c20')));
  }
});

for (const name of rotated(1)) {
  await phase(`load: ${name}`, async () => {
    await loadRuns(name);
    const memory = results.memory[name];
    if (memory !== undefined) memory.loaded = await readMemory(requireBot(rig(name)));
  });
}

for (const name of ['bridge', 'baseline'] as const) {
  await phase(`long mixed run: ${name}`, async () => {
    const target = rig(name);
    const memory = results.memory[name];
    if (memory === undefined) throw new Error(`${name}: no memory reading at rest`);
    const others = name === 'bridge' ? plan.memoryCapMs : 0;
    const latest = started + DEADLINE_MS - (RESERVE_AFTER_MEMORY_S + others / 1000) * 1000;
    const run = await saturate(target, groupsOf(target, MIXED_SHAPE), plan.memoryMessages, Math.min(latest, performance.now() + plan.memoryCapMs));
    memory.messages = run.answered;
    memory.after = await readMemory(requireBot(target));
    if (profileDir !== undefined && name === 'bridge') await saveHeapSnapshot('bridge-after-long-run');
  });
}

await phase(`reconnect x${plan.reconnects} (bridge, baseline)`, async () => {
  // About 2.4 s a round; on a slow machine fewer rounds rather than no report.
  const rounds = Math.max(3, Math.min(plan.reconnects, Math.floor((DEADLINE_MS / 1000 - elapsedS() - 25) / 2.4)));
  if (rounds < plan.reconnects) results.errors.push(`reconnect: only ${rounds} drops fitted in the time left`);
  const { byRig, failures } = await reconnectRounds([rig('bridge'), rig('baseline')], rounds, 100);
  for (const name of ['bridge', 'baseline'] as const) {
    const samples = byRig.get(rig(name));
    if (samples !== undefined) results.reconnect[name] = samples;
  }
  if (failures > 0) results.errors.push(`reconnect: ${failures} drops not recovered within 15 s`);
});

for (const [name, record] of Object.entries(results.latency)) {
  for (const platform of platforms) if (record[platform].failures > 0) results.errors.push(`${name} ${platform}: ${record[platform].failures} messages unanswered in the paced loops`);
}

await phase('stop', async () => {
  await Promise.all(Object.values(rigs).map((each) => each.close()));
  for (const name of Object.keys(rigs) as RigName[]) delete rigs[name];
});
clearTimeout(watchdog);
finish(results.errors.length === 0 ? 0 : 1);

function emptyLatency(): LatencyRecord {
  return { c1: [], c20: [], failures: 0 };
}

async function saveProfile(profile: unknown, name: string): Promise<void> {
  if (profileDir === undefined) return;
  await mkdir(profileDir, { recursive: true });
  const file = join(profileDir, `${name}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  process.stderr.write(`profile written to ${file}\n${summarizeProfile(profile)}\n`);
}

async function saveHeapSnapshot(name: string): Promise<void> {
  if (profileDir === undefined) return;
  await mkdir(profileDir, { recursive: true });
  const file = join(profileDir, `${name}.heapsnapshot`);
  await writeFile(file, await (await requireBot(rig('bridge')).inspector()).heapSnapshot());
  process.stderr.write(`heap snapshot written to ${file}\n`);
}
