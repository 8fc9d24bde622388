import type {
  ConverseCommandInput,
  ConverseStreamCommandInput,
  GuardrailConfiguration,
  GuardrailStreamConfiguration,
  Message,
  ToolConfiguration,
} from '@aws-sdk/client-bedrock-runtime';
import { cacheSupportFor, messagesWithCachePoint, systemWithCachePoint, toolsWithCachePoint, type PromptCachingMode } from './prompt-caching.js';

export interface GuardrailSettings {
  /** Guardrail id or ARN. */
  readonly id: string;
  /** A version number or DRAFT. */
  readonly version: string;
}

export interface RequestSettings {
  readonly systemPrompt: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly promptCaching: PromptCachingMode;
  readonly guardrail: GuardrailSettings | undefined;
}

/** One round's request, before it is shaped for Converse or ConverseStream. */
export interface RoundRequest {
  readonly modelId: string;
  readonly messages: readonly Message[];
  /** Index of the user turn this request answers; what precedes it is stable history. */
  readonly currentIndex: number;
  readonly toolConfig: ToolConfiguration | undefined;
}

export function guardrailForConverse(guardrail: GuardrailSettings | undefined): GuardrailConfiguration | undefined {
  return guardrail === undefined ? undefined : { guardrailIdentifier: guardrail.id, guardrailVersion: guardrail.version };
}

/**
 * `sync` (the service's default, set so it cannot drift) has the guardrail check each chunk
 * before it is sent: slower first text, but nothing blocked ever reaches the chat.
 */
export function guardrailForStream(guardrail: GuardrailSettings | undefined): GuardrailStreamConfiguration | undefined {
  return guardrail === undefined ? undefined : { ...guardrailForConverse(guardrail), streamProcessingMode: 'sync' };
}

/** The Converse input for a round: cache points where the model takes them, the guardrail. */
export function converseInput(settings: RequestSettings, round: RoundRequest): ConverseCommandInput {
  const support = cacheSupportFor(round.modelId, settings.promptCaching);
  const toolConfig = toolsWithCachePoint(round.toolConfig, support);
  const guardrailConfig = guardrailForConverse(settings.guardrail);
  return {
    modelId: round.modelId,
    system: systemWithCachePoint([{ text: settings.systemPrompt }], support),
    messages: messagesWithCachePoint(round.messages, round.currentIndex, support),
    inferenceConfig: {
      maxTokens: settings.maxTokens,
      ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
    },
    ...(toolConfig === undefined ? {} : { toolConfig }),
    ...(guardrailConfig === undefined ? {} : { guardrailConfig }),
  };
}

export function converseStreamInput(settings: RequestSettings, round: RoundRequest): ConverseStreamCommandInput {
  const { guardrailConfig: _converseGuardrail, ...input } = converseInput(settings, round);
  const guardrailConfig = guardrailForStream(settings.guardrail);
  return { ...input, ...(guardrailConfig === undefined ? {} : { guardrailConfig }) };
}
