import type { Environment } from './schema.js';

/** Where one signal (traces or metrics) is posted, and how. */
export interface OtlpTarget {
  readonly url: string;
  /** Sent with every export; the body is always OTLP/HTTP protobuf (what ADOT's AWS exporters send too). */
  readonly headers: Readonly<Record<string, string>>;
  /** SigV4 signing for the AWS endpoints (X-Ray traces, CloudWatch metrics); null sends unsigned. */
  readonly signing: { readonly service: 'xray' | 'monitoring'; readonly region: string } | null;
}

/** OpenTelemetry export, on when AgentCore's observability variables (or an OTLP endpoint) are present. */
export interface TelemetryConfig {
  /** Null when traces are off (OTEL_TRACES_EXPORTER=none) or have nowhere to go. */
  readonly traces: OtlpTarget | null;
  readonly metrics: OtlpTarget | null;
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, as given. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** AGENT_OBSERVABILITY_ENABLED: mark the resource as a GenAI agent (as ADOT does). */
  readonly agentObservability: boolean;
  readonly metricIntervalMs: number;
  readonly spanDelayMs: number;
  readonly exportTimeoutMs: number;
  /** Values that must never reach a log line (header values may carry API keys). */
  readonly secretValues: readonly string[];
}

export const defaultServiceName = 'agentcore-chat-bridge';

type Signal = 'traces' | 'metrics';
const signingService = { traces: 'xray', metrics: 'monitoring' } as const;

/**
 * Reads the telemetry part of the environment: null (nothing loaded, nothing done per turn) unless
 * telemetry is switched on and has somewhere to send. Pushes a line to `problems` for a setting
 * that cannot work.
 */
export function toTelemetryConfig(e: Environment, region: string | undefined, problems: string[]): TelemetryConfig | null {
  if (e.TELEMETRY === 'off' || e.DISABLE_ADOT_OBSERVABILITY || e.OTEL_SDK_DISABLED) return null;
  const traces = target(e, 'traces', region, problems);
  const metrics = target(e, 'metrics', region, problems);
  if (traces === null && metrics === null) {
    if (e.TELEMETRY === 'on') {
      problems.push(
        'TELEMETRY: is on but there is nowhere to send: set OTEL_EXPORTER_OTLP_ENDPOINT (or the _TRACES_/_METRICS_ endpoints), ' +
          'or AGENT_OBSERVABILITY_ENABLED=true with AWS_REGION for the X-Ray and CloudWatch endpoints',
      );
    }
    return null;
  }
  const headers = [traces, metrics].flatMap((t) => (t === null ? [] : Object.values(t.headers)));
  return {
    traces,
    metrics,
    serviceName: e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES['service.name'] ?? defaultServiceName,
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES,
    agentObservability: e.AGENT_OBSERVABILITY_ENABLED,
    metricIntervalMs: e.OTEL_METRIC_EXPORT_INTERVAL,
    spanDelayMs: e.OTEL_BSP_SCHEDULE_DELAY,
    exportTimeoutMs: e.OTEL_EXPORTER_OTLP_TIMEOUT,
    secretValues: headers.filter((value) => value.length >= 8),
  };
}

function target(e: Environment, signal: Signal, region: string | undefined, problems: string[]): OtlpTarget | null {
  const specific = signal === 'traces' ? e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT : e.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT;
  const exporter = (signal === 'traces' ? e.OTEL_TRACES_EXPORTER : e.OTEL_METRICS_EXPORTER)?.toLowerCase();
  if (exporter === 'none') return null;
  const url = specific ?? withPath(e.OTEL_EXPORTER_OTLP_ENDPOINT, `v1/${signal}`) ?? awsDefault(e, signal, region);
  if (url === undefined) return null;
  const host = new URL(url).hostname;
  const sign = e.TELEMETRY_SIGV4 === 'on' || (e.TELEMETRY_SIGV4 === 'auto' && host.endsWith('.amazonaws.com'));
  // X-Ray's and CloudWatch's OTLP hosts name their region (xray.us-east-1.amazonaws.com).
  const signingRegion = /^[a-z]+\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host)?.[1] ?? region;
  if (sign && signingRegion === undefined) {
    problems.push(`TELEMETRY_SIGV4: ${signal} to ${host} must be signed but no region is known; set AWS_REGION`);
    return null;
  }
  return {
    url,
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...(signal === 'traces' ? e.OTEL_EXPORTER_OTLP_TRACES_HEADERS : e.OTEL_EXPORTER_OTLP_METRICS_HEADERS) },
    signing: sign && signingRegion !== undefined ? { service: signingService[signal], region: signingRegion } : null,
  };
}

/** The OTLP rule for the shared endpoint: the signal's path is appended to it. */
function withPath(base: string | undefined, path: string): string | undefined {
  if (base === undefined) return undefined;
  return base.endsWith('/') ? `${base}${path}` : `${base}/${path}`;
}

/** On AgentCore (AGENT_OBSERVABILITY_ENABLED), the CloudWatch OTLP endpoints ADOT would use. */
function awsDefault(e: Environment, signal: Signal, region: string | undefined): string | undefined {
  if (!e.AGENT_OBSERVABILITY_ENABLED || region === undefined) return undefined;
  return signal === 'traces' ? `https://xray.${region}.amazonaws.com/v1/traces` : `https://monitoring.${region}.amazonaws.com/v1/metrics`;
}
