// `npm run bench [-- --quick] [--profile DIR] [--bridge path/to/main.js]`: what the bridge itself
// costs, next to a baseline. --profile saves CPU profiles of the bridge's saturated runs; --bridge
// measures another build of it (e.g. a patched copy of dist/, or a .ts entry through tsx) instead
// of the bundle `npm start` builds from the current src/.
//
// Method. All on 127.0.0.1. The fakes run in this process, each bot in its own; every stamp is
// performance.now() here, taken by the fakes' observer taps. Three bots, each on its own fake Slack +
// Discord + Bedrock started identically (model latency 0, a fixed 3-delta answer): the bridge (the
// npm start bundle with --enable-source-maps as in the image, LOG_LEVEL=warn, MAX_CONCURRENT_TURNS=64), the bridge at LOG_LEVEL=info, and the baseline
// (bench/baseline-bot.ts: Bolt + discord.js posting the same answer in one call).
// Exit 1 only when the bench itself failed.
// - Overhead: event frame leaves the fake (Slack envelope, Discord MESSAGE_CREATE) -> first reply
//   call reaches it (Slack chat.startStream, baseline chat.postMessage; Discord POST .../messages).
//   Closed loops, one per conversation, pausing after each complete answer: @1 = one loop, @20 = 20.
//   A conversation is 10 mentions (Slack: a top-level mention, then 9 in its thread; Discord: a
//   channel), so 1 in 10 pays the history rebuild. Discord is paced under discord.js's global
//   50 requests/s (Discord's own limit), so its queue is not measured. Slack ack: envelope -> ack.
// - Throughput: a window of messages in flight (one per conversation), refilled when the whole
//   answer is visible (Slack: in the thread, stream stopped; Discord: posted or edited in); Slack
//   1,500 then Discord 150 (or 20 s each; 40% of that at info). Bot CPU from /proc; calls per answer.
// - Memory: heap after forced GC (inspector) and RSS (/proc) after a warm-up, then after 10,000 more
//   messages (the throughput runs, then Slack and Discord together; cut short after 75 s or when
//   later phases need the time, and growth is per 1,000 of those done) over 200 + 24 conversations.
//   Their histories (<= 30 turns each) and the dedupe ids (<= 50,000) fill during the run: bounded.
// - Start-up, from just before spawn() of the bundle `npm start` runs: -> fakes see both platforms
//   connected; bridge: -> first /ping answer, -> /ping HealthyBusy + both connected; and with no chat
//   tokens -> first /ping answer. `npm run bench:startup` measures start-up alone, repeatedly.
// - Reconnect: the fake drops the socket (no close frame) -> handshake done on a new socket (fake) /
//   platform `connected` in the keepalive action (bridge). 20 drops per platform, both bots at once.
//   The info-level bot's overhead round runs alongside (light load); its throughput runs after.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildBots, type Builds } from './bot-process.js';
import { closedLoops, type LoopOptions } from './measure-latency.js';
import { readMemory, requireBot, saturate, type LoadGroup } from './measure-load.js';
import { reconnectRounds, startupOnce, startupWithoutTokens } from './measure-lifecycle.js';
import { summarizeProfile } from './profile.js';
import { figures, jsonLine, platforms, table, type LatencyRecord, type LoadRecord, type Results, type RigName } from './report.js';
import { Rig } from './rig.js';
import type { Platform } from './tracker.js';

const FULL = { startups: 3, rounds: 2, slackC1: 50, discordC1: 30, c20PerLoop: 3, reconnects: 20, slackLoad: 1500, discordLoad: 150, runCapMs: 20_000, memoryMessages: 10_000, memoryCapMs: 75_000, infoScale: 0.4 };
const QUICK = { startups: 2, rounds: 1, slackC1: 20, discordC1: 10, c20PerLoop: 1, reconnects: 3, slackLoad: 300, discordLoad: 40, runCapMs: 10_000, memoryMessages: 800, memoryCapMs: 10_000, infoScale: 1 };
/** Seconds the phases after each bot's memory run need: it stops sending early to leave them this. */
const RESERVE_AFTER_MEMORY = { bridge: 125, baseline: 85 };
/** A second overhead round only starts before this (s), so a slow machine keeps time for the rest. */
const LAST_ROUND_START_S = 75;
const PACING: Record<Platform, { c1: LoopOptions['thinkMs']; c20: LoopOptions['thinkMs'] }> = {
  slack: { c1: [2, 8], c20: [250, 750] },
  discord: { c1: [40, 60], c20: [1500, 2500] },
};
const SLACK_CONVERSATIONS = 200;
const DISCORD_CONVERSATIONS = 24;
const DEADLINE_MS = 290_000;

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
  startup: { bridge: [], baseline: [] },
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

