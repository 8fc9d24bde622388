import type { Message, SystemContentBlock, ToolConfiguration } from '@aws-sdk/client-bedrock-runtime';
import { approximateChars } from './converse-messages.js';

export type PromptCachingMode = 'auto' | 'on' | 'off';

/** Where a model takes cache points (Bedrock rejects them where it does not). */
export interface CacheSupport {
  readonly system: boolean;
  readonly tools: boolean;
  readonly messages: boolean;
}

const none: CacheSupport = { system: false, tools: false, messages: false };
const all: CacheSupport = { system: true, tools: true, messages: true };
// Nova caches system and messages but rejects a cache point in toolConfig.tools.
const nova: CacheSupport = { system: true, tools: false, messages: true };

// Claude 3.5 and 3.7 ids are "claude-3-5-…", "claude-3-7-…"; from 4 on, "claude-{family}-4…".
// Claude 3 (haiku/sonnet/opus) has no prompt caching on Bedrock. Ids may carry a region
// prefix (us., eu., global.) or sit inside an inference-profile ARN: match anywhere.
const claudeWithCaching = /anthropic\.claude-(?:3-5|3-7|(?:opus|sonnet|haiku)-\d)/;
const novaWithCaching = /amazon\.nova-(?:micro|lite|pro|premier|2)/;

/**
 * What to mark for a model. `auto` goes by the model id; `on` forces it for ids that say nothing
 * (an application inference profile ARN), keeping Nova's no-tools rule; `off` never marks.
 */
export function cacheSupportFor(modelId: string, mode: PromptCachingMode): CacheSupport {
  if (mode === 'off') return none;
  if (novaWithCaching.test(modelId)) return nova;
  if (claudeWithCaching.test(modelId)) return all;
  return mode === 'on' ? all : none;
}

const cachePoint = { cachePoint: { type: 'default' as const } };

/**
 * Below about 2,000 tokens of history a cache point rarely meets the model's minimum (1,024 to
 * 4,096 tokens) and a cache write costs more than plain input, so short histories go unmarked.
 */
export const historyCacheMinChars = 8000;

export function systemWithCachePoint(system: SystemContentBlock[], support: CacheSupport): SystemContentBlock[] {
  return support.system ? [...system, cachePoint] : system;
}

export function toolsWithCachePoint(toolConfig: ToolConfiguration | undefined, support: CacheSupport): ToolConfiguration | undefined {
  if (toolConfig === undefined || !support.tools) return toolConfig;
  return { ...toolConfig, tools: [...(toolConfig.tools ?? []), cachePoint] };
}

/**
 * Marks the end of the stable history: the last message before `currentIndex` (the user turn
 * this request answers), so the next turn and every tool round of this one read it from cache.
 * Returns a new array; the messages passed in stay clean for a model without caching.
 */
export function messagesWithCachePoint(messages: readonly Message[], currentIndex: number, support: CacheSupport): Message[] {
  const stableEnd = currentIndex - 1;
  const stable = messages[stableEnd];
  if (!support.messages || stable === undefined || approximateChars(messages.slice(0, currentIndex)) < historyCacheMinChars) {
    return [...messages];
  }
  const copy = [...messages];
  copy[stableEnd] = { ...stable, content: [...(stable.content ?? []), cachePoint] };
  return copy;
}
