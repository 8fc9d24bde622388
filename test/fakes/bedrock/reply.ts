// What the fake says: the deterministic default responder, and turning any FakeReply into the
// blocks, deltas and token counts both operations send.
import type { ConverseBody, FakeReply, FakeUsage, RecordedBedrockRequest } from './types.js';
import { isRecord, listedTools } from './validate.js';
import type { Block, Message } from './validate.js';

/**
 * Thrown by a responder (or the default one) to answer with an HTTP error instead of a reply;
 * `type` goes to `x-amzn-errortype`, which is what the SDK maps to its exception classes.
 */
export class FakeBedrockError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'FakeBedrockError';
  }
}

/**
 * Answers the last user message: a toolResult gives `Tool result: <JSON of its content>`,
 * `[tool:NAME]` in the text calls NAME with `{}`, anything else gets `Echo: <text>`.
 */
export function defaultResponder(request: RecordedBedrockRequest): FakeReply {
  const messages = request.body.messages as Message[];
  const last = messages.findLast((m) => m.role === 'user');
  const content: Block[] = last?.content ?? [];
  const results = content.flatMap((b) => (isRecord(b.toolResult) ? [b.toolResult] : []));
  if (results.length > 0) {
    return { text: results.map((r) => `Tool result: ${JSON.stringify(r.content)}`).join('\n') };
  }
  const text = content.flatMap((b) => (typeof b.text === 'string' ? [b.text] : [])).join('\n');
  const name = /\[tool:([^\]\s]+)\]/.exec(text)?.[1];
  if (name !== undefined) {
    if (!listedTools(request.body).includes(name)) {
      throw new FakeBedrockError(
        400,
        'ValidationException',
        `The model asked for tool ${name}, which the request's toolConfig.tools does not define. Add a toolSpec named ${name} and try again.`,
      );
    }
    return { toolUse: { name, input: {} } };
  }
  return { text: `Echo: ${text}` };
}

export interface PlannedToolUse {
  toolUseId: string;
  name: string;
  input: unknown;
  /** The JSON of `input`, cut the way ConverseStream sends it. */
  inputChunks: string[];
}

export interface PlannedReply {
  /** Undefined when the reply is a bare tool call: no text block at all. */
  text: string | undefined;
  textChunks: string[];
  toolUse: PlannedToolUse | undefined;
  stopReason: string;
  usage: Partial<FakeUsage> & Pick<FakeUsage, 'inputTokens' | 'outputTokens' | 'totalTokens'>;
}

// Ten characters per delta: enough deltas to exercise reassembly, few enough to read in a log.
function cut(text: string): string[] {
  return text === '' ? [''] : (text.match(/[\s\S]{1,10}/g) ?? []);
}

const tokens = (chars: number): number => Math.ceil(chars / 4);

function hasCachePoint(body: ConverseBody): boolean {
  const blocks: unknown[] = [];
  if (Array.isArray(body.system)) blocks.push(...(body.system as unknown[]));
  if (isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools)) blocks.push(...(body.toolConfig.tools as unknown[]));
  for (const m of (body.messages ?? []) as Message[]) blocks.push(...m.content);
  return blocks.some((b) => isRecord(b) && 'cachePoint' in b);
}

export interface ReplyContext {
  /** Prefixes already written to the prompt cache, keyed by the JSON of system + toolConfig. */
  cache: Set<string>;
  nextToolUseId: () => string;
}

export function planReply(reply: FakeReply, body: ConverseBody, context: ReplyContext): PlannedReply {
  const toolUse = reply.toolUse
    ? {
        toolUseId: reply.toolUse.toolUseId ?? context.nextToolUseId(),
        name: reply.toolUse.name,
        input: reply.toolUse.input,
        inputChunks: cut(JSON.stringify(reply.toolUse.input ?? {})),
      }
    : undefined;
  const text = reply.chunks ? reply.chunks.join('') : (reply.text ?? (toolUse ? undefined : ''));
  const textChunks = reply.chunks ?? (text === undefined ? [] : cut(text));
  const outputChars = (text ?? '').length + (toolUse ? toolUse.name.length + JSON.stringify(toolUse.input ?? {}).length : 0);
  return {
    text,
    textChunks,
    toolUse,
    stopReason: reply.stopReason ?? (toolUse ? 'tool_use' : 'end_turn'),
    usage: countUsage(body, outputChars, reply.usage ?? {}, context.cache),
  };
}

// Bedrock counts cached prefix tokens apart from inputTokens, and totalTokens includes them.
function countUsage(body: ConverseBody, outputChars: number, override: Partial<FakeUsage>, cache: Set<string>): PlannedReply['usage'] {
  const all = tokens(JSON.stringify([body.system, body.messages, body.toolConfig]).length);
  const cacheUsage: Partial<FakeUsage> = {};
  let cached = 0;
  if (hasCachePoint(body)) {
    const key = JSON.stringify([body.system, body.toolConfig]);
    cached = tokens(key.length);
    if (cache.has(key)) cacheUsage.cacheReadInputTokens = cached;
    else cacheUsage.cacheWriteInputTokens = cached;
    cache.add(key);
  }
  const usage = { ...cacheUsage, inputTokens: Math.max(1, all - cached), outputTokens: tokens(outputChars), ...override };
  const total =
    usage.inputTokens + usage.outputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  return { ...usage, totalTokens: override.totalTokens ?? total };
}
