import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { InboundMessage, TurnObserver, TurnOutcome, TurnPhase, TurnTrace } from '../core/index.js';
import type { TurnMetrics } from './bridge-metrics.js';

export interface TurnTracerOptions {
  readonly tracer: Tracer | undefined;
  readonly metrics: TurnMetrics | undefined;
  /** The configured model (what each turn asks for first). */
  readonly modelId: string;
  readonly agentName: string;
  readonly sessionId: () => string | null;
}

/**
 * One root span per turn (`invoke_agent`, with the GenAI semantic-convention attributes the
 * CloudWatch GenAI Observability pages read) and one child per phase: receive, history, the model
 * call (`chat <model>`), reply. Only identifiers and numbers go on spans: never message text.
 */
export class TurnTracer implements TurnObserver {
  constructor(private readonly options: TurnTracerOptions) {}

  begin(message: InboundMessage): TurnTrace {
    return new TracedTurn(this.options, message);
  }
}

class TracedTurn implements TurnTrace {
  readonly #startedAt = performance.now();
  readonly #root: Span | undefined;
  #phase: Span | undefined;
  #phaseName: TurnPhase = 'receive';
  #firstTokenMs: number | undefined;
  #modelId: string | undefined;
  #usage: { inputTokens: number; outputTokens: number } | undefined;
  #ended = false;

  constructor(
    private readonly options: TurnTracerOptions,
    private readonly message: InboundMessage,
  ) {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': options.agentName,
      'gen_ai.request.model': options.modelId,
      'bridge.platform': message.platform,
      'bridge.conversation': message.conversationKey,
      'bridge.message_id': message.messageId,
      'bridge.late': message.late === true,
      'bridge.files': message.files?.length ?? 0,
      ...this.#session(),
    };
    const at = epochMs();
    this.#root = options.tracer?.startSpan(`invoke_agent ${options.agentName}`, { kind: SpanKind.SERVER, startTime: at, attributes });
    this.#phase = this.#child('receive', at);
  }

  phase(phase: TurnPhase): void {
    if (this.#ended) return;
    // One instant ends a phase and starts the next, so the children tile the turn exactly.
    const at = epochMs();
    this.#phase?.end(at);
    this.#phaseName = phase;
    this.#phase = this.#child(phase, at);
  }

  firstToken(): void {
    this.#firstTokenMs ??= performance.now() - this.#startedAt;
    this.#phase?.addEvent('gen_ai.first_token', { 'bridge.time_to_first_token_ms': Math.round(this.#firstTokenMs) });
  }

  model(modelId: string | undefined, usage: { readonly inputTokens: number; readonly outputTokens: number }): void {
    this.#modelId = modelId ?? this.options.modelId;
    this.#usage = { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens };
    if (this.#phaseName === 'model') this.#phase?.setAttributes(this.#modelAttributes());
  }

  end(outcome: TurnOutcome, error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const latencyMs = performance.now() - this.#startedAt;
    const failed = outcome !== 'answered';
    const errorType = failed ? errorTypeOf(error, outcome) : undefined;
    for (const span of [this.#phase, this.#root]) {
      if (span === undefined) continue;
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      if (errorType !== undefined) span.setAttribute('error.type', errorType);
    }
    const at = epochMs();
    this.#phase?.end(at);
    this.#root?.setAttributes({
      ...this.#session(),
      ...this.#modelAttributes(),
      'bridge.outcome': outcome,
      'bridge.latency_ms': Math.round(latencyMs),
      ...(this.#firstTokenMs === undefined ? {} : { 'bridge.time_to_first_token_ms': Math.round(this.#firstTokenMs) }),
    });
    this.#root?.end(at);
    this.options.metrics?.recordTurn({ platform: this.message.platform, outcome, latencyMs, firstTokenMs: this.#firstTokenMs, modelId: this.#modelId, usage: this.#usage });
  }

  #child(phase: TurnPhase, at: number): Span | undefined {
    if (this.options.tracer === undefined || this.#root === undefined) return undefined;
    // Parented explicitly: no context manager is registered, the bot traces nothing else.
    const parent = trace.setSpan(ROOT_CONTEXT, this.#root);
    const isModel = phase === 'model';
    return this.options.tracer.startSpan(
      isModel ? `chat ${this.options.modelId}` : phase,
      isModel
        ? { kind: SpanKind.CLIENT, startTime: at, attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.system': 'aws.bedrock', 'gen_ai.request.model': this.options.modelId, ...this.#session() } }
        : { startTime: at, attributes: { 'bridge.phase': phase, ...this.#session() } },
      parent,
    );
  }

  #modelAttributes(): Attributes {
    if (this.#usage === undefined) return {};
    return {
      'gen_ai.response.model': this.#modelId ?? this.options.modelId,
      'gen_ai.usage.input_tokens': this.#usage.inputTokens,
      'gen_ai.usage.output_tokens': this.#usage.outputTokens,
    };
  }

  /** `session.id` is what CloudWatch groups an agent's sessions by (ADOT copies it from baggage). */
  #session(): Attributes {
    const id = this.options.sessionId();
    return id === null ? {} : { 'session.id': id };
  }
}

/** Epoch milliseconds with sub-millisecond precision (the SDK's own clock mixes in Date.now()). */
function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The error's code (BridgeError) or class name, never its message (it may quote the model or the user). */
function errorTypeOf(error: unknown, outcome: TurnOutcome): string {
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  if (error instanceof Error) return error.name;
  return outcome;
}
