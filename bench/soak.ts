// `npm run soak [-- --minutes N] [--quick] [--rate R] [--budget-mb N] [--rss-ceiling-mb N] [--json FILE]
//   [--heap-snapshots DIR]`:
// does the bot's memory stay inside its declared budget under long, image-heavy traffic?
//
// Method. The fakes (Slack, Discord, Bedrock) run in this process on 127.0.0.1; the bot (the `npm start` bundle,
// LOG_LEVEL=warn, production defaults but HISTORY_MAX_TOTAL_MB) runs as a child with the inspector
// on. Traffic is open-loop at --rate messages a second (at most MAX_IN_FLIGHT unanswered): a share
// start new conversations (Slack DMs, Slack threads, Discord DMs, Discord threads in turn), the rest
// revisit an idle one; about half carry a distinct image of 0.2-1 MB uploaded to the fake (deleted
// from it once answered). The model answers after ~0.3 s. Every DROP_EVERY_S one platform's sockets
// are dropped without a close frame (Slack and Discord in turn) and the run waits for the bot to be
// back. Every few seconds: RSS (/proc), heap, event-loop delay and history held (the status action);
// now and then heap after a forced full GC (inspector; that GC's pause shows in the loop figures).
// --heap-snapshots writes the bot's heap at the start and the end (open them in Chrome DevTools,
// Memory tab, and compare) to find what grows.
// Exit 1 when an answer was lost (not complete within ANSWER_TIMEOUT_MS), history held more than its
// budget, RSS passed its ceiling, a reconnect failed or the bot died.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { startFakeBedrock } from '../test/fakes/bedrock/index.js';
import { startFakeDiscord } from '../test/fakes/discord/index.js';
import { startFakeSlack } from '../test/fakes/slack/index.js';
import { buildBots, startBotProcess, type BotProcess, type Builds } from './bot-process.js';
import { readStatus, summarizeSamples, tableHeader, tableRow, takeSample, type Sample } from './soak-sampler.js';
import { SoakTraffic } from './soak-traffic.js';
import { round, sleep } from './stats.js';
import { ANSWER_CHUNKS, Tracker } from './tracker.js';

/**
 * rssAllowanceMb: RSS allowed above the history budget. The process itself is about 150 MB with
 * both clients; turns in flight hold their image, their conversation's files and base64 copies
 * while a request is encoded; discord.js keeps each channel's recent messages for 30 minutes (its
 * sweeper's lifetime), about 60 MB at this traffic once full; the rest is allocator slack. Quick
 * runs end before discord.js's cache fills, so their allowance is tighter: a history budget that
 * does not hold passes it within the two minutes (measured: 362 MB after 90 s with no budget).
 */
const QUICK = { minutes: 2, budgetMb: 96, rssAllowanceMb: 256, sampleEveryS: 5, gcEveryS: 30, dropEveryS: 20, printEvery: 1 };
const FULL = { minutes: 30, budgetMb: 512, rssAllowanceMb: 384, sampleEveryS: 5, gcEveryS: 60, dropEveryS: 45, printEvery: 3 };
const DEFAULT_RATE = 8;
const MAX_IN_FLIGHT = 64;
const ANSWER_TIMEOUT_MS = 90_000;
const RECONNECT_TIMEOUT_MS = 30_000;

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const base = args.includes('--quick') ? QUICK : FULL;
const minutes = Number(option('--minutes') ?? base.minutes);
const budgetMb = Number(option('--budget-mb') ?? base.budgetMb);
const rate = Number(option('--rate') ?? DEFAULT_RATE);
const rssCeilingMb = Number(option('--rss-ceiling-mb') ?? budgetMb + base.rssAllowanceMb);
const jsonPath = option('--json');
const snapshotDir = option('--heap-snapshots');
if (![minutes, budgetMb, rate, rssCeilingMb].every((n) => Number.isFinite(n) && n > 0)) throw new Error('soak: --minutes, --budget-mb, --rate and --rss-ceiling-mb take positive numbers');

const started = performance.now();
const elapsedS = (): number => (performance.now() - started) / 1000;
const say = (line: string): void => void process.stderr.write(`[soak ${elapsedS().toFixed(0)}s] ${line}\n`);
const failures: string[] = [];
const drops = { slack: 0, discord: 0, reconnectMaxMs: 0 };

const tracker = new Tracker('100000000000000001');
const slack = await startFakeSlack({ observer: tracker.slackObserver, waitTimeoutMs: RECONNECT_TIMEOUT_MS });
const discord = await startFakeDiscord({ observer: tracker.discordObserver, botUser: { id: '100000000000000001', username: 'soak-bot' } });
const bedrock = await startFakeBedrock({ latency: { firstChunkMs: 250, perChunkMs: 25 }, respond: () => ({ chunks: ANSWER_CHUNKS }) });
let builds: Builds | undefined;
let bot: BotProcess | undefined;
let botExited = false;

