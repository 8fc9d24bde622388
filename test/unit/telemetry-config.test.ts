// Proves when telemetry is on and where it sends: off with no OpenTelemetry variables; AgentCore's
// AGENT_OBSERVABILITY_ENABLED means the region's X-Ray and CloudWatch OTLP endpoints, SigV4-signed;
// the standard OTLP variables override; every off switch wins; bad settings are named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

async function problems(env: Record<string, string>): Promise<string[]> {
  try {
    await loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

test('telemetry is off (null) when no OpenTelemetry variable is set', async () => {
  assert.equal((await loadConfig({ AWS_REGION: 'us-east-1' })).telemetry, null);
});

test('AGENT_OBSERVABILITY_ENABLED sends spans to X-Ray and metrics to CloudWatch in the region, signed for each', async () => {
  const { telemetry } = await loadConfig({ AGENT_OBSERVABILITY_ENABLED: 'true', AWS_REGION: 'eu-west-1' });
  assert.deepEqual(telemetry?.traces, { url: 'https://xray.eu-west-1.amazonaws.com/v1/traces', headers: {}, signing: { service: 'xray', region: 'eu-west-1' } });
  assert.deepEqual(telemetry.metrics, { url: 'https://monitoring.eu-west-1.amazonaws.com/v1/metrics', headers: {}, signing: { service: 'monitoring', region: 'eu-west-1' } });
  assert.equal(telemetry.serviceName, 'agentcore-chat-bridge');
  assert.equal(telemetry.agentObservability, true);
  assert.equal(telemetry.metricIntervalMs, 60_000);
  // Without a region there is no endpoint to name, so it stays off rather than failing.
  assert.equal((await loadConfig({ AGENT_OBSERVABILITY_ENABLED: 'true' })).telemetry, null);
});

test('the standard OTLP variables pick endpoints, headers and the resource; only AWS hosts are signed by default', async () => {
  const { telemetry, secretValues } = await loadConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.us-west-2.amazonaws.com/v1/traces',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-team=chat,authorization=Bearer%20abcdefgh1234',
    OTEL_SERVICE_NAME: 'my-bot',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,aws.log.group.names=/aws/bedrock-agentcore/runtimes/x',
  });
  assert.equal(telemetry?.traces?.url, 'https://xray.us-west-2.amazonaws.com/v1/traces');
  assert.deepEqual(telemetry.traces.signing, { service: 'xray', region: 'us-west-2' }, 'the region comes from the host');
  assert.equal(telemetry.metrics?.url, 'http://collector:4318/v1/metrics');
  assert.equal(telemetry.metrics.signing, null);
  assert.deepEqual(telemetry.metrics.headers, { 'x-team': 'chat', authorization: 'Bearer abcdefgh1234' });
  assert.equal(telemetry.serviceName, 'my-bot');
  assert.equal(telemetry.resourceAttributes['deployment.environment'], 'prod');
  assert.ok(secretValues.includes('Bearer abcdefgh1234'), 'header values are redacted from logs');
});

test('every off switch wins: TELEMETRY=off, DISABLE_ADOT_OBSERVABILITY, OTEL_SDK_DISABLED; OTEL_*_EXPORTER=none drops one signal', async () => {
  const on = { AGENT_OBSERVABILITY_ENABLED: 'true', AWS_REGION: 'us-east-1' };
  for (const off of [{ TELEMETRY: 'off' }, { DISABLE_ADOT_OBSERVABILITY: 'true' }, { OTEL_SDK_DISABLED: 'true' }]) {
    assert.equal((await loadConfig({ ...on, ...off })).telemetry, null, JSON.stringify(off));
  }
  const tracesOnly = (await loadConfig({ ...on, OTEL_METRICS_EXPORTER: 'none' })).telemetry;
  assert.equal(tracesOnly?.metrics, null);
  assert.ok(tracesOnly.traces !== null);
  assert.equal((await loadConfig({ ...on, OTEL_METRICS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none' })).telemetry, null);
});

test('bad telemetry settings are named with the fix', async () => {
  assert.match((await problems({ TELEMETRY: 'on' })).join('\n'), /TELEMETRY: is on but there is nowhere to send/);
  assert.match((await problems({ TELEMETRY: 'maybe' })).join('\n'), /TELEMETRY: must be one of auto, on, off/);
  assert.match((await problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).join('\n'), /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/);
  assert.match((await problems({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).join('\n'), /OTEL_EXPORTER_OTLP_HEADERS: must be a comma-separated list of key=value pairs/);
  assert.match((await problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', TELEMETRY_SIGV4: 'on' })).join('\n'), /TELEMETRY_SIGV4: traces to 127\.0\.0\.1 must be signed but no region is known; set AWS_REGION/);
});