function latencyRecord(name: RigName): Record<Platform, LatencyRecord> {
  return (results.latency[name] ??= { slack: emptyLatency(), discord: emptyLatency() });
}

async function loops(name: RigName, platform: Platform, level: 'c1' | 'c20'): Promise<void> {
  const options: LoopOptions =
    level === 'c1'
      ? { loops: 1, samplesPerLoop: platform === 'slack' ? plan.slackC1 : plan.discordC1, turnsPerConversation: 10, thinkMs: PACING[platform].c1 }
      : { loops: 20, samplesPerLoop: plan.c20PerLoop, turnsPerConversation: 10, thinkMs: PACING[platform].c20 };
  const result = await closedLoops(rig(name), platform, options);
  const into = latencyRecord(name)[platform];
  into[level].push(...result.samples);
  into.failures += result.failures;
  if (level === 'c20') {
    into.c20Messages += result.samples.length;
    into.c20ElapsedMs += result.elapsedMs;
  }
}

function loadGroups(target: Rig): LoadGroup[] {
  return platforms.map((platform) => ({
    platform,
    conversations: Array.from({ length: platform === 'slack' ? SLACK_CONVERSATIONS : DISCORD_CONVERSATIONS }, () => target.newConversation(platform)),
    window: platform === 'slack' ? 48 : 16,
  }));
}

/** Slack alone, then Discord alone, on the given groups' conversations. */
async function throughput(name: RigName, record: LoadRecord, groups: readonly LoadGroup[], scale = 1): Promise<void> {
  const target = rig(name);
  for (const group of groups) {
    const { platform } = group;
    const profiling = profileDir !== undefined && name === 'bridge';
    if (profiling) await (await requireBot(target).inspector()).startProfile();
    const capMs = Math.min(plan.runCapMs * scale, (DEADLINE_MS / 1000 - elapsedS() - 12) * 500);
    const count = Math.round((platform === 'slack' ? plan.slackLoad : plan.discordLoad) * scale);
    const result = await saturate(target, [group], count, performance.now() + capMs);
    if (profiling) await saveProfile(await (await requireBot(target).inspector()).stopProfile(), `bridge-${platform}-saturated`);
    record.throughput[platform] = result;
    record.measuredMessages += result.answered;
    const failed = result.groups.reduce((sum, group) => sum + group.failed, 0);
    if (failed > 0) results.errors.push(`${name} ${platform}: ${failed} messages unanswered at saturation`);
  }
}

await phase('build', async () => {
  builds = await buildBots(bridgeEntry);
  results.config.build = builds.note;
});
const entries = builds?.entries;
if (entries === undefined) finish(1);

await phase('start fakes', async () => {
  rigs.bridge = await Rig.start('bridge', 'bridge');
  rigs.baseline = await Rig.start('baseline', 'baseline');
  rigs.bridgeInfo = await Rig.start('info', 'bridge', 'info');
});

await phase(`start-up x${plan.startups}`, async () => {
  for (let i = 0; i < plan.startups; i += 1) {
    for (const name of i % 2 === 0 ? (['bridge', 'baseline'] as const) : (['baseline', 'bridge'] as const)) {
      results.startup[name].push(await startupOnce(rig(name), entries[name], i === plan.startups - 1));
    }
  }
  for (let i = 0; i < plan.startups; i += 1) results.startupWithoutTokens.push(await startupWithoutTokens(rig('bridgeInfo'), entries.bridge));
  await rig('bridgeInfo').launch(entries.bridge);
});
if (!['bridge', 'baseline', 'bridgeInfo'].every((name) => rigs[name as RigName]?.running === true)) {
  results.errors.push('a bot did not start; nothing else can be measured');
  finish(1);
}

await phase('warm-up', async () => {
  for (const name of ['bridge', 'baseline', 'bridgeInfo'] as const) {
    for (const platform of platforms) await closedLoops(rig(name), platform, { loops: 4, samplesPerLoop: 8, turnsPerConversation: 10, thinkMs: platform === 'slack' ? [0, 2] : [150, 250] });
  }
});