async function closeAll(): Promise<void> {
  await bot?.stop().catch(() => undefined);
  await Promise.allSettled([slack.close(), discord.close(), bedrock.close()]);
  builds?.cleanup();
}

/** Ends the run at once: the bot is killed and the temporary build removed, whatever was going on. */
function abort(reason: string): never {
  say(`${reason}: killing the bot`);
  if (bot !== undefined && !botExited) process.kill(bot.pid, 'SIGKILL');
  builds?.cleanup();
  process.exit(1);
}
setTimeout(() => abort('deadline passed'), (minutes * 60 + 300) * 1000).unref();
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));

/** v8.writeHeapSnapshot inside the bot (the inspector's command-line API has `require`). */
async function heapSnapshot(target: BotProcess, name: string): Promise<void> {
  if (snapshotDir === undefined) return;
  const path = `${snapshotDir}/${name}.heapsnapshot`;
  const expression = `require('node:v8').writeHeapSnapshot(${JSON.stringify(path)})`;
  const result = (await (await target.inspector()).send('Runtime.evaluate', { expression, includeCommandLineAPI: true, returnByValue: true }, 120_000)) as { result?: { value?: unknown } };
  say(`heap snapshot: ${String(result.result?.value)}`);
}

async function waitUntilConnected(target: BotProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const body = (await fetch(`http://127.0.0.1:${target.port}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"keepalive"}' })
      .then((r) => r.json())
      .catch(() => undefined)) as { platforms?: { slack?: string; discord?: string } } | undefined;
    if (body?.platforms?.slack === 'connected' && body.platforms.discord === 'connected') return;
    await sleep(50);
  }
  throw new Error('the bot did not connect both platforms');
}

/** Drops one platform's sockets and waits for the fake to see the bot back. */
async function dropAndRecover(platform: 'slack' | 'discord'): Promise<void> {
  const at = performance.now();
  if (platform === 'slack') {
    slack.dropConnections();
    await slack.waitForConnections(1, RECONNECT_TIMEOUT_MS);
  } else {
    const before = discord.counts.resumes + discord.counts.readies;
    discord.dropAll();
    await discord.waitUntil(() => discord.counts.resumes + discord.counts.readies > before, 'RESUMED or READY', RECONNECT_TIMEOUT_MS);
  }
  drops[platform] += 1;
  drops.reconnectMaxMs = Math.max(drops.reconnectMaxMs, performance.now() - at);
}

async function run(traffic: SoakTraffic, target: BotProcess): Promise<Sample[]> {
  const samples: Sample[] = [];
  const endAt = performance.now() + minutes * 60_000;
  const sender = setInterval(() => traffic.tick(), 1000 / rate);
  let dropping: Promise<void> = Promise.resolve();
  let nextDrop = base.dropEveryS;
  let nextGc = 0;
  let lastAnswered = 0;
  let lastAt = elapsedS();
  let lastCpuMs = (await target.cpuUs()) / 1000;
  process.stdout.write(`${tableHeader()}\n`);
  try {
    while (performance.now() < endAt && !botExited) {
      await sleep(base.sampleEveryS * 1000);
      const now = elapsedS();
      if (now >= nextDrop) {
        const platform = (drops.slack + drops.discord) % 2 === 0 ? 'slack' : 'discord';
        nextDrop = now + base.dropEveryS;
        dropping = dropping.then(() => dropAndRecover(platform)).catch((error: unknown) => void failures.push(`${platform} reconnect: ${String(error)}`));
      }
      const forceGc = now >= nextGc;
      if (forceGc) nextGc = now + base.gcEveryS;
      const cpuMs = (await target.cpuUs()) / 1000;
      const answersPerS = (traffic.counts.answered - lastAnswered) / (now - lastAt);
      const botCpuPct = ((cpuMs - lastCpuMs) / ((now - lastAt) * 1000)) * 100;
      [lastAnswered, lastAt, lastCpuMs] = [traffic.counts.answered, now, cpuMs];
      const sample = await takeSample(target, { atS: now, answersPerS, lost: traffic.counts.lost, forceGc, botCpuPct });
      samples.push(sample);
      bedrock.requests.splice(0); // the fake records every body (images in base64): keep the driver small
      if (samples.length % base.printEvery === 0 || forceGc) process.stdout.write(`${tableRow(sample)}\n`);
      if (sample.heldMb > budgetMb) failures.push(`history held ${sample.heldMb.toFixed(1)} MB at ${now.toFixed(0)} s, over its ${budgetMb} MB budget`);
    }
  } finally {
    clearInterval(sender);
  }
  say(`sending stopped; waiting for ${traffic.inFlight} answers`);
  await Promise.all([traffic.drain(), dropping]);
  samples.push(await takeSample(target, { atS: elapsedS(), answersPerS: 0, lost: traffic.counts.lost, forceGc: true, botCpuPct: 0 }));
  process.stdout.write(`${tableRow(samples.at(-1) as Sample)}\n`);
  return samples;
}

function report(traffic: SoakTraffic, samples: readonly Sample[], exitCode: number | null): void {
  const summary = summarizeSamples(samples);
  const { counts } = traffic;
  if (counts.lost > 0) failures.push(`${counts.lost} answers lost (e.g. ${counts.lostTags.slice(0, 5).join(', ')})`);
  if (summary.maxRssMb > rssCeilingMb) failures.push(`RSS reached ${summary.maxRssMb} MB, over the ${rssCeilingMb} MB ceiling`);
  if (botExited) failures.push(`the bot exited during the run (code ${String(exitCode)})`);
  const result = {
    minutes, rate, budgetMb, rssCeilingMb, loadavg: loadavg().map((l) => round(l)),
    sent: counts.sent, answered: counts.answered, lost: counts.lost, throttledTicks: counts.throttled,
    images: counts.images, imageMb: round(counts.imageBytes / 1024 / 1024), conversations: counts.conversations,
    drops: { slack: drops.slack, discord: drops.discord, reconnectMaxMs: Math.round(drops.reconnectMaxMs) },
    last: samples.at(-1), ...summary, driverRssMb: round(process.memoryUsage().rss / 1024 / 1024), failures,
  };
  const conversations = Object.values(counts.conversations).reduce((a, b) => a + b, 0);
  process.stdout.write(
    [
      '',
      `${minutes} min at ${rate} msg/s: ${counts.sent} messages (${counts.answered} answered, ${counts.lost} lost), ${conversations} conversations ${JSON.stringify(counts.conversations)},`,
      `  ${counts.images} images (${result.imageMb} MB), ${drops.slack} Slack + ${drops.discord} Discord socket drops (slowest back in ${result.drops.reconnectMaxMs} ms)`,
      `history held: max ${summary.maxHeldMb} MB of its ${budgetMb} MB budget; files dropped ${samples.at(-1)?.filesDropped ?? 0}, conversations evicted ${samples.at(-1)?.evicted ?? 0}`,
      `RSS: max ${summary.maxRssMb} MB (ceiling ${rssCeilingMb} MB${rssCeilingMb === budgetMb + base.rssAllowanceMb ? ` = budget + ${base.rssAllowanceMb}` : ''}); last fifth of the run ${summary.lastFifthRssMb.min}-${summary.lastFifthRssMb.max} MB`,
      `heap: max ${summary.maxHeapMb} MB; after forced GC ${summary.firstHeapAfterGcMb} MB at start, ${summary.lastHeapAfterGcMb} MB at the end, max ${summary.maxHeapAfterGcMb} MB`,
      `event-loop delay (10 s windows): p99 median ${summary.loopP99Ms.median} ms, worst ${summary.loopP99Ms.max} ms; max ${summary.loopMaxMs} ms`,
      failures.length === 0 ? 'PASS: every answer arrived and the ceiling held' : `FAIL:\n${failures.map((f) => `  ${f}`).join('\n')}`,
      `SOAK_JSON ${JSON.stringify(result)}`,
      '',
    ].join('\n'),
  );
  if (jsonPath !== undefined) void writeFile(jsonPath, `${JSON.stringify({ ...result, samples }, null, 1)}\n`);
}

try {
  say('building the bot');
  builds = await buildBots();
  bot = await startBotProcess('bridge', builds.entries.bridge, {
    SLACK_BOT_TOKEN: slack.tokens.bot,
    SLACK_APP_TOKEN: slack.tokens.app,
    SLACK_API_URL: slack.apiUrl,
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDSOAKSOAKSOAKSOAK',
    AWS_SECRET_ACCESS_KEY: 'soak-secret-access-key',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    HISTORY_MAX_TOTAL_MB: String(budgetMb),
  });
  let exitCode: number | null = null;
  void bot.exited.then((code) => {
    botExited = true;
    exitCode = code;
  });
  await waitUntilConnected(bot, 30_000);
  const budget = (await readStatus(bot)).history?.budget_bytes;
  say(`${builds.note}; bot pid ${bot.pid} connected; history budget ${String(budget)} bytes; ${minutes} min at ${rate} msg/s`);
  await heapSnapshot(bot, 'start');
  const traffic = new SoakTraffic({ slack, discord, tracker, newShare: 0.5, imageShare: 0.5, answerTimeoutMs: ANSWER_TIMEOUT_MS, maxInFlight: MAX_IN_FLIGHT });
  const samples = await run(traffic, bot);
  await heapSnapshot(bot, 'end');
  report(traffic, samples, exitCode);
} catch (error) {
  failures.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.stdout.write(`FAIL: ${failures.join('\n')}\n${bot?.output.slice(-20).join('\n') ?? ''}\n`);
} finally {
  await closeAll();
}
process.exit(failures.length === 0 ? 0 : 1);
