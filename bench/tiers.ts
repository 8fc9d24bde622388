// `npm run bench:tiers [-- --minutes N]`: the bot under Slack's real rate limits. The fake Slack
// enforces Slack's tiers with real one-minute windows (tier 2: 20/min for chat.startStream and
// chat.stopStream, tier 3: 50/min for chat.update and reactions.add, tier 4: 100/min for
// chat.appendStream, chat.postMessage about 1/s per channel); 150 mentions a minute across 50
// channels, each starting its own thread, model latency 0 (the fake's 3-delta echo). It reports
// whether every answer arrived whole, lost and doubled answers, the first post's latency (mention
// stored -> the bot's first accepted write into its thread), 429s by method and how many answers
// streamed vs were posted. `--first-chunk-ms N --per-chunk-ms M` gives the model a latency, so
// answers are still being written when first shown and streaming (and its tier) comes into play.
// Exit 1 when an answer was lost, doubled or left incomplete.
import { startFakeBedrock } from '../test/fakes/bedrock/index.js';
import { startFakeSlack, type ApiCall } from '../test/fakes/slack/index.js';
import { slackEnv } from '../test/helpers/env.js';
import { builtBridge } from '../test/helpers/built-bridge.js';
import { startBotProcess } from './bot-process.js';
import { round, sleep, summarize } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const minutes = option('--minutes', 3);
const latency = { firstChunkMs: option('--first-chunk-ms', 0), perChunkMs: option('--per-chunk-ms', 0) };
const perMinute = 150;
const channels = 50;
/** After the last mention, how long answers may still take. */
const drainMs = 90_000;

interface Sent {
  readonly channel: string;
  readonly ts: string;
  readonly text: string;
  readonly at: number;
}

const slack = await startFakeSlack({ ackRetryMs: 0 });
const bedrock = await startFakeBedrock({ latency });
for (let i = 0; i < channels; i += 1) slack.addChannel({ id: `CTIER${i}`, name: `tier-${i}` });
const bot = await startBotProcess('bridge', await builtBridge(), { ...slackEnv(slack, bedrock), LOG_LEVEL: 'warn', MAX_CONCURRENT_TURNS: '64', CATCHUP_WINDOW_SECONDS: '0' }, false);
try {
  await waitUntil(() => slack.connectionCount >= 1, 30_000, 'the bot connected');
  const sent: Sent[] = [];
  const total = Math.round(perMinute * minutes);
  const everyMs = 60_000 / perMinute;
  const startedAt = Date.now();
  process.stderr.write(`sending ${total} mentions over ${minutes} min across ${channels} channels\n`);
  for (let i = 0; i < total; i += 1) {
    const channel = `CTIER${i % channels}`;
    const text = `tier question ${i}`;
    const posted = slack.postUserMessage({ channel, user: 'UALICE', text: `<@UBOT> ${text}` });
    sent.push({ channel, ts: posted.ts, text, at: Date.now() });
    await sleep(Math.max(0, startedAt + (i + 1) * everyMs - Date.now()));
  }
  const whole = (s: Sent) => slack.finishedReplies(s.channel, s.ts).some((m) => m.text === `Echo: ${s.text}`);
  await waitUntil(() => sent.every(whole), drainMs, 'every answer whole').catch(() => undefined);

  const writes = new Map<string, ApiCall[]>();
  for (const call of slack.calls) {
    if ((call.method !== 'chat.startStream' && call.method !== 'chat.postMessage') || call.status !== undefined) continue;
    const key = `${String(call.args.channel)}:${String(call.args.thread_ts)}`;
    writes.set(key, [...(writes.get(key) ?? []), call]);
  }
  const firstPost: number[] = [];
  let streamed = 0;
  let posted = 0;
  let lost = 0;
  let doubled = 0;
  let incomplete = 0;
  for (const s of sent) {
    const calls = writes.get(`${s.channel}:${s.ts}`) ?? [];
    const replies = slack.botReplies(s.channel, s.ts);
    if (replies.length === 0) lost += 1;
    if (replies.length > 1) doubled += 1;
    if (replies.length > 0 && !whole(s)) incomplete += 1;
    const first = calls[0];
    if (first !== undefined) {
      firstPost.push(first.at - s.at);
      if (first.method === 'chat.startStream') streamed += 1;
      else posted += 1;
    }
  }
  const firstPosts = summarize(firstPost);
  const within2s = firstPost.filter((ms) => ms <= 2000).length;
  const limited = Object.fromEntries([...slack.rateLimited.entries()].sort());
  const rows: [string, string][] = [
    ['mentions', String(sent.length)],
    ['answered whole', `${sent.length - lost - incomplete}`],
    ['lost / doubled / incomplete', `${lost} / ${doubled} / ${incomplete}`],
    ['first post p50 / p99 / max (ms)', `${round(firstPosts.p50)} / ${round(firstPosts.p99)} / ${round(firstPosts.max)}`],
    ['first posts within 2 s', `${within2s} of ${firstPost.length}`],
    ['streamed / posted', `${streamed} / ${posted} (${round((100 * streamed) / Math.max(1, streamed + posted))}% streamed)`],
    ['429s by method', JSON.stringify(limited)],
    ['calls by method', JSON.stringify(countBy(slack.calls.filter((c) => c.status === undefined).map((c) => c.method)))],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\nSlack tiers bench: ${perMinute} mentions/min, ${channels} channels, ${minutes} min, real one-minute windows, model latency ${latency.firstChunkMs} ms + ${latency.perChunkMs} ms a chunk\n`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
  console.log(JSON.stringify({ bench: 'slack-tiers', minutes, mentions: sent.length, lost, doubled, incomplete, modelLatency: latency, firstPostMs: { p50: firstPosts.p50, p99: firstPosts.p99, max: firstPosts.max }, within2s, streamed, posted, rateLimited: limited }));
  process.exitCode = lost > 0 || doubled > 0 || incomplete > 0 ? 1 : 0;
} finally {
  await bot.stop();
  await slack.close();
  await bedrock.close();
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
