// Load: groups of conversations (one platform each) with a fixed window of messages in flight per
// group (at most one per conversation), refilled as answers complete, until a shared message budget
// is spent. Gives messages answered per second, each answer's timings, the bot's own CPU time
// (process.cpuUsage() inside it) and event-loop delay, its heap sampled along the way, and the
// platform calls per answer; readMemory gives heap (after a forced GC) and RSS around it.
import type { BotProcess } from './bot-process.js';
import type { LoopDelay } from './inspector.js';
import type { Conversation, Rig } from './rig.js';
import type { Platform, Sample } from './tracker.js';

export interface LoadGroup {
  readonly platform: Platform;
  readonly conversations: readonly Conversation[];
  readonly window: number;
}

export interface GroupResult {
  readonly platform: Platform;
  readonly answered: number;
  readonly failed: number;
  readonly perSecond: number;
  /** Requests the fake saw per answered message (Slack Web API calls, Discord REST requests). */
  readonly callsPerAnswer: number;
}

export interface LoadResult {
  readonly answered: number;
  readonly elapsedMs: number;
  /** CPU time of the bot process per answered message (µs, process.cpuUsage() in the bot). */
  readonly botCpuUsPerMessage: number;
  /** The bot's event-loop delay during the run (monitorEventLoopDelay, 10 ms resolution). */
  readonly loopDelay: LoopDelay;
  /** Highest heap in use seen by sampling every HEAP_SAMPLE_MS (no forced GC). */
  readonly heapPeakBytes: number;
  /** Every answered message's timings. */
  readonly samples: Sample[];
  /** CPU time of this process (the fakes and the bench) per answered message (ms). */
  readonly driverCpuMsPerMessage: number;
  readonly groups: GroupResult[];
}

export interface MemoryReading {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** Peak RSS of the process so far (VmHWM). */
  readonly peakRssBytes: number;
}

const HEAP_SAMPLE_MS = 500;

/** Sends until `total` messages went out or, when given, performance.now() passed `stopSendingAt`. */
export async function saturate(rig: Rig, groups: readonly LoadGroup[], total: number, stopSendingAt = Number.POSITIVE_INFINITY): Promise<LoadResult> {
  const bot = requireBot(rig);
  const inspector = await bot.inspector();
  const state = groups.map((group) => ({ group, idle: [...group.conversations], inFlight: 0, answered: 0, failed: 0, callsBefore: rig.callCount(group.platform) }));
  const samples: Sample[] = [];
  let sent = 0;
  let settled = 0;
  let heapPeakBytes = 0;
  const sampleHeap = (): Promise<void> =>
    inspector.memoryUsage().then(
      (usage) => void (heapPeakBytes = Math.max(heapPeakBytes, usage.heapUsed)),
      () => undefined,
    );
  await inspector.startLoopDelay();
  const cpuBefore = await bot.cpuUs();
  const driverBefore = process.cpuUsage();
  const heapTimer = setInterval(() => void sampleHeap(), HEAP_SAMPLE_MS);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (performance.now() > stopSendingAt) total = sent;
      for (const each of state) {
        while (sent < total && each.inFlight < each.group.window) {
          const conversation = each.idle.shift();
          if (conversation === undefined) break;
          sent += 1;
          each.inFlight += 1;
          rig.send(conversation, 30_000).then(
            (sample) => {
              samples.push(sample);
              each.answered += 1;
              each.idle.push(conversation);
            },
            () => (each.failed += 1), // dropped: it may still get a late answer
          ).finally(() => {
            each.inFlight -= 1;
            settled += 1;
            pump();
          });
        }
      }
      if (settled === sent && (sent === total || state.every((each) => each.idle.length === 0))) resolve();
    };
    pump();
  });
  const elapsedMs = performance.now() - started;
  clearInterval(heapTimer);
  const cpuUs = (await bot.cpuUs()) - cpuBefore;
  const driver = process.cpuUsage(driverBefore);
  const loopDelay = await inspector.stopLoopDelay();
  await sampleHeap();
  const answered = state.reduce((sum, each) => sum + each.answered, 0);
  return {
    answered,
    elapsedMs,
    botCpuUsPerMessage: cpuUs / Math.max(1, answered),
    loopDelay,
    heapPeakBytes,
    samples,
    driverCpuMsPerMessage: (driver.user + driver.system) / 1000 / Math.max(1, answered),
    groups: state.map((each) => ({
      platform: each.group.platform,
      answered: each.answered,
      failed: each.failed,
      perSecond: (each.answered / elapsedMs) * 1000,
      callsPerAnswer: (rig.callCount(each.group.platform) - each.callsBefore) / Math.max(1, each.answered),
    })),
  };
}

/**
 * Peak RSS (VmHWM), then the heap after a forced full GC (through the inspector) and RSS after it:
 * what a bot at rest comes down to once V8's memory reducer has run, which it does on its own
 * seconds after the work stops.
 */
export async function readMemory(bot: BotProcess): Promise<MemoryReading> {
  const peakRssBytes = await bot.peakRssBytes();
  const heap = await bot.heap();
  return { heapUsedBytes: heap.heapUsed, rssBytes: await bot.rssBytes(), peakRssBytes };
}

export interface IdleCpu {
  /** CPU-seconds an hour over the whole rest, V8's memory-reducer GCs after the work included. */
  readonly mean: number;
  /** The median window's rate: the steady state between those GCs. */
  readonly steady: number;
}

/** The bot's own CPU time over `windows` rests of `ms` each, as CPU-seconds an hour; `during` runs meanwhile. */
export async function idleCpu(bot: BotProcess, ms: number, windows: number, during?: (signal: AbortSignal) => Promise<void>): Promise<IdleCpu> {
  const stop = new AbortController();
  const side = during?.(stop.signal) ?? Promise.resolve();
  const rates: number[] = [];
  const started = performance.now();
  const first = await bot.cpuUs();
  let before = first;
  for (let i = 0; i < windows; i += 1) {
    const from = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const now = await bot.cpuUs();
    rates.push(((now - before) / 1e6) * (3_600_000 / (performance.now() - from)));
    before = now;
  }
  stop.abort();
  await side;
  const sorted = [...rates].sort((a, b) => a - b);
  return { mean: ((before - first) / 1e6) * (3_600_000 / (performance.now() - started)), steady: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN };
}

export function requireBot(rig: Rig): BotProcess {
  if (rig.bot === undefined) throw new Error(`${rig.name}: no bot running`);
  return rig.bot;
}
