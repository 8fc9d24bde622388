import type { ContentBlock, ConverseStreamOutput, TokenUsage as BedrockUsage } from '@aws-sdk/client-bedrock-runtime';
import { ModelCutError } from './model-errors.js';

/** What one Converse round produced. */
export interface RoundResult {
  readonly content: ContentBlock[];
  readonly stopReason: string | undefined;
  readonly usage: BedrockUsage | undefined;
}

interface BlockState {
  text: string;
  toolUse?: { toolUseId: string; name: string; input: string };
}

/**
 * Reads a ConverseStream: emits text as it comes, assembles tool-use blocks
 * from their JSON fragments, and keeps the stop reason and usage.
 */
export async function readConverseStream(stream: AsyncIterable<ConverseStreamOutput>, emit: (delta: string) => void): Promise<RoundResult> {
  const blocks = new Map<number, BlockState>();
  let stopReason: string | undefined;
  let usage: BedrockUsage | undefined;
  try {
    for await (const event of stream) {
      throwIfStreamException(event);
      if (event.contentBlockStart?.start?.toolUse !== undefined) {
        const { toolUseId = '', name = '' } = event.contentBlockStart.start.toolUse;
        blocks.set(event.contentBlockStart.contentBlockIndex ?? 0, { text: '', toolUse: { toolUseId, name, input: '' } });
      } else if (event.contentBlockDelta !== undefined) {
        applyDelta(blocks, event.contentBlockDelta, emit);
      } else if (event.messageStop !== undefined) {
        stopReason = event.messageStop.stopReason;
      } else if (event.metadata !== undefined) {
        usage = event.metadata.usage;
      }
    }
  } catch (error) {
    throw new InStreamError(error);
  }
  // Over HTTP/2 a dropped connection just ends the iterator: only the missing messageStop shows the cut.
  if (stopReason === undefined) throw new InStreamError(new ModelCutError('the model stream ended without messageStop'));
  return { content: toContent(blocks), stopReason, usage };
}

function applyDelta(blocks: Map<number, BlockState>, event: NonNullable<ConverseStreamOutput['contentBlockDelta']>, emit: (delta: string) => void): void {
  const index = event.contentBlockIndex ?? 0;
  const block = blocks.get(index) ?? { text: '' };
  blocks.set(index, block);
  const delta = event.delta;
  if (delta?.text !== undefined) {
    block.text += delta.text;
    emit(delta.text);
  } else if (delta?.toolUse?.input !== undefined && block.toolUse !== undefined) {
    block.toolUse.input += delta.toolUse.input;
  }
}

function toContent(blocks: Map<number, BlockState>): ContentBlock[] {
  return [...blocks.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([, block]): ContentBlock[] => {
      if (block.toolUse !== undefined) return [{ toolUse: { ...block.toolUse, input: parseToolInput(block.toolUse.input) } }];
      return block.text === '' ? [] : [{ text: block.text }];
    });
}

/** Marks a failure while reading the stream, which the SDK never retries. */
export class InStreamError extends Error {
  constructor(override readonly cause: unknown) {
    super(describeError(cause), { cause });
    this.name = 'InStreamError';
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Failures inside a stream worth one more try when no text was shown yet. */
export function isRetryableInStream(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof ModelCutError ||
    ['ThrottlingException', 'ModelStreamErrorException', 'InternalServerException', 'ServiceUnavailableException'].includes(name) ||
    (typeof code === 'string' && /ERR_HTTP2_STREAM_ERROR|ECONNRESET/.test(code))
  );
}

/** Exceptions the service sends as stream events (the SDK may also throw them itself). */
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

function parseToolInput(raw: string): never {
  if (raw.trim() === '') return {} as never;
  try {
    return JSON.parse(raw) as never;
  } catch {
    return { raw } as never;
  }
}