await phase(`overhead: ${plan.rounds} rounds, bridge and baseline`, async () => {
  for (let round = 0; round < plan.rounds && (round === 0 || elapsedS() < LAST_ROUND_START_S); round += 1) {
    for (const name of round % 2 === 0 ? (['bridge', 'baseline'] as const) : (['baseline', 'bridge'] as const)) {
      await loops(name, 'slack', 'c1');
      await loops(name, 'slack', 'c20');
      await loops(name, 'discord', 'c1');
    }
    // Paced far below saturation, so the two bots can share these seconds.
    await Promise.all([loops('bridge', 'discord', 'c20'), loops('baseline', 'discord', 'c20')]);
  }
});

for (const name of ['bridge', 'baseline'] as const) {
  await phase(`throughput + memory: ${name}`, async () => {
    const target = rig(name);
    const bot = requireBot(target);
    const record: LoadRecord = { measuredMessages: 0, throughput: {} };
    results.load[name] = record;
    const groups = loadGroups(target);
    await saturate(target, groups, 600, performance.now() + plan.runCapMs);
    record.warm = await readMemory(bot);
    await throughput(name, record, groups);
    record.mid = await readMemory(bot);
    record.midMessages = record.measuredMessages;
    const latest = started + DEADLINE_MS - RESERVE_AFTER_MEMORY[name] * 1000;
    const rest = await saturate(target, groups, Math.max(0, plan.memoryMessages - record.measuredMessages), Math.min(latest, performance.now() + plan.memoryCapMs));
    record.measuredMessages += rest.answered;
    record.after = await readMemory(bot);
  });
}

await phase(`reconnect x${plan.reconnects} (bridge, baseline), with the info-level overhead round alongside`, async () => {
  const info = (async () => {
    for (const platform of platforms) for (const level of ['c1', 'c20'] as const) await loops('bridgeInfo', platform, level);
  })();
  // About 2.4 s a round; on a slow machine fewer rounds rather than no report.
  const rounds = Math.max(5, Math.min(plan.reconnects, Math.floor((DEADLINE_MS / 1000 - elapsedS() - 35) / 2.4)));
  if (rounds < plan.reconnects) results.errors.push(`reconnect: only ${rounds} drops fitted in the time left`);
  const { byRig, failures } = await reconnectRounds([rig('bridge'), rig('baseline')], rounds, 100);
  for (const name of ['bridge', 'baseline'] as const) {
    const samples = byRig.get(rig(name));
    if (samples !== undefined) results.reconnect[name] = samples;
  }
  if (failures > 0) results.errors.push(`reconnect: ${failures} drops not recovered within 15 s`);
  await info;
});

await phase('throughput: bridge at LOG_LEVEL=info', async () => {
  if (DEADLINE_MS / 1000 - elapsedS() < 25) throw new Error('skipped: not enough time left');
  const record: LoadRecord = { measuredMessages: 0, throughput: {} };
  results.load.bridgeInfo = record;
  const groups = loadGroups(rig('bridgeInfo'));
  await saturate(rig('bridgeInfo'), groups, 200, performance.now() + plan.runCapMs);
  await throughput('bridgeInfo', record, groups, plan.infoScale);
});

for (const [name, record] of Object.entries(results.latency)) {
  for (const platform of platforms) if (record[platform].failures > 0) results.errors.push(`${name} ${platform}: ${record[platform].failures} messages unanswered in the overhead loops`);
}

await phase('stop', async () => {
  await Promise.all(Object.values(rigs).map((each) => each.close()));
  for (const name of Object.keys(rigs) as RigName[]) delete rigs[name];
});
clearTimeout(watchdog);
finish(results.errors.length === 0 ? 0 : 1);

function emptyLatency(): LatencyRecord {
  return { c1: [], c20: [], failures: 0, c20Messages: 0, c20ElapsedMs: 0 };
}

async function saveProfile(profile: unknown, name: string): Promise<void> {
  if (profileDir === undefined) return;
  await mkdir(profileDir, { recursive: true });
  const file = join(profileDir, `${name}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  process.stderr.write(`profile written to ${file}\n${summarizeProfile(profile)}\n`);
}
