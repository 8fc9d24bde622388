import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ContentBlock,
  type ConverseStreamOutput,
  type Message,
  type TokenUsage as BedrockUsage,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { setTimeout as delay } from 'node:timers/promises';
import type { AgentConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { toConverseMessages } from './converse-messages.js';
import { ModelCutError, toModelError } from './model-errors.js';
import type { ToolRegistry } from './tool-registry.js';
import type { AgentStats, ChatAgent, ChatRequest, ChatResult, UsageTotals } from './types.js';

interface RoundResult {
  readonly content: ContentBlock[];
  readonly text: string;
  readonly stopReason: string | undefined;
  readonly usage: BedrockUsage | undefined;
}

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
    const notices: string[] = [];
    try {
      const messages = toConverseMessages(request.history, request.prompt);
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
      addUsage(this.#stats.usage, usage);
      return { text: text.trim(), usage, notices };
    } catch (error) {
      this.#stats.errors += 1;
      addUsage(this.#stats.usage, usage);
      throw toModelError(error);
    } finally {
      this.#stats.inFlight -= 1;
    }
  }

  async #round(messages: Message[], request: ChatRequest, emit: (delta: string) => void): Promise<RoundResult> {
    for (let attempt = 0; ; attempt += 1) {
      let emitted = false;
      try {
        return await (this.config.streaming ? this.#streamRound : this.#converseRound).call(this, messages, request.signal, (delta) => {
          emitted = true;
          emit(delta);
        });
      } catch (error) {
        const retryable = !emitted && attempt < streamRetryDelaysMs.length && isRetryableInStream(error) && !request.signal.aborted;
        if (!retryable) throw error;
        this.logger.warn('model stream failed before any text; retrying', { attempt: attempt + 1, error });
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
    return { content, text, stopReason: output.stopReason, usage: output.usage };
  }

  async #streamRound(messages: Message[], signal: AbortSignal, emit: (delta: string) => void): Promise<RoundResult> {
    const output = await this.#client.send(new ConverseStreamCommand(this.#commonInput(messages)), { abortSignal: signal });
    const blocks = new Map<number, { text: string; toolUse?: { toolUseId: string; name: string; input: string } }>();
    let stopReason: string | undefined;
    let usage: BedrockUsage | undefined;
    for await (const event of output.stream ?? []) {
      throwIfStreamException(event);
      if (event.contentBlockStart?.start?.toolUse !== undefined) {
        const { toolUseId = '', name = '' } = event.contentBlockStart.start.toolUse;
        blocks.set(event.contentBlockStart.contentBlockIndex ?? 0, { text: '', toolUse: { toolUseId, name, input: '' } });
      } else if (event.contentBlockDelta !== undefined) {
        const index = event.contentBlockDelta.contentBlockIndex ?? 0;
        const block = blocks.get(index) ?? { text: '' };
        blocks.set(index, block);
        const delta = event.contentBlockDelta.delta;
        if (delta?.text !== undefined) {
          block.text += delta.text;
          emit(delta.text);
        } else if (delta?.toolUse?.input !== undefined && block.toolUse !== undefined) {
          block.toolUse.input += delta.toolUse.input;
        }
      } else if (event.messageStop !== undefined) {
        stopReason = event.messageStop.stopReason;
      } else if (event.metadata !== undefined) {
        usage = event.metadata.usage;
      }
    }
    if (stopReason === undefined) throw new ModelCutError('the model stream ended without messageStop');
    const ordered = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
    const content: ContentBlock[] = ordered.flatMap((block): ContentBlock[] => {
      if (block.toolUse !== undefined) return [{ toolUse: { ...block.toolUse, input: parseToolInput(block.toolUse.input) } }];
      return block.text === '' ? [] : [{ text: block.text }];
    });
    return { content, text: ordered.map((block) => block.text).join(''), stopReason, usage };
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

function throwIfStreamException(event: ConverseStreamOutput): void {
  const exceptions: [string, { message?: string | undefined } | undefined][] = [
    ['ThrottlingException', event.throttlingException],
    ['ModelStreamErrorException', event.modelStreamErrorException],
    ['InternalServerException', event.internalServerException],
    ['ServiceUnavailableException', event.serviceUnavailableException],
    ['ValidationException', event.validationException],
  ];
  for (const [name, body] of exceptions) {
    if (body === undefined) continue;
    const error = new Error(body.message ?? name);
    error.name = name;
    throw error;
  }
}

function isRetryableInStream(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return (
    error instanceof ModelCutError ||
    ['ThrottlingException', 'ModelStreamErrorException', 'InternalServerException', 'ServiceUnavailableException'].includes(name) ||
    /ERR_HTTP2_STREAM_ERROR|ECONNRESET/.test(String((error as { code?: unknown }).code ?? ''))
  );
}

function parseToolInput(raw: string): never {
  if (raw.trim() === '') return {} as never;
  try {
    return JSON.parse(raw) as never;
  } catch {
    return { raw } as never;
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
