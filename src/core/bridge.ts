import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { ConversationHistory } from './conversation-history.js';
import { ConversationQueue } from './conversation-queue.js';
import { RecentIds } from './recent-ids.js';
import { RefusalThrottle, refusalKey } from './refusal-throttle.js';
import type { ChatResult, UsageTotals as TokenUsage } from '../agent/types.js';
import type { ChatAgent, ConversationTurn, InboundMessage, PlatformName, ReplyChannel, ReplySink, TurnObserver, TurnTrace } from './types.js';
import { UserRateLimit } from './user-rate-limit.js';

export interface BridgeOptions {
  readonly agent: ChatAgent;
  readonly history: ConversationHistory;
  readonly logger: Logger;
  readonly maxConcurrentTurns: number;
  readonly maxQueuedPerConversation: number;
  /** Messages waiting across all conversations; beyond it a message is refused (queue_full). */
  readonly maxQueuedTotal?: number;
  /** Messages one chat user may send per minute; 0 turns the limit off. */
  readonly rateLimitPerUserPerMinute?: number;
  /** Traces and times each accepted turn (telemetry); absent, nothing is done for it. */
  readonly observer?: TurnObserver;
}

export type SubmitOutcome = 'accepted' | 'duplicate' | 'ignored_bot' | 'queue_full' | 'rate_limited' | 'closed';

export interface PlatformCounters {
  received: number;
  duplicates: number;
  ignored: number;
  answered: number;
  failed: number;
  rateLimited: number;
  /** Refused because the conversation's queue or the whole queue was full (also counted in failed). */
  queueFull: number;
  /** Refusals not posted: the same user was already told in that conversation within the minute. */
  refusalsNotPosted: number;
  inFlight: number;
}

/** How far a turn got, so a failure can still record what the user said and what was shown. */
interface TurnProgress {
  userTurn: ConversationTurn;
  answer: string;
  firstDeltaMs?: number;
  usage?: TokenUsage;
  trace?: TurnTrace;
}

export interface SubmitOptions {
  /** Aborts this turn (e.g. the HTTP client went away). */
  readonly signal?: AbortSignal;
}

/** Longer than any redelivery window: Slack retries for minutes, catch-up looks back 15. */
const dedupeTtlMs = 2 * 60 * 60_000;
const dedupeMaxEntries = 50_000;
/** Bound on rebuilding a conversation from the platform before answering without it. */
const loadEarlierTurnsTimeoutMs = 5000;

export const lateAnswerPrefix = '_(Sorry for the late answer: I was offline when you sent this.)_\n\n';
const genericFailure = 'Sorry, something went wrong on my side while answering. Please try again in a moment.';
const interruptedFailure = 'I was restarted before I could finish this answer. Please ask again.';
const queueFullReply = 'I am still working through earlier messages in this conversation. Please wait a moment and try again.';
const busyReply = 'I have too many messages waiting right now. Please try again in a few minutes.';
const rateLimitedReply = (limit: number) => `You are sending messages faster than I can answer (the limit is ${limit} a minute). Please wait a moment and ask again.`;

/**
 * The platform-neutral pipeline: drop bots -> dedupe -> per-conversation queue
 * -> agent -> the channel's ReplySink. Per-message work never rejects unobserved.
 */
export class Bridge extends EventEmitter<{ activity: [] }> {
  readonly #queue: ConversationQueue;
  readonly #seen: RecentIds;
  readonly #counters = new Map<PlatformName, PlatformCounters>();
  readonly #shutdown = new AbortController();
  readonly #rateLimit: UserRateLimit | undefined;
  readonly #refusals = new RefusalThrottle();
  #accepting = true;

  constructor(private readonly options: BridgeOptions) {
    super();
    this.#queue = new ConversationQueue(options.maxConcurrentTurns, options.maxQueuedPerConversation, options.maxQueuedTotal);
    this.#seen = new RecentIds(dedupeTtlMs, dedupeMaxEntries);
    const perMinute = options.rateLimitPerUserPerMinute ?? 0;
    this.#rateLimit = perMinute > 0 ? new UserRateLimit(perMinute) : undefined;
  }

