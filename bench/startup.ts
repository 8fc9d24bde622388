// `npm run bench:startup [-- --runs N] [--bridge path/to/main.js|src/main.ts]`: start-up alone, cheap
// to repeat (about 3 s a run). Each run spawns the bundle `npm start` runs (or the given entry; a .ts
// entry goes through tsx) and times from just before spawn(): with no chat tokens -> the first /ping
// answer; with fake Slack + Discord -> the first /ping answer and -> /ping HealthyBusy with both
// platforms connected. RSS is read once the bot has been at rest for a moment. No inspector.
// Exit 1 when a start failed or a target was missed.
import { parseArgs } from 'node:util';
import { buildBots } from './bot-process.js';
import { STARTUP_HEALTHY_BUSY_MAX_MS, STARTUP_PING_MAX_MS } from './report.js';
import { Rig } from './rig.js';
import { round, sleep, summarize } from './stats.js';

/** How long a started bot idles before its RSS is read: past start-up's garbage and first heartbeats. */
const REST_MS = 1500;
const MB = 1024 * 1024;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, bridge: { type: 'string' } } });
const runs = Math.max(1, Number(values.runs));
const builds = await buildBots(values.bridge);
const entry = builds.entries.bridge;
const rig = await Rig.start('startup', 'bridge');
const samples = { bare: [] as number[], ping: [] as number[], busy: [] as number[], bareRss: [] as number[], rss: [] as number[] };
let failures = 0;

async function restingRss(): Promise<number> {
  await sleep(REST_MS);
  const bot = rig.bot;
  if (bot === undefined) throw new Error('no bot running');
  return bot.rssBytes();
}

try {
  for (let run = 0; run < runs; run += 1) {
    try {
      const bare = await rig.launchWithoutTokens(entry, { inspect: false });
      samples.bare.push(bare.pingReadyMs);
      samples.bareRss.push(await restingRss());
      await rig.stopBot();
      const launch = await rig.launch(entry, { inspect: false });
      samples.ping.push(launch.pingReadyMs ?? Number.NaN);
      samples.busy.push(launch.statusReadyMs ?? Number.NaN);
      samples.rss.push(await restingRss());
      await rig.stopBot();
    } catch (error) {
      failures += 1;
      process.stderr.write(`run ${run + 1} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      await rig.stopBot().catch(() => undefined);
    }
  }
} finally {
  await rig.close();
  builds.cleanup();
}

interface Row {
  readonly label: string;
  readonly values: readonly number[];
  readonly unit: 'ms' | 'MB';
  readonly maxTarget?: number;
}
const rows: Row[] = [
  { label: 'no tokens: spawn -> first /ping', values: samples.bare, unit: 'ms', maxTarget: STARTUP_PING_MAX_MS },
  { label: 'both fakes: spawn -> first /ping', values: samples.ping, unit: 'ms', maxTarget: STARTUP_PING_MAX_MS },
  { label: 'both fakes: spawn -> HealthyBusy', values: samples.busy, unit: 'ms', maxTarget: STARTUP_HEALTHY_BUSY_MAX_MS },
  { label: 'no tokens: RSS at rest', values: samples.bareRss.map((b) => b / MB), unit: 'MB' },
  { label: 'both fakes: RSS at rest', values: samples.rss.map((b) => b / MB), unit: 'MB' },
];
const lines = rows.map((row) => {
  const { n, p50, max } = summarize(row.values);
  const verdict = row.maxTarget === undefined ? '' : `max <= ${row.maxTarget} ms: ${max <= row.maxTarget ? 'PASS' : 'FAIL'}`;
  return { ...row, n, p50: round(p50), max: round(max), verdict };
});
process.stdout.write(`${builds.note}; ${runs} runs, ${failures} failed\n`);
for (const line of lines) {
  process.stdout.write(`${line.label.padEnd(34)} p50 ${String(line.p50).padStart(7)} ${line.unit}  max ${String(line.max).padStart(7)} ${line.unit}  (n=${line.n})  ${line.verdict}\n`);
}
process.stdout.write(`STARTUP_JSON ${JSON.stringify({ entry, runs, failures, figures: lines.map(({ label, unit, n, p50, max, maxTarget }) => ({ label, unit, n, p50, max, target_max: maxTarget ?? null })) })}\n`);
const missed = lines.some((line) => line.maxTarget !== undefined && !(line.max <= line.maxTarget));
process.exit(failures > 0 || missed ? 1 : 0);
