// Request-level checks beyond the messages: guardrailConfig, cache points and guardContent, as
// Bedrock makes them before any model runs. Wording follows the service's ValidationException.
import type { BedrockOperation, ConverseBody } from './types.js';
import { isRecord } from './validate.js';
import type { Block, Message } from './validate.js';

// From the API reference of GuardrailConfiguration / GuardrailStreamConfiguration.
export const GUARDRAIL_ID = /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/;
export const GUARDRAIL_VERSION = /^(?:[1-9][0-9]{0,7}|DRAFT)$/;
const TRACE = new Set(['enabled', 'disabled', 'enabled_full']);
// Anthropic's limit, which Bedrock passes on: at most four cache checkpoints per request.
const MAX_CACHE_POINTS = 4;
// Nova caches system and messages but takes no cache point among the tools.
const NO_TOOL_CACHE = /amazon\.nova-/;

export function validateGuardrail(body: ConverseBody, operation: BedrockOperation): string | undefined {
  const config = body.guardrailConfig;
  if (config === undefined) return undefined;
  if (!isRecord(config)) return 'The guardrailConfig field must be an object.';
  const { guardrailIdentifier: id, guardrailVersion: version, trace, streamProcessingMode: mode } = config;
  if (typeof id !== 'string' || !GUARDRAIL_ID.test(id)) {
    return `The value at guardrailConfig.guardrailIdentifier failed to satisfy constraint: Member must satisfy regular expression pattern: ${GUARDRAIL_ID.source}`;
  }
  if (typeof version !== 'string' || !GUARDRAIL_VERSION.test(version)) {
    return `The value at guardrailConfig.guardrailVersion failed to satisfy constraint: Member must satisfy regular expression pattern: ${GUARDRAIL_VERSION.source}`;
  }
  if (trace !== undefined && (typeof trace !== 'string' || !TRACE.has(trace))) {
    return 'The value at guardrailConfig.trace must be one of enabled, disabled, enabled_full.';
  }
  if (mode !== undefined && operation === 'converse') {
    return 'The guardrailConfig.streamProcessingMode field is only valid for ConverseStream. Remove it from the Converse request.';
  }
  if (mode !== undefined && mode !== 'sync' && mode !== 'async') {
    return 'The value at guardrailConfig.streamProcessingMode must be one of sync, async.';
  }
  return undefined;
}

/** Cache points: well formed, at most four, and never among the tools for a Nova model. */
export function validateCachePoints(body: ConverseBody, modelId: string): string | undefined {
  const tools = isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools) ? (body.toolConfig.tools as unknown[]) : [];
  const system = Array.isArray(body.system) ? (body.system as unknown[]) : [];
  const messages = Array.isArray(body.messages) ? (body.messages as Message[]) : [];
  const inTools = tools.filter(isCachePoint);
  const all = [...inTools, ...system.filter(isCachePoint), ...messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter(isCachePoint) : []))];
  for (const block of all) {
    const point = (block as Block).cachePoint;
    if (!isRecord(point) || point.type !== 'default') return "The cachePoint type must be 'default'.";
  }
  if (all.length > MAX_CACHE_POINTS) return `A maximum of ${MAX_CACHE_POINTS} cachePoint blocks may be provided. Found ${all.length}.`;
  if (inTools.length > 0 && NO_TOOL_CACHE.test(modelId)) {
    return `The model ${modelId} does not support a cachePoint in toolConfig.tools. Remove it and try again.`;
  }
  for (const [i, message] of messages.entries()) {
    if (Array.isArray(message.content) && message.content.length > 0 && message.content.every(isCachePoint)) {
      return `The content at messages.${i} holds only a cachePoint. Put the cachePoint after the content it ends.`;
    }
  }
  return undefined;
}

export function isCachePoint(block: unknown): boolean {
  return isRecord(block) && 'cachePoint' in block;
}

/** The text a guardContent block carries, or undefined. */
export function guardedText(block: Block): string | undefined {
  const guard = block.guardContent;
  if (!isRecord(guard) || !isRecord(guard.text)) return undefined;
  return typeof guard.text.text === 'string' ? guard.text.text : undefined;
}
