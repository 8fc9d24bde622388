// What the soak reads from the bot every few seconds: RSS from /proc, heap and event-loop delay
// and history from the status action (what an operator sees), and now and then heap after a
// forced full GC through the inspector (the figure that shows a leak, not garbage not yet swept).
import { loadavg } from 'node:os';
import type { BotProcess } from './bot-process.js';
import { round } from './stats.js';

interface StatusBody {
  process?: { rss_bytes: number; heap_used_bytes: number; external_bytes: number; event_loop_delay_ms: { p99: number; max: number; worst_p99: number; worst_max: number } };
  history?: { conversations: number; held_bytes: number; file_bytes: number; budget_bytes: number | null; files_dropped: number; conversations_dropped: number; conversations_evicted: number };
  bridge?: { in_flight: number; queued: number };
}

export interface Sample {
  readonly atS: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** Heap used after a forced GC, when this sample took one. */
  readonly heapAfterGcMb?: number;
  readonly externalMb: number;
  /** Event-loop delay over the bot's last complete 10 s window. */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  readonly heldMb: number;
  readonly conversations: number;
  readonly filesDropped: number;
  readonly evicted: number;
  readonly inFlight: number;
  readonly answersPerS: number;
  readonly lost: number;
  /** The bot's CPU since the previous sample, in % of one core (/proc). */
  readonly botCpuPct: number;
  /** The machine's 1-minute load average: a shared machine's other work shows in the loop delay. */
  readonly load1: number;
}

const MB = 1024 * 1024;

export async function readStatus(bot: BotProcess): Promise<StatusBody> {
  const response = await fetch(`http://127.0.0.1:${bot.port}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"status"}' });
  return (await response.json()) as StatusBody;
}

export interface SampleInput {
  readonly atS: number;
  readonly answersPerS: number;
  readonly lost: number;
  readonly forceGc: boolean;
  readonly botCpuPct: number;
}

export async function takeSample(bot: BotProcess, input: SampleInput): Promise<Sample> {
  const heapAfterGc = input.forceGc ? (await bot.heap()).heapUsed : undefined;
  const [status, rss] = await Promise.all([readStatus(bot), bot.rssBytes()]);
  const { process: proc, history, bridge } = status;
  if (proc === undefined || history === undefined) throw new Error('soak: the bot\'s status has no process or history figures');
  return {
    atS: input.atS,
    rssMb: rss / MB,
    heapMb: proc.heap_used_bytes / MB,
    ...(heapAfterGc === undefined ? {} : { heapAfterGcMb: heapAfterGc / MB }),
    externalMb: proc.external_bytes / MB,
    loopP99Ms: proc.event_loop_delay_ms.p99,
    loopMaxMs: proc.event_loop_delay_ms.max,
    heldMb: history.held_bytes / MB,
    conversations: history.conversations,
    filesDropped: history.files_dropped,
    evicted: history.conversations_evicted,
    inFlight: bridge?.in_flight ?? 0,
    answersPerS: input.answersPerS,
    lost: input.lost,
    botCpuPct: input.botCpuPct,
    load1: loadavg()[0] ?? 0,
  };
}

const COLUMNS: ReadonlyArray<readonly [string, (s: Sample) => string]> = [
  ['t (s)', (s) => s.atS.toFixed(0)],
  ['RSS MB', (s) => s.rssMb.toFixed(0)],
  ['heap MB', (s) => s.heapMb.toFixed(0)],
  ['heap GC MB', (s) => (s.heapAfterGcMb === undefined ? '' : s.heapAfterGcMb.toFixed(1))],
  ['ext MB', (s) => s.externalMb.toFixed(0)],
  ['held MB', (s) => s.heldMb.toFixed(0)],
  ['convs', (s) => String(s.conversations)],
  ['files dropped', (s) => String(s.filesDropped)],
  ['evicted', (s) => String(s.evicted)],
  ['loop p99 ms', (s) => String(s.loopP99Ms)],
  ['loop max ms', (s) => String(s.loopMaxMs)],
  ['in flight', (s) => String(s.inFlight)],
  ['answers/s', (s) => s.answersPerS.toFixed(1)],
  ['lost', (s) => String(s.lost)],
  ['bot CPU %', (s) => s.botCpuPct.toFixed(0)],
  ['load', (s) => s.load1.toFixed(1)],
];

export function tableHeader(): string {
  return COLUMNS.map(([name]) => name.padStart(Math.max(name.length, 6))).join(' ');
}

export function tableRow(sample: Sample): string {
  return COLUMNS.map(([name, cell]) => cell(sample).padStart(Math.max(name.length, 6))).join(' ');
}

export interface SampleSummary {
  readonly maxRssMb: number;
  /** RSS at the end, and its lowest and highest over the last fifth of the run: a plateau or a climb. */
  readonly lastFifthRssMb: { readonly min: number; readonly max: number };
  readonly maxHeapMb: number;
  readonly maxHeapAfterGcMb: number;
  readonly firstHeapAfterGcMb: number;
  readonly lastHeapAfterGcMb: number;
  readonly maxHeldMb: number;
  readonly loopP99Ms: { readonly median: number; readonly max: number };
  readonly loopMaxMs: number;
}

export function summarizeSamples(samples: readonly Sample[]): SampleSummary {
  const max = (values: number[]) => values.reduce((a, b) => Math.max(a, b), 0);
  const gc = samples.flatMap((s) => (s.heapAfterGcMb === undefined ? [] : [s.heapAfterGcMb]));
  const tail = samples.slice(Math.floor(samples.length * 0.8));
  const p99s = samples.map((s) => s.loopP99Ms).sort((a, b) => a - b);
  return {
    maxRssMb: round(max(samples.map((s) => s.rssMb))),
    lastFifthRssMb: { min: round(Math.min(...tail.map((s) => s.rssMb))), max: round(max(tail.map((s) => s.rssMb))) },
    maxHeapMb: round(max(samples.map((s) => s.heapMb))),
    maxHeapAfterGcMb: round(max(gc)),
    firstHeapAfterGcMb: round(gc[0] ?? Number.NaN),
    lastHeapAfterGcMb: round(gc.at(-1) ?? Number.NaN),
    maxHeldMb: round(max(samples.map((s) => s.heldMb))),
    loopP99Ms: { median: p99s[Math.floor(p99s.length / 2)] ?? Number.NaN, max: max(p99s) },
    loopMaxMs: max(samples.map((s) => s.loopMaxMs)),
  };
}
