/**
 * OpenTelemetry for AgentCore Observability: a span per turn and the bot's counters, exported
 * over OTLP/HTTP. This file imports no OpenTelemetry module: the pipeline is loaded with a dynamic
 * import only when the config turns telemetry on, so an unconfigured bot loads and does nothing.
 */
import type { TelemetryConfig } from '../config/index.js';
import type { TurnObserver, TurnTrace } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { MetricSources } from './bridge-metrics.js';

export type { MetricSources, PlatformFigures } from './bridge-metrics.js';

export interface TelemetryOptions {
  readonly logger: Logger;
  readonly imageVersion: string;
  readonly modelId: string;
  /** The AgentCore runtime session id, once an invocation has carried it. */
  readonly sessionId: () => string | null;
  readonly sources: MetricSources;
}

export interface Telemetry {
  /** Handed to the Bridge: traces and times each turn. */
  readonly observer: TurnObserver;
  /** Exports what is still buffered, within `timeoutMs`, and stops. */
  shutdown(timeoutMs: number): Promise<void>;
}

/**
 * Starts telemetry when `config` is not null; otherwise returns undefined having loaded nothing.
 * Returns at once: the SDK loads meanwhile, so start-up (the first /ping) does not wait for it,
 * and a turn that began before it was ready is simply not traced.
 */
export function startTelemetry(config: TelemetryConfig | null, options: TelemetryOptions): Telemetry | undefined {
  if (config === null) return undefined;
  let pipeline: Telemetry | undefined;
  const loading = import('./pipeline.js').then(
    ({ startPipeline }) => (pipeline = startPipeline(config, options)),
    (error: unknown) => {
      options.logger.error('telemetry could not start; running without it', { error });
      return undefined;
    },
  );
  return {
    observer: { begin: (message) => pipeline?.observer.begin(message) ?? untraced },
    async shutdown(timeoutMs) {
      const startedAt = Date.now();
      const started = await Promise.race([loading, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs).unref())]);
      await started?.shutdown(Math.max(0, timeoutMs - (Date.now() - startedAt)));
    },
  };
}

const untraced: TurnTrace = { phase: () => undefined, firstToken: () => undefined, model: () => undefined, end: () => undefined };
