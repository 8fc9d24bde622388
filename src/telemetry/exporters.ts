import { setTimeout as delay } from 'node:timers/promises';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { OtlpPoster } from './otlp-http.js';

/** One retry after a short pause: enough for a blip, short enough for the shutdown flush. */
const retryDelayMs = 500;

/** Shared by both exporters: posting, one retry, and a log line when export starts or stops failing. */
class Delivery {
  readonly #poster: OtlpPoster;
  #failing = false;
  #closed = false;

  constructor(
    target: OtlpTarget,
    timeoutMs: number,
    private readonly signal: 'traces' | 'metrics',
    private readonly logger: Logger,
  ) {
    this.#poster = new OtlpPoster(target, timeoutMs);
  }

  async deliver(body: Uint8Array | undefined): Promise<ExportResult> {
    if (body === undefined || this.#closed) return { code: ExportResultCode.FAILED };
    let result = await this.#poster.post(body);
    if (!result.ok && result.retryable) {
      await delay(retryDelayMs, undefined, { ref: false });
      result = await this.#poster.post(body);
    }
    if (result.ok) {
      if (this.#failing) this.logger.info('telemetry export recovered', { signal: this.signal });
      this.#failing = false;
      return { code: ExportResultCode.SUCCESS };
    }
    if (!this.#failing) this.logger.warn('telemetry export failing; dropping this batch', { signal: this.signal, reason: result.reason });
    this.#failing = true;
    return { code: ExportResultCode.FAILED, error: new Error(result.reason) };
  }

  close(): void {
    this.#closed = true;
    this.#poster.close();
  }
}

/**
 * Stamps what becomes known after start-up (the AgentCore session id) onto the resource at export
 * time: one process serves one runtime session, but learns its id only from the first invocation.
 */
export type ResourceStamp = (resource: Resource) => Resource;

export function sessionStamp(sessionId: () => string | null): ResourceStamp {
  return (resource) => {
    const id = sessionId();
    return id === null ? resource : resource.merge(resourceFromAttributes({ 'session.id': id }));
  };
}

export class OtlpSpanExporter implements SpanExporter {
  readonly #delivery: Delivery;

  constructor(
    target: OtlpTarget,
    timeoutMs: number,
    private readonly stamp: ResourceStamp,
    logger: Logger,
  ) {
    this.#delivery = new Delivery(target, timeoutMs, 'traces', logger);
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    // A view of each span with the stamped resource; everything else reads through to the span.
    const stamped = spans.map((span) => Object.create(span, { resource: { value: this.stamp(span.resource) } }) as ReadableSpan);
    void this.#delivery.deliver(ProtobufTraceSerializer.serializeRequest(stamped)).then(done);
  }

  shutdown(): Promise<void> {
    this.#delivery.close();
    return Promise.resolve();
  }
}

export class OtlpMetricExporter implements PushMetricExporter {
  readonly #delivery: Delivery;

  constructor(
    target: OtlpTarget,
    timeoutMs: number,
    private readonly stamp: ResourceStamp,
    logger: Logger,
  ) {
    this.#delivery = new Delivery(target, timeoutMs, 'metrics', logger);
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    void this.#delivery.deliver(ProtobufMetricsSerializer.serializeRequest({ ...metrics, resource: this.stamp(metrics.resource) })).then(done);
  }

  /** Cumulative, the SDK's default: a lost export loses no counts, and a new session starts from zero with its own start time. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.#delivery.close();
    return Promise.resolve();
  }
}
