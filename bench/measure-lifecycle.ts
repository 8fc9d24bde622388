// Start-up and reconnect. Both are read on the fakes' side (the moment the fake sends Slack's
// `hello` on a new socket, or Discord's READY / RESUMED), the same way for the bridge and the
// baseline; for the bridge its own view (/ping, keepalive platform states) is read as well. Every
// start-up time runs from just before spawn(), so node's own boot and module loading count.
import type { Launch, LaunchOptions, Rig } from './rig.js';
import { sleep } from './stats.js';
import type { Platform } from './tracker.js';

export interface StartupSample {
  readonly fakeReadyMs: number;
  /** Bridge only: spawn -> /ping HealthyBusy with both platforms connected. */
  readonly statusReadyMs?: number;
  /** Bridge only: spawn -> the first /ping answer. */
  readonly pingReadyMs?: number;
}

/** Starts the rig's bot, measures, and stops it again unless `keep` (then the bot stays running). */
export async function startupOnce(rig: Rig, entry: string, keep: boolean, options: LaunchOptions = {}): Promise<StartupSample> {
  const launch: Launch = await rig.launch(entry, options);
  if (!keep) await rig.stopBot();
  const { fakeReadyMs, statusReadyMs, pingReadyMs } = launch;
  return { fakeReadyMs, ...(statusReadyMs === undefined ? {} : { statusReadyMs }), ...(pingReadyMs === undefined ? {} : { pingReadyMs }) };
}

/** Bridge only: spawn with no chat tokens -> the first /ping answer (ms); the bot is stopped again. */
export async function startupWithoutTokens(rig: Rig, entry: string, options: LaunchOptions = {}): Promise<number> {
  const { pingReadyMs } = await rig.launchWithoutTokens(entry, options);
  await rig.stopBot();
  return pingReadyMs;
}

export interface ReconnectSample {
  /** Drop -> the fake completed the handshake on a new socket. */
  readonly fakeMs: number;
  /** Bridge only: drop -> the keepalive action reports the platform `connected` again. */
  readonly statusMs?: number;
}

async function reconnectOnce(rig: Rig, platform: Platform, timeoutMs = 15_000): Promise<ReconnectSample> {
  if (!rig.running) throw new Error(`${rig.name}: the bot is not running`);
  const droppedAt = performance.now();
  let reconnected: Promise<unknown>;
  if (platform === 'slack') {
    rig.slack.dropConnections();
    reconnected = rig.slack.waitForConnections(1, timeoutMs);
  } else {
    const { counts } = rig.discord;
    const before = counts.resumes + counts.readies;
    rig.discord.dropAll();
    reconnected = rig.discord.waitUntil(() => counts.resumes + counts.readies > before, 'RESUMED or READY', timeoutMs);
  }
  await reconnected;
  const fakeMs = performance.now() - droppedAt;
  if (rig.kind !== 'bridge') return { fakeMs };
  await rig.waitForPlatformConnected(platform, timeoutMs);
  return { fakeMs, statusMs: performance.now() - droppedAt };
}

export interface ReconnectResults {
  readonly byRig: Map<Rig, Record<Platform, ReconnectSample[]>>;
  readonly failures: number;
}

/**
 * Drops Slack and Discord of every rig at once per round (each rig `offsetMs` after the previous,
 * so two processes never handshake in the same instant), then waits for all to be back.
 */
export async function reconnectRounds(rigs: readonly Rig[], rounds: number, offsetMs: number): Promise<ReconnectResults> {
  const byRig = new Map<Rig, Record<Platform, ReconnectSample[]>>(rigs.map((rig) => [rig, { slack: [], discord: [] }]));
  let failures = 0;
  for (let round = 0; round < rounds; round += 1) {
    await Promise.all(
      rigs.map(async (rig, index) => {
        await sleep(index * offsetMs);
        const record = byRig.get(rig) as Record<Platform, ReconnectSample[]>;
        await Promise.all(
          (['slack', 'discord'] as const).map((platform) =>
            reconnectOnce(rig, platform).then(
              (sample) => void record[platform].push(sample),
              () => void (failures += 1),
            ),
          ),
        );
      }),
    );
    // Let the new sockets settle (first pings, Discord's first heartbeat) before the next drop.
    await sleep(150);
  }
  return { byRig, failures };
}
