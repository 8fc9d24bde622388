// `npm run bench:telemetry [-- --runs N] [--messages N]`: what OpenTelemetry costs. The bundle
// `npm start` runs, on the bench's Slack, Discord and Bedrock fakes, alternately with telemetry off
// and on (pointed at the OTLP fake, which verifies every SigV4 signature as X-Ray would). Each run:
// spawn -> first /ping with no tokens (start-up), then both platforms, a warm-up, a saturated load
// of --messages mentions over both platforms (bot CPU per answered message from /proc), RSS at rest
// after it (with the inspector's forced GC, so the heap is compared on equal terms). Telemetry runs
// export more often than production (spans every second, metrics every 5 s, against 5 s and 60 s)
// so the export work falls inside the measured load. Bounded: every load has a time cap.
import { parseArgs } from 'node:util';
import { startFakeOtlp } from '../test/fakes/otlp/index.js';
import { buildBots } from './bot-process.js';
import { readMemory, saturate, type LoadGroup } from './measure-load.js';
import { Rig } from './rig.js';
import { round, sleep, summarize } from './stats.js';

const MB = 1024 * 1024;
const REST_MS = 1500;
const LOAD_CAP_MS = 60_000;

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, messages: { type: 'string', default: '400' } } });
const runs = Math.max(1, Number(values.runs));
const messages = Math.max(20, Number(values.messages));
const builds = await buildBots();
const entry = builds.entries.bridge;
const credentials = { accessKeyId: 'AKIDBENCHBENCHBENCH0', secretAccessKey: 'bench-secret-access-key' };
const otlp = await startFakeOtlp({ credentials });
const rig = await Rig.start('telemetry', 'bridge');
const telemetryEnv = {
  AGENT_OBSERVABILITY_ENABLED: 'true',
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  TELEMETRY_SIGV4: 'on',
  OTEL_BSP_SCHEDULE_DELAY: '1000',
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
};
// The rig's environment is the bench's; telemetry runs add to it.
const baseEnv = rig.env.bind(rig);
let extraEnv: Record<string, string> = {};
rig.env = () => ({ ...baseEnv(), ...extraEnv });

type Mode = 'off' | 'on';
const samples: Record<Mode, { startMs: number[]; bareRss: number[]; cpuPerMessage: number[]; perSecond: number[]; rss: number[]; heap: number[] }> = {
  off: { startMs: [], bareRss: [], cpuPerMessage: [], perSecond: [], rss: [], heap: [] },
  on: { startMs: [], bareRss: [], cpuPerMessage: [], perSecond: [], rss: [], heap: [] },
};
let failures = 0;

function groups(): LoadGroup[] {
  return [
    { platform: 'slack', conversations: Array.from({ length: 8 }, () => rig.newSlackConversation()), window: 8 },
    { platform: 'discord', conversations: Array.from({ length: 8 }, () => rig.newDiscordConversation()), window: 8 },
  ];
}

async function measure(mode: Mode): Promise<void> {
  extraEnv = mode === 'on' ? telemetryEnv : {};
  const bare = await rig.launchWithoutTokens(entry, { inspect: false });
  samples[mode].startMs.push(bare.pingReadyMs);
  await sleep(REST_MS);
  samples[mode].bareRss.push((await bare.bot.rssBytes()) / MB);
  await rig.stopBot();

  await rig.launch(entry, { inspect: true });
  const load = groups();
  await saturate(rig, load, 60, performance.now() + LOAD_CAP_MS);
  const result = await saturate(rig, load, messages, performance.now() + LOAD_CAP_MS);
  samples[mode].cpuPerMessage.push(result.botCpuUsPerMessage / 1000);
  samples[mode].perSecond.push((result.answered / result.elapsedMs) * 1000);
  await sleep(REST_MS);
  const memory = await readMemory(rig.bot!);
  samples[mode].rss.push(memory.rssBytes / MB);
  samples[mode].heap.push(memory.heapUsedBytes / MB);
  await rig.stopBot();
}

try {
  for (let run = 0; run < runs; run += 1) {
    for (const mode of run % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      try {
        await measure(mode);
      } catch (error) {
        failures += 1;
        process.stderr.write(`run ${run + 1} (${mode}) failed: ${error instanceof Error ? error.message : String(error)}\n`);
        await rig.stopBot().catch(() => undefined);
      }
    }
  }
} finally {
  await rig.close();
  await otlp.close();
  builds.cleanup();
}

const refused = otlp.requests.filter((r) => r.status !== 200).length;
const spans = otlp.spans().filter((s) => s.parentSpanId === '').length;
const rows = [
  ['no tokens: spawn -> first /ping', 'startMs', 'ms'],
  ['no tokens: RSS at rest', 'bareRss', 'MB'],
  ['bot CPU per answered message', 'cpuPerMessage', 'ms'],
  ['answers per second (saturated)', 'perSecond', '/s'],
  ['RSS at rest after the load', 'rss', 'MB'],
  ['heap after GC after the load', 'heap', 'MB'],
] as const;
process.stdout.write(`${builds.note}; ${runs} runs per mode, ${messages} messages per load, ${failures} failed; OTLP fake: ${otlp.requests.length} exports (${refused} refused), ${spans} turn spans\n`);
const figures = rows.map(([label, key, unit]) => {
  const off = summarize(samples.off[key]);
  const on = summarize(samples.on[key]);
  process.stdout.write(`${label.padEnd(34)} off p50 ${String(round(off.p50)).padStart(7)} ${unit}   on p50 ${String(round(on.p50)).padStart(7)} ${unit}   (${on.p50 >= off.p50 ? '+' : ''}${round(on.p50 - off.p50)} ${unit})\n`);
  return { label, unit, off: off.p50, on: on.p50, n: Math.min(off.n, on.n) };
});
process.stdout.write(`TELEMETRY_JSON ${JSON.stringify({ runs, messages, failures, exports: otlp.requests.length, refused, figures, samples })}\n`);
process.exit(failures > 0 || refused > 0 ? 1 : 0);
