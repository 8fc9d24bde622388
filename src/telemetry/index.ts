/**
 * OpenTelemetry for AgentCore Observability: a span per turn and the bot's counters, exported
 * over OTLP/HTTP. This file imports no OpenTelemetry module: the pipeline is loaded with a dynamic
 * import only when the config turns telemetry on, so an unconfigured bot loads and does nothing.
 */
import type { TelemetryConfig } from '../config/index.js';
import type { TurnObserver } from '../core/index.js';
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

/** Starts telemetry when `config` is not null; otherwise returns undefined having loaded nothing. */
export async function startTelemetry(config: TelemetryConfig | null, options: TelemetryOptions): Promise<Telemetry | undefined> {
  if (config === null) return undefined;
  const { startPipeline } = await import('./pipeline.js');
  return startPipeline(config, options);
}
