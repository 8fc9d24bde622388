// Turns the measurements into figures with targets: a table for people, one BENCH_JSON line for tools.
// Every ratio is bridge / baseline (the bare bot making the same model call), measured in the same run;
// the floor (a bare bot posting a fixed reply) is shown beside it as what the libraries alone cost.
import type { IdleCpu, LoadResult, MemoryReading } from './measure-load.js';
import { spans } from './measure-latency.js';
import type { ReconnectSample, StartupSample } from './measure-lifecycle.js';
import { ratio, round, summarize, type Summary } from './stats.js';
import type { Platform, Sample } from './tracker.js';

export type RigName = 'bridge' | 'baseline' | 'floor';
export const rigNames: readonly RigName[] = ['bridge', 'baseline', 'floor'];
export const platforms: readonly Platform[] = ['slack', 'discord'];

export interface LatencyRecord {
  c1: Sample[];
  c20: Sample[];
  failures: number;
}

export interface MemoryRecord {
  /** After the warm-up and the rest period. */
  rest?: MemoryReading;
  /** After the load runs (the same work for every bot). */
  loaded?: MemoryReading;
  /** After the long mixed run (bridge and baseline), `messages` later. */
  after?: MemoryReading;
  messages: number;
}

export interface Results {
  readonly config: Record<string, unknown>;
  latency: Partial<Record<RigName, Record<Platform, LatencyRecord>>>;
  load: Partial<Record<RigName, Partial<Record<Platform, LoadResult>>>>;
  memory: Partial<Record<RigName, MemoryRecord>>;
  /** CPU-seconds an hour at rest, both platforms connected; the bridge's /ping polled every 2 s as AgentCore does. */
  idleCpu: Partial<Record<RigName, IdleCpu>>;
  /** The bridge at rest with nobody polling /ping (like the baselines, which serve none). */
  idleCpuPolled?: IdleCpu;
  startup: Partial<Record<RigName, StartupSample[]>>;
  /** Bridge with no chat tokens: spawn -> first /ping answer (ms). */
  startupWithoutTokens: number[];
  reconnect: Partial<Record<'bridge' | 'baseline', Record<Platform, ReconnectSample[]>>>;
  errors: string[];
}

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly bridge: number;
  readonly baseline: number | null;
  readonly ratio: number | null;
  readonly floor: number | null;
  readonly target: string | null;
  readonly pass: boolean | null;
}

type Pick = (name: RigName) => number | undefined;
interface Target {
  readonly text: string;
  readonly pass: (bridge: number, r: number) => boolean;
}

const MB = 1024 * 1024;
/** Issue 17: against the baseline in the same run. */
const FIRST_POST_RATIO_MAX = 0.5;
const THROUGHPUT_RATIO_MIN = 2;
const CPU_RATIO_MAX = 1;
const RSS_REST_MAX_MB = 100;
const RSS_PEAK_MAX_MB = 150;
const GROWTH_MB_PER_1000 = 1;
/** Issue 16/17: start of node -> /ping answering, and -> HealthyBusy with both platforms connected. */
export const STARTUP_PING_MAX_MS = 1000;
export const STARTUP_HEALTHY_BUSY_MAX_MS = 1500;
const RECONNECT_MAX_MS = 2000;

const atMost = (limit: number, unit: string): Target => ({ text: `<= ${limit} ${unit}`, pass: (bridge) => bridge <= limit });
const ratioAtMost = (limit: number): Target => ({ text: `<= ${limit}x baseline`, pass: (_bridge, r) => r <= limit });
const ratioAtLeast = (limit: number): Target => ({ text: `>= ${limit}x baseline`, pass: (_bridge, r) => r >= limit });

export function figures(results: Results): Figure[] {
  const out: Figure[] = [];
  const add = (id: string, label: string, unit: string, pick: Pick, target?: Target, withRatio = true): void => {
    const bridge = pick('bridge') ?? Number.NaN;
    const baseline = pick('baseline');
    const r = baseline === undefined || !withRatio ? Number.NaN : ratio(bridge, baseline);
    out.push({
      id,
      label,
      unit,
      bridge: round(bridge),
      baseline: nullable(baseline),
      ratio: Number.isNaN(r) ? null : round(r),
      floor: nullable(pick('floor')),
      target: target?.text ?? null,
      pass: target === undefined ? null : Number.isFinite(bridge) && target.pass(bridge, r),
    });
  };
  for (const platform of platforms) loadFigures(results, platform, add);
  for (const platform of platforms) lightLoadFigures(results, platform, add);
  restFigures(results, add);
  startupFigures(results, add);
  for (const platform of platforms) {
    const reconnect = (name: RigName, status: boolean): Summary =>
      summarize((name === 'floor' ? [] : (results.reconnect[name]?.[platform] ?? [])).flatMap((s) => (status ? (s.statusMs === undefined ? [] : [s.statusMs]) : [s.fakeMs])));
    add(`${platform}.reconnect.fake.p50`, `${platform} reconnect p50 (fake)`, 'ms', (name) => reconnect(name, false).p50);
    add(`${platform}.reconnect.fake.max`, `${platform} reconnect max (fake)`, 'ms', (name) => reconnect(name, false).max);
    add(`${platform}.reconnect.status.max`, `${platform} reconnect max (bot state)`, 'ms', (name) => only(name, reconnect(name, true).max), atMost(RECONNECT_MAX_MS, 'ms'));
  }
  return out.filter((figure) => !(figure.baseline === null && figure.floor === null && Number.isNaN(figure.bridge) && figure.target === null));
}

