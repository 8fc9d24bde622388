// Turns the measurements into figures with targets: a table for people, one BENCH_JSON line for tools.
import type { LoadResult, MemoryReading } from './measure-load.js';
import { spans } from './measure-latency.js';
import type { ReconnectSample, StartupSample } from './measure-lifecycle.js';
import { ratio, round, summarize, type Summary } from './stats.js';
import type { Platform, Sample } from './tracker.js';

export type RigName = 'bridge' | 'baseline' | 'bridgeInfo';
export const platforms: readonly Platform[] = ['slack', 'discord'];

export interface LatencyRecord {
  c1: Sample[];
  c20: Sample[];
  failures: number;
  c20Messages: number;
  c20ElapsedMs: number;
}

export interface LoadRecord {
  warm?: MemoryReading;
  /** After the single-platform throughput runs, `midMessages` into the window. */
  mid?: MemoryReading;
  after?: MemoryReading;
  /** Messages answered between the warm-up and the last memory reading. */
  measuredMessages: number;
  midMessages?: number;
  /** Single-platform saturation runs (part of the measured messages). */
  throughput: Partial<Record<Platform, LoadResult>>;
}

export interface Results {
  readonly config: Record<string, unknown>;
  latency: Partial<Record<RigName, Record<Platform, LatencyRecord>>>;
  load: Partial<Record<RigName, LoadRecord>>;
  startup: Record<'bridge' | 'baseline', StartupSample[]>;
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
  readonly bridgeInfo: number | null;
  readonly target: string | null;
  readonly pass: boolean | null;
}

type Pick = (name: RigName) => number | undefined;

const MB = 1024 * 1024;
const OVERHEAD_P99_MS = 5;
const OVERHEAD_RATIO = 1.2;
const THROUGHPUT_MIN = 500;
const GROWTH_MB_PER_1000 = 1;
/** Issue 16/17: start of node -> /ping answering, and -> HealthyBusy with both platforms connected. */
export const STARTUP_PING_MAX_MS = 1000;
export const STARTUP_HEALTHY_BUSY_MAX_MS = 1500;
const RECONNECT_MAX_MS = 2000;

