import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config/index.js';
import { observeBridge, TurnMetrics } from './bridge-metrics.js';
import { OtlpMetricExporter, OtlpSpanExporter, sessionStamp } from './exporters.js';
import type { Telemetry, TelemetryOptions } from './index.js';
import { TurnTracer } from './turn-tracer.js';

const scope = 'agentcore-chat-bridge';

/**
 * The OpenTelemetry SDK, wired by hand from the parsed config: every setting is passed in, so the
 * SDK's own environment readers find nothing left to decide.
 */
export function startPipeline(config: TelemetryConfig, options: TelemetryOptions): Telemetry {
  const logger = options.logger;
  const resource = resourceFromAttributes({
    ...config.resourceAttributes,
    'service.name': config.serviceName,
    'service.version': options.imageVersion,
    // ADOT marks agents so; the GenAI Observability pages list services of this type.
    ...(config.agentObservability ? { 'aws.service.type': 'gen_ai_agent' } : {}),
  });
  const stamp = sessionStamp(options.sessionId);

  const tracerProvider =
    config.traces === null
      ? undefined
      : new BasicTracerProvider({
          resource,
          // Every turn is kept: chat traffic is low and a missed failure is the one that matters.
          sampler: new AlwaysOnSampler(),
          spanProcessors: [
            new BatchSpanProcessor(new OtlpSpanExporter(config.traces, config.exportTimeoutMs, stamp, logger), {
              scheduledDelayMillis: config.spanDelayMs,
              maxQueueSize: 2048,
              maxExportBatchSize: 512,
              exportTimeoutMillis: config.exportTimeoutMs * 2,
            }),
          ],
        });
  const meterProvider =
    config.metrics === null
      ? undefined
      : new MeterProvider({
          resource,
          readers: [
            new PeriodicExportingMetricReader({
              exporter: new OtlpMetricExporter(config.metrics, config.exportTimeoutMs, stamp, logger),
              exportIntervalMillis: config.metricIntervalMs,
              exportTimeoutMillis: Math.min(config.metricIntervalMs, config.exportTimeoutMs * 2),
            }),
          ],
        });
  const meter = meterProvider?.getMeter(scope);
  if (meter !== undefined) observeBridge(meter, options.sources);
  const observer = new TurnTracer({
    tracer: tracerProvider?.getTracer(scope),
    metrics: meter === undefined ? undefined : new TurnMetrics(meter),
    modelId: options.modelId,
    agentName: config.serviceName,
    sessionId: options.sessionId,
  });
  logger.info('telemetry on', {
    traces: config.traces === null ? null : describe(config.traces.url, config.traces.signing !== null),
    metrics: config.metrics === null ? null : describe(config.metrics.url, config.metrics.signing !== null),
  });

  return {
    observer,
    async shutdown(timeoutMs) {
      // Shutdown flushes: the spans still batched and one last collection of every counter.
      const flushed = Promise.allSettled([tracerProvider?.shutdown(), meterProvider?.shutdown()]).then(() => true);
      const done = await Promise.race([flushed, new Promise<false>((resolve) => setTimeout(resolve, timeoutMs, false).unref())]);
      if (!done) logger.warn('telemetry flush did not finish in time', { timeoutMs });
    },
  };
}

function describe(url: string, signed: boolean): string {
  return `${new URL(url).origin}${new URL(url).pathname}${signed ? ' (SigV4)' : ''}`;
}
