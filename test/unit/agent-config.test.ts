// Proves the Bedrock variables of the agent: guardrail id and version (DRAFT by default,
// validated at start-up), prompt caching mode, fallback model, idle and turn timeouts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const problemsOf = async (env: Record<string, string>): Promise<string> => {
  const error = await loadConfig(env).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigError, 'expected a ConfigError');
  return error.problems.join('\n');
};

test('defaults: no guardrail, caching by model id, no fallback', async () => {
  const { agent } = await loadConfig({});
  assert.equal(agent.guardrail, undefined);
  assert.equal(agent.promptCaching, 'auto');
  assert.equal(agent.fallbackModelId, undefined);
});

test('a guardrail id alone uses the DRAFT version; an ARN and a numbered version are taken', async () => {
  assert.deepEqual((await loadConfig({ BEDROCK_GUARDRAIL_ID: 'gr1a2b3c' })).agent.guardrail, { id: 'gr1a2b3c', version: 'DRAFT' });
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def';
  assert.deepEqual((await loadConfig({ BEDROCK_GUARDRAIL_ID: arn, BEDROCK_GUARDRAIL_VERSION: '3' })).agent.guardrail, { id: arn, version: '3' });
  assert.equal((await loadConfig({ BEDROCK_GUARDRAIL_ID: 'gr1', BEDROCK_GUARDRAIL_VERSION: 'draft' })).agent.guardrail?.version, 'DRAFT');
});

test('bad guardrail settings are named at start-up', async () => {
  const text = await problemsOf({ BEDROCK_GUARDRAIL_ID: 'My Guardrail', BEDROCK_GUARDRAIL_VERSION: 'v1' });
  assert.match(text, /^BEDROCK_GUARDRAIL_ID: must be a guardrail id/m);
  assert.match(text, /^BEDROCK_GUARDRAIL_VERSION: must be a version number/m);
  assert.match(await problemsOf({ BEDROCK_GUARDRAIL_VERSION: '2' }), /^BEDROCK_GUARDRAIL_VERSION: is set but BEDROCK_GUARDRAIL_ID is not/m);
  assert.match(await problemsOf({ BEDROCK_GUARDRAIL_ID: 'gr1', BEDROCK_GUARDRAIL_VERSION: '0' }), /^BEDROCK_GUARDRAIL_VERSION: /m);
});

test('prompt caching is auto, on or off', async () => {
  assert.equal((await loadConfig({ BEDROCK_PROMPT_CACHING: 'ON' })).agent.promptCaching, 'on');
  assert.equal((await loadConfig({ BEDROCK_PROMPT_CACHING: 'off' })).agent.promptCaching, 'off');
  assert.match(await problemsOf({ BEDROCK_PROMPT_CACHING: 'yes' }), /^BEDROCK_PROMPT_CACHING: must be auto, on or off/m);
});

test('the fallback model is taken, unless it is the primary itself', async () => {
  assert.equal((await loadConfig({ BEDROCK_FALLBACK_MODEL_ID: 'amazon.nova-pro-v1:0' })).agent.fallbackModelId, 'amazon.nova-pro-v1:0');
  assert.match(await problemsOf({ BEDROCK_FALLBACK_MODEL_ID: 'us.anthropic.claude-sonnet-4-6' }), /^BEDROCK_FALLBACK_MODEL_ID: is the same model as BEDROCK_MODEL_ID/m);
  assert.match(await problemsOf({ BEDROCK_MODEL_ID: 'm1', BEDROCK_FALLBACK_MODEL_ID: 'm1' }), /^BEDROCK_FALLBACK_MODEL_ID: /m);
});

test('timeouts: 60 s idle and 300 s a turn by default; a turn bound below the idle bound is refused', async () => {
  const { agent } = await loadConfig({});
  assert.equal(agent.idleTimeoutMs, 60_000);
  assert.equal(agent.turnTimeoutMs, 300_000);
  const set = (await loadConfig({ BEDROCK_IDLE_TIMEOUT_SECONDS: '5', BEDROCK_TURN_TIMEOUT_SECONDS: '5' })).agent;
  assert.deepEqual([set.idleTimeoutMs, set.turnTimeoutMs], [5000, 5000]);
  assert.match(await problemsOf({ BEDROCK_TURN_TIMEOUT_SECONDS: '30' }), /^BEDROCK_TURN_TIMEOUT_SECONDS: is 30, less than BEDROCK_IDLE_TIMEOUT_SECONDS \(60\)/m);
  assert.match(await problemsOf({ BEDROCK_IDLE_TIMEOUT_SECONDS: '0' }), /^BEDROCK_IDLE_TIMEOUT_SECONDS: must be a whole number from 1 to 3600/m);
  assert.match(await problemsOf({ BEDROCK_TURN_TIMEOUT_SECONDS: '1.5' }), /^BEDROCK_TURN_TIMEOUT_SECONDS: must be a whole number/m);
});