export function figures(results: Results): Figure[] {
  const out: Figure[] = [];
  const add = (id: string, label: string, unit: string, pick: Pick, target?: { text: string; pass: (bridge: number, r: number) => boolean }, withRatio = true): void => {
    const bridge = pick('bridge') ?? Number.NaN;
    const baseline = pick('baseline');
    const r = baseline === undefined || !withRatio ? Number.NaN : ratio(bridge, baseline);
    out.push({
      id,
      label,
      unit,
      bridge: round(bridge),
      baseline: baseline === undefined ? null : round(baseline),
      ratio: Number.isNaN(r) ? null : round(r),
      bridgeInfo: nullable(pick('bridgeInfo')),
      target: target?.text ?? null,
      pass: target === undefined ? null : Number.isFinite(bridge) && target.pass(bridge, r),
    });
  };
  for (const platform of platforms) {
    for (const level of ['c1', 'c20'] as const) {
      const n = level === 'c1' ? 1 : 20;
      const overhead = (name: RigName): Summary => summarize(spans(results.latency[name]?.[platform][level] ?? [], 'sentAt', 'firstAt'));
      add(`${platform}.overhead.c${n}.p50`, `${platform} overhead @${n} p50`, 'ms', (name) => overhead(name).p50);
      add(`${platform}.overhead.c${n}.p99`, `${platform} overhead @${n} p99`, 'ms', (name) => overhead(name).p99, {
        text: `<= ${OVERHEAD_P99_MS} ms and <= ${OVERHEAD_RATIO}x`,
        pass: (bridge, r) => bridge <= OVERHEAD_P99_MS && r <= OVERHEAD_RATIO,
      });
      add(`${platform}.overhead.c${n}.max`, `${platform} overhead @${n} max`, 'ms', (name) => overhead(name).max);
      add(`${platform}.overhead.c${n}.samples`, `${platform} samples @${n}`, 'n', (name) => overhead(name).n, undefined, false);
      if (platform === 'slack') {
        add(`slack.ack.c${n}.p99`, `slack envelope ack @${n} p99`, 'ms', (name) => summarize(spans(results.latency[name]?.slack[level] ?? [], 'sentAt', 'ackAt')).p99);
      }
      const model = (name: RigName, from: keyof Sample, to: keyof Sample): number | undefined =>
        name === 'baseline' ? undefined : summarize(spans(results.latency[name]?.[platform][level] ?? [], from, to)).p50;
      add(`${platform}.c${n}.event_to_model.p50`, `  of which event -> model call p50`, 'ms', (name) => model(name, 'sentAt', 'modelAt'));
      add(`${platform}.c${n}.model_to_reply.p50`, `  of which model call -> reply p50`, 'ms', (name) => model(name, 'modelAt', 'firstAt'));
    }
    const c20Rate = (name: RigName): number | undefined => {
      const record = results.latency[name]?.[platform];
      return record === undefined ? undefined : (record.c20Messages / record.c20ElapsedMs) * 1000;
    };
    add(`${platform}.c20.rate`, `${platform} offered rate @20`, 'msg/s', c20Rate, undefined, false);
  }
  for (const platform of platforms) {
    const load = (name: RigName): LoadResult | undefined => results.load[name]?.throughput[platform];
    const label = platform === 'slack' ? 'slack throughput (saturated)' : 'discord throughput (50 req/s cap)';
    add(`${platform}.throughput`, label, 'msg/s', (name) => load(name)?.groups[0]?.perSecond, {
      text: `>= ${THROUGHPUT_MIN} msg/s`,
      pass: (bridge) => bridge >= THROUGHPUT_MIN,
    });
    add(`${platform}.calls_per_answer`, `${platform} API calls per answer`, 'n', (name) => load(name)?.groups[0]?.callsPerAnswer);
    add(`${platform}.cpu_per_message`, `${platform} bot CPU per message`, 'ms', (name) => load(name)?.botCpuMsPerMessage);
    add(`${platform}.fakes_cpu_per_message`, `${platform} fakes' CPU per message`, 'ms', (name) => load(name)?.driverCpuMsPerMessage, undefined, false);
  }
  const memory = (name: RigName, which: 'warm' | 'after', key: keyof MemoryReading): number | undefined => {
    const reading = results.load[name]?.[which];
    return reading === undefined ? undefined : reading[key] / MB;
  };
  const growth = (name: RigName, key: keyof MemoryReading, lastPart = false): number | undefined => {
    const record = results.load[name];
    const from = lastPart ? record?.mid : record?.warm;
    const messages = (record?.measuredMessages ?? 0) - (lastPart ? (record?.midMessages ?? 0) : 0);
    if (from === undefined || record?.after === undefined || messages <= 0) return undefined;
    return ((record.after[key] - from[key]) / MB / messages) * 1000;
  };
  const growthTarget = { text: `<= ${GROWTH_MB_PER_1000} MB per 1k`, pass: (bridge: number) => bridge <= GROWTH_MB_PER_1000 };
  add('memory.messages', 'messages between memory readings', 'n', (rig) => (rig === 'bridgeInfo' ? undefined : results.load[rig]?.measuredMessages), undefined, false);
  for (const key of ['heapUsedBytes', 'rssBytes'] as const) {
    const name = key === 'rssBytes' ? 'rss' : 'heap';
    add(`memory.${name}.warm`, `${name} after warm-up (GC'd)`, 'MB', (rig) => memory(rig, 'warm', key));
    add(`memory.${name}.after`, `${name} after those messages`, 'MB', (rig) => memory(rig, 'after', key));
    add(`memory.${name}.growth_per_1000`, `${name} growth per 1k messages`, 'MB', (rig) => growth(rig, key), growthTarget, false);
    add(`memory.${name}.growth_per_1000_last_part`, `  same, mixed part only`, 'MB', (rig) => growth(rig, key, true), undefined, false);
  }
  const startup = (name: RigName, pick: (s: StartupSample) => number | undefined): Summary =>
    summarize((results.startup[name === 'baseline' ? 'baseline' : 'bridge'] ?? []).flatMap((s) => pick(s) ?? []));
  const only = (name: RigName, value: number): number | undefined => (name === 'bridge' ? value : undefined);
  const fake = (s: StartupSample): number => s.fakeReadyMs;
  add('startup.fake.p50', 'start-up p50 (fakes see both connected)', 'ms', (name) => (name === 'bridgeInfo' ? undefined : startup(name, fake).p50));
  add('startup.fake.max', 'start-up max (fakes see both connected)', 'ms', (name) => (name === 'bridgeInfo' ? undefined : startup(name, fake).max));
  const pingTarget = { text: `<= ${STARTUP_PING_MAX_MS} ms`, pass: (bridge: number) => bridge <= STARTUP_PING_MAX_MS };
  const bare = summarize(results.startupWithoutTokens);
  add('startup.no_tokens.ping.p50', 'start-up p50, no tokens (spawn -> /ping)', 'ms', (name) => only(name, bare.p50));
  add('startup.no_tokens.ping.max', 'start-up max, no tokens (spawn -> /ping)', 'ms', (name) => only(name, bare.max), pingTarget);
  add('startup.ping.p50', 'start-up p50 (spawn -> /ping)', 'ms', (name) => only(name, startup(name, (s) => s.pingReadyMs).p50));
  add('startup.ping.max', 'start-up max (spawn -> /ping)', 'ms', (name) => only(name, startup(name, (s) => s.pingReadyMs).max), pingTarget);
  add('startup.status.p50', 'start-up p50 (spawn -> /ping HealthyBusy)', 'ms', (name) => only(name, startup(name, (s) => s.statusReadyMs).p50));
  add('startup.status.max', 'start-up max (spawn -> /ping HealthyBusy)', 'ms', (name) => only(name, startup(name, (s) => s.statusReadyMs).max), {
    text: `<= ${STARTUP_HEALTHY_BUSY_MAX_MS} ms`,
    pass: (bridge) => bridge <= STARTUP_HEALTHY_BUSY_MAX_MS,
  });
  for (const platform of platforms) {
    const reconnect = (name: RigName, status: boolean): Summary =>
      summarize((name === 'bridgeInfo' ? [] : (results.reconnect[name]?.[platform] ?? [])).flatMap((s) => (status ? (s.statusMs === undefined ? [] : [s.statusMs]) : [s.fakeMs])));
    add(`${platform}.reconnect.fake.p50`, `${platform} reconnect p50 (fake)`, 'ms', (name) => (name === 'bridgeInfo' ? undefined : reconnect(name, false).p50));
    add(`${platform}.reconnect.fake.max`, `${platform} reconnect max (fake)`, 'ms', (name) => (name === 'bridgeInfo' ? undefined : reconnect(name, false).max));
    add(`${platform}.reconnect.status.max`, `${platform} reconnect max (bot state)`, 'ms', (name) => only(name, reconnect(name, true).max), {
      text: `<= ${RECONNECT_MAX_MS} ms`,
      pass: (bridge) => bridge <= RECONNECT_MAX_MS,
    });
  }
  return out.filter((figure) => !(figure.baseline === null && figure.bridgeInfo === null && Number.isNaN(figure.bridge) && figure.target === null));
}

function nullable(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : round(value);
}

export function table(list: readonly Figure[]): string {
  const header = ['figure', 'unit', 'bridge', 'baseline', 'ratio', 'bridge@info', 'target', 'result'];
  const rows = list.map((f) => [
    f.label,
    f.unit,
    show(f.bridge),
    show(f.baseline),
    f.ratio === null ? '' : `${show(f.ratio)}x`,
    show(f.bridgeInfo),
    f.target ?? '',
    f.pass === null ? '' : f.pass ? 'PASS' : 'FAIL',
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
