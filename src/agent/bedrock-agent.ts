import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type Message,
  type TokenUsage as BedrockUsage,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { toConverseMessages } from './converse-messages.js';
import { describeError, InStreamError, isRetryableInStream, readConverseStream, type RoundResult } from './converse-stream.js';
import { ModelCutError, toModelError } from './model-errors.js';
import type { ToolRegistry } from './tool-registry.js';
import type { AgentStats, ChatAgent, ChatRequest, ChatResult, UsageTotals } from './types.js';

/** Failures inside a stream are not retried by the SDK; we retry a round that showed nothing yet. */
const streamRetryDelaysMs = [400, 1600];

/**
 * The Bedrock agent: Converse/ConverseStream with a bounded tool-use loop.
 * Throttling on the request is retried by the SDK's adaptive strategy.
 */
export class BedrockAgent implements ChatAgent {
  readonly #client: BedrockRuntimeClient;
  readonly #stats: AgentStats;

  constructor(
    private readonly config: AgentConfig,
    private readonly tools: ToolRegistry,
    private readonly logger: Logger,
    client?: BedrockRuntimeClient,
  ) {
    this.#client = client ?? new BedrockRuntimeClient({ maxAttempts: config.maxAttempts, retryMode: 'adaptive' });
    this.#stats = { modelId: config.modelId, requests: 0, errors: 0, inFlight: 0, usage: emptyUsage() };
  }

  stats(): AgentStats {
    return { ...this.#stats, usage: { ...this.#stats.usage } };
  }

  async reply(request: ChatRequest): Promise<ChatResult> {
    this.#stats.requests += 1;
    this.#stats.inFlight += 1;
    const usage = emptyUsage();
    try {
      const result = await this.#loop(request, usage);
      addUsage(this.#stats.usage, usage);
      return result;
    } catch (error) {
      this.#stats.errors += 1;
      addUsage(this.#stats.usage, usage);
      // Cancelled by the caller (shutdown, client gone): whatever the stream did after that is not a model fault.
      if (request.signal.aborted) throw request.signal.reason;
      throw toModelError(error instanceof InStreamError ? error.cause : error);
    } finally {
      this.#stats.inFlight -= 1;
    }
  }

  async #loop(request: ChatRequest, usage: UsageTotals): Promise<ChatResult> {
    const messages = toConverseMessages(request.history, request.prompt);
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
      const result = await this.#round(messages, request, emit);
      addUsage(usage, result.usage);
      const toolUses = result.content.flatMap((block) => (block.toolUse === undefined ? [] : [block.toolUse]));
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
    return { text: text.trim(), usage, notices };
  }

  async #round(messages: Message[], request: ChatRequest, emit: (delta: string) => void): Promise<RoundResult> {
    for (let attempt = 0; ; attempt += 1) {
      let emitted = false;
      const emitTracked = (delta: string) => {
        emitted = true;
        emit(delta);
      };
      try {
        return this.config.streaming ? await this.#streamRound(messages, request.signal, emitTracked) : await this.#converseRound(messages, request.signal, emitTracked);
      } catch (error) {
        // The SDK retried the request itself; only a failure inside the stream is ours to handle.
        if (!(error instanceof InStreamError) || request.signal.aborted) throw error;
        if (emitted) throw new ModelCutError(`the answer stream failed after some text: ${describeError(error.cause)}`, { cause: error.cause });
        if (attempt >= streamRetryDelaysMs.length || !isRetryableInStream(error.cause)) throw error;
        this.logger.warn('model stream failed before any text; retrying', { attempt: attempt + 1, error: error.cause });
        await delay(streamRetryDelaysMs[attempt], undefined, { signal: request.signal });
      }
    }
  }

  #commonInput(messages: Message[]) {
    const toolConfig = this.tools.toToolConfiguration();
    return {
      modelId: this.config.modelId,
      system: [{ text: this.config.systemPrompt }],
      messages,
      inferenceConfig: {
        maxTokens: this.config.maxTokens,
        ...(this.config.temperature === undefined ? {} : { temperature: this.config.temperature }),
      },
      ...(toolConfig === undefined ? {} : { toolConfig }),
    };
  }

  async #converseRound(messages: Message[], signal: AbortSignal, emit: (delta: string) => void): Promise<RoundResult> {
    const output = await this.#client.send(new ConverseCommand(this.#commonInput(messages)), { abortSignal: signal });
    const content = output.output?.message?.content ?? [];
    const text = content.map((block) => block.text ?? '').join('');
    if (text !== '') emit(text);
    return { content, stopReason: output.stopReason, usage: output.usage };
  }

  async #streamRound(messages: Message[], signal: AbortSignal, emit: (delta: string) => void): Promise<RoundResult> {
    const output = await this.#client.send(new ConverseStreamCommand(this.#commonInput(messages)), { abortSignal: signal });
    if (output.stream === undefined) throw new InStreamError(new ModelCutError('ConverseStream returned no stream'));
    return readConverseStream(output.stream, emit);
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
