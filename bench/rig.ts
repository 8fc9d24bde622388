// One rig = fake Slack + fake Discord + fake Bedrock (own instances, 127.0.0.1, port 0) and the one
// bot process attached to them. The bench keeps one rig per bot so none shares a socket or a session.
// The fakes run without Slack's rate limits (and Discord's per-channel one): a throughput bench
// would otherwise measure the limits, not the bot. `npm run bench:tiers` runs under the real ones.
import { randomUUID } from 'node:crypto';
import { startFakeBedrock, type FakeBedrock, type RecordedBedrockRequest } from '../test/fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord } from '../test/fakes/discord/index.js';
import { eventCallback, eventsApiEnvelope, messageEvent, richTextBlocks, slackId } from '../test/fakes/slack/events.js';
import { startFakeSlack, type FakeSlack } from '../test/fakes/slack/index.js';
import { tsKey } from '../test/fakes/slack/store.js';
import { startBotProcess, type BotKind, type BotProcess } from './bot-process.js';
import { sleep } from './stats.js';
import { ANSWER, ANSWER_CHUNKS, Tracker, type Sample, type SlackPlace } from './tracker.js';

export interface SlackConversation {
  readonly platform: 'slack';
  readonly channel: string;
  threadTs?: string;
}

export interface DiscordConversation {
  readonly platform: 'discord';
  readonly channelId: string;
}

export type Conversation = SlackConversation | DiscordConversation;

export interface Launch {
  readonly bot: BotProcess;
  /** Spawn -> Slack hello sent on a new socket and Discord READY sent, seen by the fakes (ms). */
  readonly fakeReadyMs: number;
  /** Bridge only: spawn -> /ping HealthyBusy with both platforms `connected` in the keepalive action. */
  readonly statusReadyMs?: number;
  /** Bridge only: spawn -> the first /ping answer. */
  readonly pingReadyMs?: number;
}

export interface LaunchOptions {
  /** Attach the inspector (heap readings, profiles); start-up alone does without it. */
  readonly inspect?: boolean;
}

export interface KeepaliveAnswer {
  ping_status?: string;
  platforms?: { slack?: string; discord?: string };
}

const DISCORD_BOT_ID = '100000000000000001';
const DISCORD_CHANNELS = 320;
const SLACK_CHANNELS = 128;
const USER = 'UALICE';
const PROMPT = 'how is the weather today?';
/** The bridge's default SLACK_CLIENT_PING_TIMEOUT_MS, so the bare bots ping Slack as often and reconnect alike. */
const BASELINE_SLACK_PING_TIMEOUT_MS = '1500';

export class Rig {
  readonly tracker = new Tracker(DISCORD_BOT_ID);
  bot: BotProcess | undefined;
  #slack!: FakeSlack;
  #discord!: FakeDiscord;
  #bedrock!: FakeBedrock;
  #tags = 0;
  #exitCode: number | null | undefined;
  #slackConversations = 0;
  #discordConversations = 0;
  readonly #channelIds = Array.from({ length: DISCORD_CHANNELS }, (_, i) => `3000000000${String(i + 1).padStart(8, '0')}`);

  private constructor(
    readonly name: string,
    readonly kind: BotKind,
    readonly logLevel: 'warn' | 'info',
  ) {}