type Add = (id: string, label: string, unit: string, pick: Pick, target?: Target, withRatio?: boolean) => void;

/** The method: a window of messages in flight over a few conversations, refilled as answers complete. */
function loadFigures(results: Results, platform: Platform, add: Add): void {
  const load = (name: RigName): LoadResult | undefined => results.load[name]?.[platform];
  const timing = (name: RigName, from: keyof Sample, to: keyof Sample): Summary => summarize(spans(load(name)?.samples ?? [], from, to));
  const p = `${platform} @load`;
  add(`${platform}.load.first_post.p50`, `${p} first post p50`, 'ms', (name) => timing(name, 'sentAt', 'firstAt').p50, ratioAtMost(FIRST_POST_RATIO_MAX));
  add(`${platform}.load.first_post.p99`, `${p} first post p99`, 'ms', (name) => timing(name, 'sentAt', 'firstAt').p99, ratioAtMost(FIRST_POST_RATIO_MAX));
  add(`${platform}.load.done.p50`, `${p} whole answer p50`, 'ms', (name) => timing(name, 'sentAt', 'doneAt').p50);
  add(`${platform}.load.event_to_model.p50`, `  of which event -> model call p50`, 'ms', (name) => (name === 'floor' ? undefined : timing(name, 'sentAt', 'modelAt').p50));
  add(`${platform}.load.model_to_post.p50`, `  of which model call -> first post p50`, 'ms', (name) => (name === 'floor' ? undefined : timing(name, 'modelAt', 'firstAt').p50));
  // Discord: every bot shares one global limit of 50 requests a second, so throughput meets that cap.
  add(`${platform}.load.throughput`, `${p} throughput`, 'msg/s', (name) => load(name)?.groups[0]?.perSecond, platform === 'slack' ? ratioAtLeast(THROUGHPUT_RATIO_MIN) : undefined);
  add(`${platform}.load.cpu_per_message`, `${p} bot CPU per answered message`, 'µs', (name) => load(name)?.botCpuUsPerMessage, ratioAtMost(CPU_RATIO_MAX));
  add(`${platform}.load.loop_delay.p99`, `${p} event-loop delay p99`, 'ms', (name) => load(name)?.loopDelay.p99);
  add(`${platform}.load.heap_peak`, `${p} heap peak (sampled)`, 'MB', (name) => mb(load(name)?.heapPeakBytes));
  add(`${platform}.load.calls_per_answer`, `${p} API calls per answer`, 'n', (name) => load(name)?.groups[0]?.callsPerAnswer);
  add(`${platform}.load.answered`, `${p} answered`, 'n', (name) => load(name)?.answered, undefined, false);
}

/** Closed loops: one (or 20) conversations, each waiting for its answer and pausing before the next. */
function lightLoadFigures(results: Results, platform: Platform, add: Add): void {
  for (const level of ['c1', 'c20'] as const) {
    const n = level === 'c1' ? 1 : 20;
    const samples = (name: RigName): Sample[] => results.latency[name]?.[platform][level] ?? [];
    const firstPost = (name: RigName): Summary => summarize(spans(samples(name), 'sentAt', 'firstAt'));
    add(`${platform}.c${n}.first_post.p50`, `${platform} @${n} paced first post p50`, 'ms', (name) => firstPost(name).p50);
    add(`${platform}.c${n}.first_post.p99`, `${platform} @${n} paced first post p99`, 'ms', (name) => firstPost(name).p99);
    add(`${platform}.c${n}.samples`, `${platform} @${n} paced samples`, 'n', (name) => firstPost(name).n, undefined, false);
    if (platform === 'slack') add(`slack.c${n}.ack.p99`, `slack @${n} envelope ack p99`, 'ms', (name) => summarize(spans(samples(name), 'sentAt', 'ackAt')).p99);
  }
}