  /** Takes one inbound message; returns at once (the adapter has already acked). */
  submit(message: InboundMessage, channel: ReplyChannel, submitOptions: SubmitOptions = {}): SubmitOutcome {
    const counters = this.counters(message.platform);
    if (!this.#accepting) return 'closed';
    if (message.authorIsBot) {
      counters.ignored += 1;
      return 'ignored_bot';
    }
    if (!this.#seen.remember(`${message.platform}:${message.messageId}`)) {
      counters.duplicates += 1;
      this.options.logger.debug('duplicate message dropped', { platform: message.platform, messageId: message.messageId });
      return 'duplicate';
    }
    counters.received += 1;
    // Operators talking through /invocations are not rate-limited; chat users are.
    if (message.platform !== 'invocation' && this.#rateLimit?.allow(`${message.platform}:${message.authorId}`) === false) {
      counters.rateLimited += 1;
      void this.#refuse(message, channel, 'rate_limited', rateLimitedReply(this.options.rateLimitPerUserPerMinute ?? 0));
      return 'rate_limited';
    }
    const signal = submitOptions.signal === undefined ? this.#shutdown.signal : AbortSignal.any([this.#shutdown.signal, submitOptions.signal]);
    const trace = this.options.observer?.begin(message);
    const queued = this.#queue.push(message.conversationKey, () => this.#answer(message, channel, signal, trace));
    if (queued !== 'queued') {
      trace?.end('queue_full');
      counters.failed += 1;
      counters.queueFull += 1;
      void this.#refuse(message, channel, 'queue_full', queued === 'queue_full' ? busyReply : queueFullReply);
      return 'queue_full';
    }
    counters.inFlight += 1;
    this.emit('activity');
    return 'accepted';
  }

  /** Whether this id was already taken (for adapters that must not double-handle). */
  hasSeen(platform: PlatformName, messageId: string): boolean {
    return this.#seen.has(`${platform}:${messageId}`);
  }

  /** Resolves when no turn is queued or being answered. */
  whenIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  /** Turns queued or being answered, across all conversations. */
  get inFlight(): number {
    return this.#queue.size;
  }

  /** Turns waiting for their turn, across all conversations. */
  get queued(): number {
    return this.#queue.waiting;
  }

  get accepting(): boolean {
    return this.#accepting;
  }

  counters(platform: PlatformName): PlatformCounters {
    let counters = this.#counters.get(platform);
    if (counters === undefined) {
      counters = { received: 0, duplicates: 0, ignored: 0, answered: 0, failed: 0, rateLimited: 0, queueFull: 0, refusalsNotPosted: 0, inFlight: 0 };
      this.#counters.set(platform, counters);
    }
    return counters;
  }

  /** Forgets a conversation's history (for /reset). */
  forget(conversationKey: string): boolean {
    return this.options.history.forget(conversationKey);
  }

  /**
   * Stops taking messages and lets in-flight turns finish within `graceMs`;
   * after that, aborts the rest so each ends with an honest line, not silence.
   */
  async drain(graceMs: number): Promise<{ finished: boolean; interrupted: number }> {
    this.#accepting = false;
    const finalizeMs = Math.min(3000, Math.floor(graceMs / 4));
    if (await this.#idleWithin(graceMs - finalizeMs)) return { finished: true, interrupted: 0 };
    const interrupted = this.#queue.size;
    this.#shutdown.abort(new BridgeError('shutting_down', 'the process is shutting down', interruptedFailure));
    await this.#idleWithin(finalizeMs);
    return { finished: false, interrupted };
  }

  #idleWithin(ms: number): Promise<boolean> {
    return within(this.#queue.onIdle().then(() => true), ms, () => false);
  }

  async #answer(message: InboundMessage, channel: ReplyChannel, signal: AbortSignal, trace?: TurnTrace): Promise<void> {
    const counters = this.counters(message.platform);
    const log = this.options.logger.child({ platform: message.platform, conversation: message.conversationKey, ...message.logFields });
    const startedAt = performance.now();
    const progress: TurnProgress = { userTurn: { role: 'user', text: message.text }, answer: '', ...(trace === undefined ? {} : { trace }) };
    const sink = channel.openReply(message);
    try {
      const result = await this.#converse(message, channel, sink, signal, progress, startedAt, log);
      trace?.phase('reply');
      await sink.finish();
      // A turn the guardrail blocked stays out of history: only the newest prompt is checked, so it would reach the model unchecked next time.
      if (result.guardrailIntervened !== true) this.options.history.append(message.conversationKey, progress.userTurn, { role: 'assistant', text: result.text });
      counters.answered += 1;
      trace?.end('answered');
      log.info('message handled', this.#outcome(message, 'answered', startedAt, progress));
    } catch (error) {
      await sink.fail(userMessageFor(error)).catch((failError: unknown) => log.warn('reply sink failed', { error: failError }));
      const turns: ConversationTurn[] = [progress.userTurn];
      if (progress.answer.trim() !== '') turns.push({ role: 'assistant', text: progress.answer });
      this.options.history.append(message.conversationKey, ...turns);
      counters.failed += 1;
      trace?.end('failed', error);
      log.warn('message failed', { ...this.#outcome(message, 'failed', startedAt, progress), error });
    } finally {
      counters.inFlight -= 1;
      this.emit('activity');
    }
  }

  /** Prepares the user's turn, asks the agent and streams its answer into the sink. */
  async #converse(message: InboundMessage, channel: ReplyChannel, sink: ReplySink, signal: AbortSignal, progress: TurnProgress, startedAt: number, log: Logger): Promise<ChatResult> {
    signal.throwIfAborted();
    await sink.start();
    const input = (await channel.prepareInput?.(message, signal)) ?? { text: message.text };
    const attachments = input.attachments ?? [];
    progress.userTurn = { role: 'user', text: input.text, ...(attachments.length > 0 ? { attachments } : {}) };
    progress.trace?.phase('history');
    const history = await this.#historyFor(message, channel, log);
    progress.trace?.phase('model');
    if (message.late === true) sink.append(lateAnswerPrefix);
    const result = await this.options.agent.reply({
      conversationKey: message.conversationKey,
      history,
      prompt: input.text,
      ...(attachments.length > 0 ? { attachments } : {}),
      signal,
      onDelta: (delta) => {
        if (progress.firstDeltaMs === undefined) {
          progress.firstDeltaMs = performance.now() - startedAt;
          progress.trace?.firstToken();
        }
        progress.answer += delta;
        sink.append(delta);
      },
    });
    progress.usage = result.usage;
    progress.trace?.model(result.modelId, result.usage);
    // Never silence: an empty answer still gets a visible line.
    if (result.text.trim() === '' && (result.notices ?? []).length === 0) sink.append('_(The model returned an empty answer.)_');
    for (const notice of [...(input.notices ?? []), ...(result.notices ?? [])]) sink.append(`\n\n_${notice}_`);
    return result;
  }

  async #historyFor(message: InboundMessage, channel: ReplyChannel, log: Logger): Promise<readonly ConversationTurn[]> {
    const stored = this.options.history.get(message.conversationKey);
    if (stored !== undefined || channel.loadEarlierTurns === undefined) return stored ?? [];
    try {
      const loaded = await within(
        channel.loadEarlierTurns(message),
        loadEarlierTurnsTimeoutMs,
        () => {
          throw new Error('timed out');
        },
        // Waiting on the platform must not by itself keep the process alive.
        { ref: false },
      );
      this.options.history.seed(message.conversationKey, loaded);
      if (loaded.length > 0) log.debug('history rebuilt from platform', { turns: loaded.length });
      return this.options.history.get(message.conversationKey) ?? [];
    } catch (error) {
      log.warn('could not rebuild history from platform; answering without it', { error });
      return [];
    }
  }

  async #refuse(message: InboundMessage, channel: ReplyChannel, outcome: 'rate_limited' | 'queue_full', reply: string): Promise<void> {
    const fields = { platform: message.platform, conversation: message.conversationKey, messageId: message.messageId, outcome };
    // A flood must not become a flood of bot posts; an invocation's refusal is its HTTP answer, never throttled.
    if (message.platform !== 'invocation' && !this.#refusals.shouldPost(refusalKey(message.platform, message.authorId, message.conversationKey))) {
      this.counters(message.platform).refusalsNotPosted += 1;
      this.options.logger.debug('message refused; not posted (this user was told in this conversation within the minute)', fields);
      return;
    }
    this.options.logger.info('message refused', fields);
    try {
      await channel.openReply(message).fail(reply);
    } catch (error) {
      this.options.logger.warn('could not send refusal', { error });
    }
  }

  #outcome(message: InboundMessage, outcome: string, startedAt: number, progress: TurnProgress) {
    return {
      outcome,
      messageId: message.messageId,
      latencyMs: Math.round(performance.now() - startedAt),
      firstDeltaMs: progress.firstDeltaMs === undefined ? null : Math.round(progress.firstDeltaMs),
      inputTokens: progress.usage?.inputTokens ?? null,
      outputTokens: progress.usage?.outputTokens ?? null,
      files: progress.userTurn.attachments?.length ?? 0,
      late: message.late === true,
    };
  }
}

/**
 * Settles as `work` does, or with `late()` once `ms` pass first; the timer is cleared either way,
 * so nothing outlives the race.
 */
async function within<T>(work: Promise<T>, ms: number, late: () => T, options: { ref?: boolean } = {}): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([work, delay(ms, undefined, { signal: timer.signal, ref: options.ref ?? true }).then(late)]);
  } finally {
    timer.abort();
  }
}

/** The short honest line a user sees for a failed turn; details stay in the log. */
export function userMessageFor(error: unknown): string {
  if (error instanceof BridgeError && error.userMessage !== undefined) return error.userMessage;
  if (error instanceof Error && error.name === 'AbortError') return interruptedFailure;
  return genericFailure;
}
