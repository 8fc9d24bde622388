// What the fake says: the deterministic default responder, and turning any FakeReply into the
// blocks, deltas and token counts both operations send.
import { createHash, type Hash } from 'node:crypto';
import type { ConverseBody, FakeReply, FakeUsage, RecordedBedrockRequest } from './types.js';
import { isRecord, listedTools } from './validate.js';
import { guardedText, isCachePoint } from './validate-request.js';
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
 * `[tool:NAME]` in the text calls NAME with `{}`, anything else gets `Echo: <text>`, where the
 * text includes guardContent text, followed by what files came with it, so tests can assert on
 * them: `Echo: look [images: 2 png, jpeg] [documents: report.pdf]`.
 */
export function defaultResponder(request: RecordedBedrockRequest): FakeReply {
  const messages = request.body.messages as Message[];
  const last = messages.findLast((m) => m.role === 'user');
  const content: Block[] = last?.content ?? [];
  const results = content.flatMap((b) => (isRecord(b.toolResult) ? [b.toolResult] : []));
  if (results.length > 0) {
    return { text: results.map((r) => `Tool result: ${JSON.stringify(r.content)}`).join('\n') };
  }
  const text = content.flatMap((b) => (typeof b.text === 'string' ? [b.text] : (guardedText(b) ?? []))).join('\n');
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
  return { text: `Echo: ${text}${describeFiles(content)}` };
}

function describeFiles(content: Block[]): string {
  const images = content.flatMap((b) => (isRecord(b.image) ? [String(b.image.format)] : []));
  const documents = content.flatMap((b) => (isRecord(b.document) ? [`${String(b.document.name)}.${String(b.document.format)}`] : []));
  return (images.length > 0 ? ` [images: ${images.length} ${images.join(', ')}]` : '') + (documents.length > 0 ? ` [documents: ${documents.join(', ')}]` : '');
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

export interface ReplyContext {
  /** Prompt prefixes already written to the cache: hashes of model id plus every block before a cache point. */
  cache: Set<string>;
  nextToolUseId: () => string;
}

export function planReply(reply: FakeReply, body: ConverseBody, modelId: string, context: ReplyContext): PlannedReply {
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
    usage: countUsage(body, modelId, outputChars, reply.usage ?? {}, context.cache),
  };
}

// Bedrock counts cached prefix tokens apart from inputTokens, and totalTokens includes them.
function countUsage(body: ConverseBody, modelId: string, outputChars: number, override: Partial<FakeUsage>, cache: Set<string>): PlannedReply['usage'] {
  const all = tokens(JSON.stringify([body.system, body.messages, body.toolConfig]).length);
  const cached = cachePrefix(body, modelId, cache);
  const cacheUsage: Partial<FakeUsage> = {};
  if (cached.read > 0) cacheUsage.cacheReadInputTokens = cached.read;
  if (cached.written > 0) cacheUsage.cacheWriteInputTokens = cached.written;
  const usage = { ...cacheUsage, inputTokens: Math.max(1, all - cached.read - cached.written), outputTokens: tokens(outputChars), ...override };
  const total =
    usage.inputTokens + usage.outputTokens + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0);
  return { ...usage, totalTokens: override.totalTokens ?? total };
}

/**
 * The prompt cache as Bedrock keeps it, per model: each cache point writes the prefix before it
 * (in the order tools, system, messages); a request reads the longest prefix an earlier request
 * wrote, found at any block boundary up to its last cache point (Claude looks back for a hit),
 * and writes the rest. Models' minimum prefix sizes are not modelled: any cache point caches.
 */
function cachePrefix(body: ConverseBody, modelId: string, cache: Set<string>): { read: number; written: number } {
  const segments: { block: unknown; cachePoint: boolean }[] = [];
  const tools = isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools) ? (body.toolConfig.tools as unknown[]) : [];
  for (const block of tools) segments.push({ block: ['tools', block], cachePoint: isCachePoint(block) });
  for (const block of Array.isArray(body.system) ? (body.system as unknown[]) : []) segments.push({ block: ['system', block], cachePoint: isCachePoint(block) });
  for (const [i, m] of ((body.messages ?? []) as Message[]).entries()) {
    for (const block of m.content) segments.push({ block: [i, m.role, block], cachePoint: isCachePoint(block) });
  }
  const last = segments.findLastIndex((s) => s.cachePoint);
  if (last < 0) return { read: 0, written: 0 };
  const hash: Hash = createHash('sha256').update(modelId);
  let chars = 0;
  let read = 0;
  const points: string[] = [];
  for (const segment of segments.slice(0, last + 1)) {
    if (segment.cachePoint) {
      points.push(hash.copy().digest('hex'));
      continue;
    }
    const json = JSON.stringify(segment.block);
    chars += json.length;
    hash.update(json);
    if (cache.has(hash.copy().digest('hex'))) read = chars;
  }
  for (const key of points) cache.add(key);
  return { read: tokens(read), written: tokens(chars) - tokens(read) };
}