function restFigures(results: Results, add: Add): void {
  add('idle.cpu_per_hour', 'idle CPU, both connected, none polled', 'CPU-s/h', (name) => results.idleCpu[name]?.mean, ratioAtMost(1));
  add('idle.cpu_per_hour_steady', '  same, steady (median window)', 'CPU-s/h', (name) => results.idleCpu[name]?.steady);
  add('idle.cpu_per_hour_polled', '  bridge with /ping every 2 s (as AgentCore)', 'CPU-s/h', (name) => (name === 'bridge' ? results.idleCpuPolled?.mean : undefined));
  const memory = (name: RigName, which: 'rest' | 'loaded' | 'after', key: keyof MemoryReading): number | undefined => mb(results.memory[name]?.[which]?.[key]);
  add('memory.rss.rest', "RSS at rest (after warm-up, GC'd)", 'MB', (name) => memory(name, 'rest', 'rssBytes'), atMost(RSS_REST_MAX_MB, 'MB'));
  add('memory.heap.rest', "heap at rest (GC'd)", 'MB', (name) => memory(name, 'rest', 'heapUsedBytes'));
  add('memory.rss.peak_loaded', 'RSS peak after the load runs (VmHWM)', 'MB', (name) => memory(name, 'loaded', 'peakRssBytes'));
  add('memory.heap.loaded', "heap after the load runs (GC'd)", 'MB', (name) => memory(name, 'loaded', 'heapUsedBytes'));
  add('memory.messages', 'messages in the long mixed run', 'n', (name) => results.memory[name]?.messages, undefined, false);
  add('memory.rss.peak', "RSS peak, whole bench (VmHWM)", 'MB', (name) => memory(name, results.memory[name]?.after === undefined ? 'loaded' : 'after', 'peakRssBytes'), atMost(RSS_PEAK_MAX_MB, 'MB'));
  const growth = (name: RigName, key: keyof MemoryReading): number | undefined => {
    const record = results.memory[name];
    if (record?.loaded === undefined || record.after === undefined || record.messages <= 0) return undefined;
    return ((record.after[key] - record.loaded[key]) / MB / record.messages) * 1000;
  };
  const growthTarget = atMost(GROWTH_MB_PER_1000, 'MB per 1k');
  add('memory.heap.growth_per_1000', "heap growth per 1k messages (GC'd)", 'MB', (name) => growth(name, 'heapUsedBytes'), growthTarget, false);
  add('memory.rss.growth_per_1000', 'RSS growth per 1k messages', 'MB', (name) => growth(name, 'rssBytes'), growthTarget, false);
}

function startupFigures(results: Results, add: Add): void {
  const startup = (name: RigName, pick: (s: StartupSample) => number | undefined): Summary => summarize((results.startup[name] ?? []).flatMap((s) => pick(s) ?? []));
  const fake = (s: StartupSample): number => s.fakeReadyMs;
  add('startup.fake.p50', 'start-up p50 (fakes see both connected)', 'ms', (name) => startup(name, fake).p50);
  add('startup.fake.max', 'start-up max (fakes see both connected)', 'ms', (name) => startup(name, fake).max);
  const bare = summarize(results.startupWithoutTokens);
  add('startup.no_tokens.ping.max', 'start-up max, no tokens (spawn -> /ping)', 'ms', (name) => only(name, bare.max), atMost(STARTUP_PING_MAX_MS, 'ms'));
  add('startup.ping.p50', 'start-up p50 (spawn -> /ping)', 'ms', (name) => only(name, startup(name, (s) => s.pingReadyMs).p50));
  add('startup.ping.max', 'start-up max (spawn -> /ping)', 'ms', (name) => only(name, startup(name, (s) => s.pingReadyMs).max), atMost(STARTUP_PING_MAX_MS, 'ms'));
  add('startup.status.p50', 'start-up p50 (spawn -> /ping HealthyBusy)', 'ms', (name) => only(name, startup(name, (s) => s.statusReadyMs).p50));
  add('startup.status.max', 'start-up max (spawn -> /ping HealthyBusy)', 'ms', (name) => only(name, startup(name, (s) => s.statusReadyMs).max), atMost(STARTUP_HEALTHY_BUSY_MAX_MS, 'ms'));
}

function only(name: RigName, value: number): number | undefined {
  return name === 'bridge' ? value : undefined;
}

function mb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / MB;
}

function nullable(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : round(value);
}

export function table(list: readonly Figure[]): string {
  const header = ['figure', 'unit', 'bridge', 'baseline', 'ratio', 'floor', 'target', 'result'];
  const rows = list.map((f) => [
    f.label,
    f.unit,
    show(f.bridge),
    show(f.baseline),
    f.ratio === null ? '' : `${show(f.ratio)}x`,
    show(f.floor),
    f.target ?? '',
    f.pass === null ? '' : f.pass ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 || i >= 6 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function show(value: number | null): string {
  return value === null || Number.isNaN(value) ? '' : String(value);
}

export function jsonLine(results: Results, list: readonly Figure[], runSeconds: number): string {
  const targets = list.filter((f) => f.pass !== null);
  return `BENCH_JSON ${JSON.stringify({
    ok: results.errors.length === 0 && targets.every((f) => f.pass === true),
    run_seconds: round(runSeconds),
    passed: targets.filter((f) => f.pass === true).length,
    failed: targets.filter((f) => f.pass !== true).map((f) => f.id),
    config: results.config,
    errors: results.errors,
    figures: list,
  })}`;
}