  static async start(name: string, kind: BotKind, logLevel: 'warn' | 'info' = 'info'): Promise<Rig> {
    const rig = new Rig(name, kind, logLevel);
    rig.#slack = await startFakeSlack({ observer: rig.tracker.slackObserver, waitTimeoutMs: 20_000, rateLimits: { windowMs: 0 } });
    rig.tracker.slackAnswered = (place) => slackAnswered(rig.#slack, place);
    rig.#discord = await startFakeDiscord({
      observer: rig.tracker.discordObserver,
      botUser: { id: DISCORD_BOT_ID, username: 'bench-bot' },
      guilds: [{ id: '200000000000000001', name: 'Bench', channels: rig.#channelIds.map((id, i) => ({ id, name: `bench-${i}` })), members: [{ id: '400000000000000001', username: 'alice' }] }],
      // Discord allows 5 messages per 5 s per channel; the bench measures the bot, not that wait.
      rateLimit: { limit: 1_000_000, windowMs: 1000 },
    });
    rig.#bedrock = await startFakeBedrock({
      latency: { firstChunkMs: 0, perChunkMs: 0 },
      respond: (request) => {
        rig.tracker.modelSeen(lastUserText(request), performance.now());
        return { chunks: ANSWER_CHUNKS };
      },
    });
    return rig;
  }

  get slack(): FakeSlack {
    return this.#slack;
  }

  get discord(): FakeDiscord {
    return this.#discord;
  }

  env(): Record<string, string> {
    const common = {
      SLACK_BOT_TOKEN: this.#slack.tokens.bot,
      SLACK_APP_TOKEN: this.#slack.tokens.app,
      SLACK_API_URL: this.#slack.apiUrl,
      DISCORD_BOT_TOKEN: this.#discord.token,
      DISCORD_API_URL: this.#discord.apiUrl,
    };
    if (this.kind === 'floor') return { ...common, SLACK_CLIENT_PING_TIMEOUT_MS: BASELINE_SLACK_PING_TIMEOUT_MS, BENCH_REPLY_TEXT: ANSWER };
    const aws = {
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: this.#bedrock.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCHBENCH0',
      AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    if (this.kind === 'baseline') return { ...common, ...aws, SLACK_CLIENT_PING_TIMEOUT_MS: BASELINE_SLACK_PING_TIMEOUT_MS };
    // The fakes count no rate limits, so the bridge counts no budgets either (as the baseline does not).
    return { ...common, ...aws, LOG_LEVEL: this.logLevel, MAX_CONCURRENT_TURNS: '64', SLACK_RATE_WINDOW_SECONDS: '0' };
  }

  /** Starts the bot and waits until both platforms are connected (and, for the bridge, /ping agrees). */
  async launch(entry: string, options: LaunchOptions = {}): Promise<Launch> {
    if (this.bot !== undefined) throw new Error(`${this.name}: a bot is already running`);
    await this.#slack.waiters.wait(() => (this.#slack.connectionCount === 0 ? true : undefined), 10_000, 'no Slack socket left');
    const readies = this.#discord.counts.readies;
    const bot = await this.#spawn(entry, this.env(), options);
    const stamp = (promise: Promise<unknown>): Promise<number> => promise.then(() => performance.now() - bot.spawnedAt);
    const fake = Promise.all([
      stamp(this.#slack.waitForConnections(1, 20_000)),
      stamp(this.#discord.waitUntil(() => this.#discord.counts.readies > readies, 'READY', 20_000)),
    ]);
    const bridge = this.kind === 'bridge';
    const ping = bridge ? stamp(firstPing(bot, 20_000)) : Promise.resolve(undefined);
    const status = bridge ? stamp(this.#waitForStatus((a) => a.ping_status === 'HealthyBusy' && bothConnected(a), 20_000)) : Promise.resolve(undefined);
    const [[slackMs, discordMs], pingReadyMs, statusReadyMs] = await Promise.race([Promise.all([fake, ping, status]), failedStart(this.name, bot)]);
    return { bot, fakeReadyMs: Math.max(slackMs, discordMs), ...(statusReadyMs === undefined ? {} : { statusReadyMs }), ...(pingReadyMs === undefined ? {} : { pingReadyMs }) };
  }

  /** Bridge only: starts it with no chat tokens (only /ping and /invocations) and waits for the first /ping answer. */
  async launchWithoutTokens(entry: string, options: LaunchOptions = {}): Promise<{ bot: BotProcess; pingReadyMs: number }> {
    if (this.bot !== undefined) throw new Error(`${this.name}: a bot is already running`);
    const env = Object.fromEntries(Object.entries(this.env()).filter(([key]) => !/^(SLACK|DISCORD)_/.test(key)));
    const bot = await this.#spawn(entry, env, options);
    await Promise.race([firstPing(bot, 20_000), failedStart(this.name, bot)]);
    return { bot, pingReadyMs: performance.now() - bot.spawnedAt };
  }

  async #spawn(entry: string, env: Record<string, string>, options: LaunchOptions): Promise<BotProcess> {
    const bot = await startBotProcess(this.kind, entry, env, options.inspect ?? true);
    this.bot = bot;
    this.#exitCode = undefined;
    void bot.exited.then((code) => {
      if (this.bot === bot) this.#exitCode = code;
    });
    return bot;
  }

  /** A bot process is attached and has not exited. */
  get running(): boolean {
    return this.bot !== undefined && this.#exitCode === undefined;
  }

  /** SIGKILL, for the bench's deadline. */
  kill(): void {
    const pid = this.bot?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  async stopBot(): Promise<void> {
    const bot = this.bot;
    this.bot = undefined;
    if (bot !== undefined) await bot.stop();
  }

  newSlackConversation(): SlackConversation {
    const channel = `CBENCH${String(this.#slackConversations++ % SLACK_CHANNELS).padStart(3, '0')}`;
    this.#slack.store.ensureChannel(channel, 'channel');
    return { platform: 'slack', channel };
  }

  newDiscordConversation(): DiscordConversation {
    return { platform: 'discord', channelId: this.#channelIds[this.#discordConversations++ % DISCORD_CHANNELS] as string };
  }

  newConversation(platform: 'slack' | 'discord'): Conversation {
    return platform === 'slack' ? this.newSlackConversation() : this.newDiscordConversation();
  }

  /** Sends one mention into the conversation; resolves when it is answered (at most one in flight per conversation). */
  send(conversation: Conversation, timeoutMs = 15_000): Promise<Sample> {
    if (!this.running) return Promise.reject(new Error(`${this.name}: the bot is not running`));
    const tag = `${this.name}-${++this.#tags}`;
    return conversation.platform === 'slack' ? this.#sendSlack(conversation, tag, timeoutMs) : this.#sendDiscord(conversation, tag, timeoutMs);
  }

  /** Requests the platform's fake has recorded so far (Slack Web API calls, Discord REST requests). */
  callCount(platform: 'slack' | 'discord'): number {
    return platform === 'slack' ? this.#slack.calls.length : this.#discord.calls.length;
  }

  async keepalive(): Promise<KeepaliveAnswer> {
    const port = this.bot?.port;
    if (port === undefined) throw new Error(`${this.name}: no bot`);
    const response = await fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"action":"keepalive"}' });
    return (await response.json()) as KeepaliveAnswer;
  }

  /** Polls the bridge's keepalive action every 5 ms until `done` holds. */
  async #waitForStatus(done: (answer: KeepaliveAnswer) => boolean, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const answer = await this.keepalive().catch(() => undefined);
      if (answer !== undefined && done(answer)) return;
      await sleep(5);
    }
    throw new Error(`${this.name}: status did not reach the expected state within ${timeoutMs} ms`);
  }

  waitForPlatformConnected(platform: 'slack' | 'discord', timeoutMs = 15_000): Promise<void> {
    return this.#waitForStatus((a) => a.platforms?.[platform] === 'connected', timeoutMs);
  }

  #sendSlack(conversation: SlackConversation, tag: string, timeoutMs: number): Promise<Sample> {
    const fake = this.#slack;
    const text = `<@${fake.ids.botUserId}> bench#${tag} ${PROMPT}`;
    const channel = fake.store.ensureChannel(conversation.channel, 'channel');
    // Built from the fake's own pieces, as postUserMessage does, minus its per-delivery ack waiter
    // (a linear scan of every ack so far, which would load this process in a 10,000-message run).
    const stored = fake.store.post(channel.id, {
      client_msg_id: randomUUID(),
      text,
      user: USER,
      team: fake.ids.teamId,
      blocks: richTextBlocks(text),
      ...(conversation.threadTs === undefined ? {} : { thread_ts: conversation.threadTs }),
    });
    if (stored === undefined) throw new Error(`bench: thread ${conversation.threadTs ?? ''} missing in ${channel.id}`);
    conversation.threadTs ??= stored.ts;
    const envelope = eventsApiEnvelope(eventCallback(fake.ids, messageEvent('app_mention', channel, stored), slackId('Ev')), 0, '');
    const answered = this.tracker.expectSlack(tag, envelope.envelope_id, channel.id, conversation.threadTs, stored.ts, timeoutMs);
    fake.socket.deliver(envelope);
    return answered;
  }

  #sendDiscord(conversation: DiscordConversation, tag: string, timeoutMs: number): Promise<Sample> {
    const message = this.#discord.sendUserMessage({ channelId: conversation.channelId, content: `<@${DISCORD_BOT_ID}> bench#${tag} ${PROMPT}` });
    return this.tracker.expectDiscord(tag, message.id, conversation.channelId, timeoutMs);
  }

  async close(): Promise<void> {
    await this.stopBot().catch(() => undefined);
    await Promise.allSettled([this.#slack.close(), this.#discord.close(), this.#bedrock.close()]);
  }
}

/** The thread has a bot message newer than the user's, carrying the whole answer, its stream (if any) stopped. */
function slackAnswered(fake: FakeSlack, place: SlackPlace): boolean {
  const after = tsKey(place.messageTs);
  return (fake.store.thread(place.channel, place.threadTs) ?? []).some(
    (m) => m.bot_id === fake.ids.botId && m.streaming_state !== 'in_progress' && tsKey(m.ts) > after && m.text.includes(ANSWER),
  );
}

function failedStart(name: string, bot: BotProcess): Promise<never> {
  return bot.exited.then((code) => Promise.reject(new Error(`${name} exited ${code}: ${lastError(bot.output)}\n${bot.output.join('\n')}`)));
}

/** Asks /ping every 5 ms until it answers (refused until the server listens). */
async function firstPing(bot: BotProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const answered = await fetch(`http://127.0.0.1:${bot.port}/ping`).then((response) => response.ok, () => false);
    if (answered) return;
    await sleep(5);
  }
  throw new Error(`no /ping answer within ${timeoutMs} ms`);
}

function lastError(lines: readonly string[]): string {
  return [...lines].reverse().find((line) => /error/i.test(line)) ?? lines[lines.length - 1] ?? '';
}

function bothConnected(answer: KeepaliveAnswer): boolean {
  return answer.platforms?.slack === 'connected' && answer.platforms.discord === 'connected';
}

function lastUserText(request: RecordedBedrockRequest): string {
  const messages = Array.isArray(request.body.messages) ? (request.body.messages as Array<{ role?: string; content?: Array<{ text?: unknown }> }>) : [];
  const last = messages.findLast((m) => m.role === 'user');
  return (last?.content ?? []).map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
}
