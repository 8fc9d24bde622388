import type { Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { TurnOutcome } from '../core/index.js';

/** What status already counts for one chat platform; the adapters need no telemetry code. */
export interface PlatformFigures {
  readonly platform: string;
  readonly received: number;
  readonly answered: number;
  readonly failed: number;
  readonly duplicates: number;
  /** Messages refused by the per-user rate limit. */
  readonly rateLimited: number;
  readonly reconnects: number;
  /** The adapter's status details: `web_api_rate_limited` and `web_api_held_back` (by method), `catch_up` (counts). */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface MetricSources {
  readonly platforms: () => readonly PlatformFigures[];
  readonly inFlight: () => number;
}

export interface TurnRecord {
  readonly platform: string;
  readonly outcome: TurnOutcome;
  readonly latencyMs: number;
  readonly firstTokenMs: number | undefined;
  readonly modelId: string | undefined;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number } | undefined;
}

// Seconds, as the OpenTelemetry semantic conventions measure durations; buckets span a quick
// answer to a long streamed one (the turn deadline is minutes).
const durationBuckets = [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300];
const tokenBuckets = [16, 64, 256, 1024, 4096, 16384, 65536, 262144];

/** The per-turn instruments: recorded when a turn ends, so an idle bot records nothing. */
export class TurnMetrics {
  readonly #duration: Histogram;
  readonly #firstToken: Histogram;
  readonly #tokens: Histogram;

  constructor(meter: Meter) {
    this.#duration = meter.createHistogram('bridge.turn.duration', { unit: 's', description: 'Time from accepting a message to the end of its answer', advice: { explicitBucketBoundaries: durationBuckets } });
    this.#firstToken = meter.createHistogram('bridge.turn.time_to_first_token', { unit: 's', description: 'Time from accepting a message to the model\'s first delta', advice: { explicitBucketBoundaries: durationBuckets } });
    this.#tokens = meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens per turn, by type', advice: { explicitBucketBoundaries: tokenBuckets } });
  }

  recordTurn(turn: TurnRecord): void {
    this.#duration.record(turn.latencyMs / 1000, { 'bridge.platform': turn.platform, 'bridge.outcome': turn.outcome });
    if (turn.firstTokenMs !== undefined) this.#firstToken.record(turn.firstTokenMs / 1000, { 'bridge.platform': turn.platform });
    if (turn.usage === undefined) return;
    const model = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'aws.bedrock', 'gen_ai.request.model': turn.modelId ?? 'unknown' };
    this.#tokens.record(turn.usage.inputTokens, { ...model, 'gen_ai.token.type': 'input' });
    this.#tokens.record(turn.usage.outputTokens, { ...model, 'gen_ai.token.type': 'output' });
  }
}

/**
 * Counters read from what status already counts, at each collection only: answers, failures,
 * duplicates, reconnects, Slack's 429s and held-back calls by method, catch-up results.
 */
export function observeBridge(meter: Meter, sources: MetricSources): void {
  const counter = (name: string, description: string, read: (figures: PlatformFigures, result: ObservableResult) => void) =>
    meter.createObservableCounter(name, { description }).addCallback((result) => {
      for (const figures of sources.platforms()) read(figures, result);
    });
  const byPlatform = (figures: PlatformFigures) => ({ 'bridge.platform': figures.platform });
  counter('bridge.messages.received', 'Messages accepted for an answer (after dedupe)', (f, r) => r.observe(f.received, byPlatform(f)));
  counter('bridge.answers', 'Turns answered', (f, r) => r.observe(f.answered, byPlatform(f)));
  counter('bridge.failures', 'Turns that ended with an error line', (f, r) => r.observe(f.failed, byPlatform(f)));
  counter('bridge.duplicates', 'Redelivered messages dropped', (f, r) => r.observe(f.duplicates, byPlatform(f)));
  counter('bridge.user_rate_limited', 'Messages refused by the per-user limit', (f, r) => r.observe(f.rateLimited, byPlatform(f)));
  counter('bridge.platform.reconnects', 'Platform connections re-established', (f, r) => r.observe(f.reconnects, byPlatform(f)));
  counter('bridge.platform.rate_limited', 'Platform API calls answered 429, by method', (f, r) => observeByMethod(f, 'web_api_rate_limited', r));
  counter('bridge.platform.held_back', 'Platform API calls held back by the bot\'s own budget, by method', (f, r) => observeByMethod(f, 'web_api_held_back', r));
  counter('bridge.catch_up', 'Missed messages catch-up found and what became of them', (f, r) => {
    const catchUp = f.details.catch_up;
    if (!isRecord(catchUp)) return;
    for (const result of ['runs', 'found', 'answered', 'skipped', 'too_old'] as const) {
      const value = catchUp[result];
      if (typeof value === 'number') r.observe(value, { ...byPlatform(f), 'bridge.catch_up.result': result });
    }
  });
  meter.createObservableGauge('bridge.turns.in_flight', { description: 'Turns queued or being answered' }).addCallback((result) => result.observe(sources.inFlight()));
}

function observeByMethod(figures: PlatformFigures, key: 'web_api_rate_limited' | 'web_api_held_back', result: ObservableResult): void {
  const byMethod = figures.details[key];
  if (!isRecord(byMethod)) return;
  for (const [method, count] of Object.entries(byMethod)) {
    if (typeof count === 'number') result.observe(count, { 'bridge.platform': figures.platform, 'bridge.method': method });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
