// Saturation: groups of conversations (one platform each) with a fixed window of messages in flight
// per group (at most one per conversation), refilled as answers complete, until a shared message
// budget is spent. Gives messages answered per second, the bot's CPU and the platform calls per
// answer; readMemory gives heap (after a forced GC) and RSS around it.
import type { BotProcess } from './bot-process.js';
import type { Conversation, Rig } from './rig.js';
import type { Platform } from './tracker.js';

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
  /** CPU time of the bot process per answered message (ms, /proc, 10 ms ticks). */
  readonly botCpuMsPerMessage: number;
  /** CPU time of this process (the fakes and the bench) per answered message (ms). */
  readonly driverCpuMsPerMessage: number;
  readonly groups: GroupResult[];
}

export interface MemoryReading {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

/** Sends until `total` messages went out or, when given, performance.now() passed `stopSendingAt`. */
export async function saturate(rig: Rig, groups: readonly LoadGroup[], total: number, stopSendingAt = Number.POSITIVE_INFINITY): Promise<LoadResult> {
  const bot = requireBot(rig);
  const state = groups.map((group) => ({ group, idle: [...group.conversations], inFlight: 0, answered: 0, failed: 0, callsBefore: rig.callCount(group.platform) }));
  let sent = 0;
  let settled = 0;
  const cpuBefore = await bot.cpuMs();
  const driverBefore = process.cpuUsage();
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
            () => {
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
  const cpuMs = (await bot.cpuMs()) - cpuBefore;
  const driver = process.cpuUsage(driverBefore);
  const answered = state.reduce((sum, each) => sum + each.answered, 0);
  return {
    answered,
    elapsedMs,
    botCpuMsPerMessage: cpuMs / Math.max(1, answered),
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

/** Heap after a forced full GC (through the inspector), then RSS from /proc. */
export async function readMemory(bot: BotProcess): Promise<MemoryReading> {
  const heap = await bot.heap();
  return { heapUsedBytes: heap.heapUsed, rssBytes: await bot.rssBytes() };
}

export function requireBot(rig: Rig): BotProcess {
  if (rig.bot === undefined) throw new Error(`${rig.name}: no bot running`);
  return rig.bot;
}
