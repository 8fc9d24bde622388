import {
  BedrockRuntimeClient,
  type ContentBlock,
  type TokenUsage as BedrockUsage,
  type ToolConfiguration,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { toConverseMessages } from './converse-messages.js';
import type { RoundRequest } from './converse-request.js';
import { describeError, InStreamError, isRetryableInStream, type RoundResult } from './converse-stream.js';
import { Deadline, DeadlineExceededError, untilAborted } from './deadline.js';
import { isModelUnavailable } from './model-fallback.js';
import { ModelCutError, modelTimeoutError, toModelError } from './model-errors.js';
import { keepAliveHandler, roundSender } from './round-sender.js';
import type { ToolRegistry } from './tool-registry.js';
import type { AgentStats, ChatAgent, ChatRequest, ChatResult, UsageTotals } from './types.js';

/** Failures inside a stream are not retried by the SDK; we retry a round that showed nothing yet. */
const streamRetryDelaysMs = [400, 1600];
/**
 * A stream that went silent before any text gets one more try, at once: a silent request is most
 * often one stuck connection (a dead pooled socket, one stalled host), and the retry gets a fresh
 * one. Only one, as the user has already waited the whole idle timeout.
 */
const silentStreamRetries = 1;

/** Which model a turn is on, and what happened to it. */
interface TurnState {
  modelId: string;
  usedFallback: boolean;
  guardrailIntervened: boolean;
}

/**
 * The Bedrock agent: Converse/ConverseStream with a bounded tool-use loop, attachments as
 * content blocks, a guardrail, prompt caching and a fallback model. Throttling on the request
 * is retried by the SDK's adaptive strategy.
 */
export class BedrockAgent implements ChatAgent {
  readonly #client: BedrockRuntimeClient;
  readonly #fallbackClient: BedrockRuntimeClient | undefined;
  readonly #stats: AgentStats;
  /** The registry is fixed once built, so its Converse tool configuration is built once too. */
  readonly #toolConfig: ToolConfiguration | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly tools: ToolRegistry,
    private readonly logger: Logger,
    client?: BedrockRuntimeClient,
  ) {
    const newClient = () => new BedrockRuntimeClient({ maxAttempts: config.maxAttempts, retryMode: 'adaptive', requestHandler: keepAliveHandler() });
    this.#client = client ?? newClient();
    // Adaptive retry rate-limits per client: the primary's throttles must not slow the fallback.
    this.#fallbackClient = config.fallbackModelId === undefined ? undefined : (client ?? newClient());
    this.#toolConfig = tools.toToolConfiguration();
    this.#stats = {
      modelId: config.modelId,
      fallbackModelId: config.fallbackModelId ?? null,
      requests: 0,
      errors: 0,
      inFlight: 0,
      guardrailInterventions: 0,
      fallbackAnswers: 0,
      timeouts: 0,
      usage: emptyUsage(),
    };
  }

  stats(): AgentStats {
    return { ...this.#stats, usage: { ...this.#stats.usage } };
  }

  /**
   * Answers one turn within the turn bound (rounds, tools, retries and the fallback included), each
   * call within the idle bound; either ends the turn with a model timeout, while the caller's own
   * cancellation (shutdown, a client gone) is rethrown as its reason.
   */
  async reply(request: ChatRequest): Promise<ChatResult> {
    this.#stats.requests += 1;
    this.#stats.inFlight += 1;
    const usage = emptyUsage();
    const turn: TurnState = { modelId: this.config.modelId, usedFallback: false, guardrailIntervened: false };
    const turnDeadline = new Deadline('turn', this.config.turnTimeoutMs);
    const signal = AbortSignal.any([request.signal, turnDeadline.signal]);
    let textShown = false;
    const onDelta = (delta: string) => {
      // The loop may run on briefly after the turn ended (a tool finishing): nothing more reaches the chat.
      if (signal.aborted) return;
      textShown ||= delta.trim() !== '';
      request.onDelta(delta);
    };
    try {
      // A tool that ignores the signal must not hold the turn past its bound, so the loop is raced too.
      const result = await untilAborted(this.#loop({ ...request, signal, onDelta }, usage, turn), signal);
      addUsage(this.#stats.usage, usage);
      if (turn.usedFallback) this.#stats.fallbackAnswers += 1;
      if (turn.guardrailIntervened) {
        this.#stats.guardrailInterventions += 1;
        this.logger.info('guardrail intervened', { modelId: turn.modelId, guardrailId: this.config.guardrail?.id });
      }
      return result;
    } catch (error) {
      this.#stats.errors += 1;
      addUsage(this.#stats.usage, usage);
      // Cancelled by the caller (shutdown, client gone): whatever the stream did after that is not a model fault.
      if (request.signal.aborted) throw request.signal.reason;
      if (error instanceof DeadlineExceededError) {
        this.#stats.timeouts += 1;
        throw modelTimeoutError(error, textShown);
      }
      throw toModelError(error);
    } finally {
      turnDeadline.clear();
      this.#stats.inFlight -= 1;
    }
  }

  async #loop(request: ChatRequest, usage: UsageTotals, turn: TurnState): Promise<ChatResult> {
    const messages = toConverseMessages(request.history, request.prompt, {
      ...(request.attachments === undefined ? {} : { attachments: request.attachments }),
      guardPrompt: this.config.guardrail !== undefined,
    });
    const currentIndex = messages.length - 1;
    const toolConfig = this.#toolConfig;
    const notices: string[] = [];
    let text = '';
    let separatorDue = false;
    const emit = (delta: string) => {
      // Text the model writes after a tool call starts a new paragraph.
      if (separatorDue && delta.trim() !== '') {
        separatorDue = false;
        if (!/\s$/.test(text)) emit('\n\n');
      }
      text += delta;
      request.onDelta(delta);
    };
    for (let round = 0; ; round += 1) {
      separatorDue = text !== '';
      const result = await this.#round({ messages, currentIndex, toolConfig }, turn, request.signal, emit);
      addUsage(usage, result.usage);
      const toolUses = result.content.flatMap((block) => (block.toolUse === undefined ? [] : [block.toolUse]));
      if (result.stopReason === 'guardrail_intervened') {
        turn.guardrailIntervened = true;
        if (!result.content.some((block) => (block.text ?? '').trim() !== '')) notices.push('A content guardrail blocked this request.');
        break;
      }
      if (result.stopReason !== 'tool_use' || toolUses.length === 0) {
        if (result.stopReason === 'max_tokens') notices.push('The answer reached the length limit and was cut short.');
        break;
      }
      if (round >= this.config.toolMaxRounds) {
        notices.push(`I stopped after ${this.config.toolMaxRounds} rounds of tool calls.`);
        break;
      }
      messages.push({ role: 'assistant', content: result.content });
      messages.push({ role: 'user', content: await this.#runTools(toolUses) });
    }
    return { text: text.trim(), usage, notices, modelId: turn.modelId, ...(turn.guardrailIntervened ? { guardrailIntervened: true } : {}) };
  }

  /** One round on the turn's model; the fallback takes over, for the rest of the turn, when the primary is unavailable. */
  async #round(round: Omit<RoundRequest, 'modelId'>, turn: TurnState, signal: AbortSignal, emit: (delta: string) => void): Promise<RoundResult> {
    try {
      return await this.#attempts({ ...round, modelId: turn.modelId }, turn, signal, emit);
    } catch (error) {
      const fallback = this.config.fallbackModelId;
      if (fallback === undefined || turn.usedFallback || signal.aborted || !isModelUnavailable(error)) throw error;
      this.logger.warn('primary model unavailable after retries; answering with the fallback model', {
        modelId: turn.modelId,
        fallbackModelId: fallback,
        error,
      });
      turn.modelId = fallback;
      turn.usedFallback = true;
      return await this.#attempts({ ...round, modelId: fallback }, turn, signal, emit);
    }
  }

  /**
   * Sends a round, each attempt within the idle bound, retrying one that failed (or, streaming, went
   * silent once) before any text; a failure inside the stream is thrown as its cause.
   */
  async #attempts(round: RoundRequest, turn: TurnState, signal: AbortSignal, emit: (delta: string) => void): Promise<RoundResult> {
    const send = roundSender(this.config, turn.usedFallback ? (this.#fallbackClient ?? this.#client) : this.#client, round);
    let retries = 0;
    let silentRetries = 0;
    for (;;) {
      let emitted = false;
      const emitTracked = (delta: string) => {
        emitted = true;
        emit(delta);
      };
      const idle = new Deadline('idle', this.config.idleTimeoutMs);
      try {
        return await send(emitTracked, AbortSignal.any([signal, idle.signal]), idle);
      } catch (error) {
        // The caller or the turn bound: reply() knows which, and the error is only its echo.
        if (signal.aborted) throw error;
        if (idle.expired) {
          // Converse cannot tell a stall from a long answer still being written: a retry would pay for it twice.
          if (emitted || !this.config.streaming || silentRetries >= silentStreamRetries) throw idle.signal.reason;
          silentRetries += 1;
          this.logger.warn('model stream silent before any text; retrying', { idleTimeoutMs: this.config.idleTimeoutMs, modelId: round.modelId });
          continue;
        }
        // The SDK retried the request itself; only a failure inside the stream is ours to handle.
        if (!(error instanceof InStreamError)) throw error;
        if (emitted) throw new ModelCutError(`the answer stream failed after some text: ${describeError(error.cause)}`, { cause: error.cause });
        if (retries >= streamRetryDelaysMs.length || !isRetryableInStream(error.cause)) throw error.cause;
        this.logger.warn('model stream failed before any text; retrying', { attempt: retries + 1, modelId: round.modelId, error: error.cause });
        await delay(streamRetryDelaysMs[retries], undefined, { signal });
        retries += 1;
      } finally {
        idle.clear();
      }
    }
  }

  async #runTools(toolUses: ToolUseBlock[]): Promise<ContentBlock[]> {
    return Promise.all(
      toolUses.map(async (toolUse): Promise<ContentBlock> => {
        const outcome = await this.tools.run(toolUse.name ?? '', toolUse.input);
        this.logger.debug('tool called', { tool: toolUse.name, ok: outcome.ok });
        return {
          toolResult: {
            toolUseId: toolUse.toolUseId,
            content: [{ json: (outcome.ok ? { result: outcome.value } : { error: outcome.error }) as never }],
            status: outcome.ok ? 'success' : 'error',
          },
        };
      }),
    );
  }
}

function emptyUsage(): UsageTotals {
  return { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
}

function addUsage(total: UsageTotals, usage: BedrockUsage | UsageTotals | undefined): void {
  if (usage === undefined) return;
  total.inputTokens += usage.inputTokens ?? 0;
  total.outputTokens += usage.outputTokens ?? 0;
  total.cacheReadInputTokens += usage.cacheReadInputTokens ?? 0;
  total.cacheWriteInputTokens += usage.cacheWriteInputTokens ?? 0;
}
