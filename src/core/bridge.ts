import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { ConversationHistory } from './conversation-history.js';
import { ConversationQueue } from './conversation-queue.js';
import { RecentIds } from './recent-ids.js';
import type { UsageTotals as TokenUsage } from '../agent/types.js';
import type { ChatAgent, ConversationTurn, InboundMessage, PlatformName, ReplyChannel } from './types.js';

export interface BridgeOptions {
  readonly agent: ChatAgent;
  readonly history: ConversationHistory;
  readonly logger: Logger;
  readonly maxConcurrentTurns: number;
  readonly maxQueuedPerConversation: number;
  /** Longer than any redelivery window: Slack retries for minutes, catch-up looks back 15. */
  readonly dedupeTtlMs?: number;
  readonly dedupeMaxEntries?: number;
  /** Bound on rebuilding a conversation from the platform before answering without it. */
  readonly loadEarlierTurnsTimeoutMs?: number;
}

export type SubmitOutcome = 'accepted' | 'duplicate' | 'ignored_bot' | 'queue_full' | 'closed';

export interface PlatformCounters {
  received: number;
  duplicates: number;
  ignored: number;
  answered: number;
  failed: number;
  inFlight: number;
}

export interface SubmitOptions {
  /** Aborts this turn (e.g. the HTTP client went away). */
  readonly signal?: AbortSignal;
}

export const lateAnswerPrefix = '_(Sorry for the late answer: I was offline when you sent this.)_\n\n';
const genericFailure = 'Sorry, something went wrong on my side while answering. Please try again in a moment.';
const interruptedFailure = 'I was restarted before I could finish this answer. Please ask again.';
const queueFullReply = 'I am still working through earlier messages in this conversation. Please wait a moment and try again.';

/**
 * The platform-neutral pipeline: drop bots -> dedupe -> per-conversation queue
 * -> agent -> the channel's ReplySink. Per-message work never rejects unobserved.
 */
export class Bridge extends EventEmitter<{ activity: [] }> {
  readonly #queue: ConversationQueue;
  readonly #seen: RecentIds;
  readonly #counters = new Map<PlatformName, PlatformCounters>();
  readonly #shutdown = new AbortController();
  #accepting = true;

  constructor(private readonly options: BridgeOptions) {
    super();
    this.#queue = new ConversationQueue(options.maxConcurrentTurns, options.maxQueuedPerConversation);
    this.#seen = new RecentIds(options.dedupeTtlMs ?? 2 * 60 * 60_000, options.dedupeMaxEntries ?? 50_000);
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
    const signal = submitOptions.signal === undefined ? this.#shutdown.signal : AbortSignal.any([this.#shutdown.signal, submitOptions.signal]);
    const accepted = this.#queue.push(message.conversationKey, () => this.#answer(message, channel, signal));
    if (!accepted) {
      counters.failed += 1;
      void this.#refuse(message, channel);
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

  get accepting(): boolean {
    return this.#accepting;
  }

  counters(platform: PlatformName): PlatformCounters {
    let counters = this.#counters.get(platform);
    if (counters === undefined) {
      counters = { received: 0, duplicates: 0, ignored: 0, answered: 0, failed: 0, inFlight: 0 };
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

  async #idleWithin(ms: number): Promise<boolean> {
    const timeout = new AbortController();
    const idle = this.#queue.onIdle().then(() => true);
    const late = delay(ms, false, { signal: timeout.signal }).catch(() => false);
    const result = await Promise.race([idle, late]);
    timeout.abort();
    return result;
  }

  async #answer(message: InboundMessage, channel: ReplyChannel, signal: AbortSignal): Promise<void> {
    const counters = this.counters(message.platform);
    const log = this.options.logger.child({ platform: message.platform, conversation: message.conversationKey });
    const startedAt = performance.now();
    let firstDeltaMs: number | undefined;
    let answer = '';
    let userText = message.text;
    let usage: TokenUsage | undefined;
    const sink = channel.openReply(message);
    try {
      signal.throwIfAborted();
      await sink.start();
      const input = (await channel.prepareInput?.(message, signal)) ?? { text: message.text };
      userText = input.text;
      const history = await this.#historyFor(message, channel, log);
      if (message.late === true) sink.append(lateAnswerPrefix);
      const result = await this.options.agent.reply({
        conversationKey: message.conversationKey,
        history,
        prompt: input.text,
        signal,
        onDelta: (delta) => {
          firstDeltaMs ??= performance.now() - startedAt;
          answer += delta;
          sink.append(delta);
        },
      });
      usage = result.usage;
      // Never silence: an empty answer still gets a visible line.
      if (result.text.trim() === '' && (result.notices ?? []).length === 0) sink.append('_(The model returned an empty answer.)_');
      for (const notice of [...(input.notices ?? []), ...(result.notices ?? [])]) sink.append(`\n\n_${notice}_`);
      await sink.finish();
      this.options.history.append(message.conversationKey, { role: 'user', text: userText }, { role: 'assistant', text: result.text });
      counters.answered += 1;
      log.info('message handled', this.#outcome(message, 'answered', startedAt, firstDeltaMs, usage));
    } catch (error) {
      await sink.fail(userMessageFor(error)).catch((failError: unknown) => log.warn('reply sink failed', { error: failError }));
      const turns: ConversationTurn[] = [{ role: 'user', text: userText }];
      if (answer.trim() !== '') turns.push({ role: 'assistant', text: answer });
      this.options.history.append(message.conversationKey, ...turns);
      counters.failed += 1;
      log.warn('message failed', { ...this.#outcome(message, 'failed', startedAt, firstDeltaMs, usage), error });
    } finally {
      counters.inFlight -= 1;
      this.emit('activity');
    }
  }

  async #historyFor(message: InboundMessage, channel: ReplyChannel, log: Logger): Promise<readonly ConversationTurn[]> {
    const stored = this.options.history.get(message.conversationKey);
    if (stored !== undefined || channel.loadEarlierTurns === undefined) return stored ?? [];
    try {
      const signal = AbortSignal.timeout(this.options.loadEarlierTurnsTimeoutMs ?? 5000);
      const loaded = await Promise.race([
        channel.loadEarlierTurns(message),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true })),
      ]);
      this.options.history.seed(message.conversationKey, loaded);
      if (loaded.length > 0) log.debug('history rebuilt from platform', { turns: loaded.length });
      return this.options.history.get(message.conversationKey) ?? [];
    } catch (error) {
      log.warn('could not rebuild history from platform; answering without it', { error });
      return [];
    }
  }

  async #refuse(message: InboundMessage, channel: ReplyChannel): Promise<void> {
    try {
      await channel.openReply(message).fail(queueFullReply);
    } catch (error) {
      this.options.logger.warn('could not send queue-full reply', { error });
    }
  }

  #outcome(message: InboundMessage, outcome: string, startedAt: number, firstDeltaMs: number | undefined, usage: TokenUsage | undefined) {
    return {
      outcome,
      messageId: message.messageId,
      latencyMs: Math.round(performance.now() - startedAt),
      firstDeltaMs: firstDeltaMs === undefined ? null : Math.round(firstDeltaMs),
      inputTokens: usage?.inputTokens ?? null,
      outputTokens: usage?.outputTokens ?? null,
      late: message.late === true,
    };
  }
}

/** The short honest line a user sees for a failed turn; details stay in the log. */
export function userMessageFor(error: unknown): string {
  if (error instanceof BridgeError && error.userMessage !== undefined) return error.userMessage;
  if (error instanceof Error && error.name === 'AbortError') return interruptedFailure;
  return genericFailure;
}
