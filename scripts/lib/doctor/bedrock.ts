// Bedrock: the model (or inference profile) answers a one-token Converse, the guardrail (if set)
// applies to a short text (ApplyGuardrail, the permission Converse's guardrailConfig needs too),
// and the fallback model (if set) answers like the first. HTTP/1.1 as the bot's agent uses.
import { ApplyGuardrailCommand, BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AgentConfig } from '../../../src/config/index.js';
import { awsSaid, awsSetupProblem } from './aws-errors.js';
import type { Origin } from './config.js';
import { fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

const ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME';

export async function checkBedrock(agent: AgentConfig, origin: Origin): Promise<CheckResult[]> {
  const client = new BedrockRuntimeClient({ maxAttempts: 2, requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 30_000 }) });
  try {
    return await Promise.all([
      checkModel(client, 'bedrock model', agent.modelId, 'BEDROCK_MODEL_ID', origin),
      agent.guardrail === undefined
        ? skip('bedrock guardrail', 'BEDROCK_GUARDRAIL_ID is not set; no guardrail applied')
        : checkGuardrail(client, agent.guardrail, origin),
      agent.fallbackModelId === undefined
        ? skip('bedrock fallback model', 'BEDROCK_FALLBACK_MODEL_ID is not set; no fallback')
        : checkModel(client, 'bedrock fallback model', agent.fallbackModelId, 'BEDROCK_FALLBACK_MODEL_ID', origin),
    ]);
  } finally {
    client.destroy();
  }
}

async function checkModel(client: BedrockRuntimeClient, label: string, modelId: string, variable: string, origin: Origin): Promise<CheckResult> {
  const region = await client.config.region().catch(() => undefined);
  try {
    const answer = await client.send(new ConverseCommand({
      modelId,
      messages: [{ role: 'user', content: [{ text: 'Reply with one word: ok' }] }],
      inferenceConfig: { maxTokens: 1 },
    }));
    return pass(label, `${modelId} answered a one-token Converse in ${region ?? '?'} (stop reason ${answer.stopReason ?? '?'})`);
  } catch (error) {
    const setup = awsSetupProblem(error, 'Bedrock Runtime', ENDPOINT_VARIABLE);
    if (setup !== undefined) return fail(label, `${modelId}: ${setup.detail}`, setup.fix);
    const where = `${variable} (${origin(variable)})`;
    const name = error instanceof Error ? error.name : '';
    if (name === 'AccessDeniedException') {
      return fail(label, `no access to ${modelId} in ${region ?? '?'}: ${awsSaid(error)}`,
        `enable access to the model in the Bedrock console (Model access) for this region and allow bedrock:InvokeModel on it (and on the profile's models) for these credentials, or set ${where} to a model you can use`);
    }
    if (name === 'ValidationException' || name === 'ResourceNotFoundException') {
      return fail(label, `${modelId} cannot be invoked in ${region ?? '?'}: ${awsSaid(error)}`,
        `set ${where} to a model id or inference profile (e.g. us.anthropic.claude-sonnet-4-6) offered in AWS_REGION`);
    }
    if (name === 'ThrottlingException' || name === 'ServiceUnavailableException' || name === 'ModelNotReadyException') {
      return fail(label, `${modelId} is reachable but did not answer: ${awsSaid(error)}`, `run npm run doctor again shortly; if it persists, check the model's quotas (Service Quotas → Amazon Bedrock) or set BEDROCK_FALLBACK_MODEL_ID`);
    }
    return fail(label, `${modelId}: ${awsSaid(error)}`, `check ${where} and the credentials' Bedrock permissions`);
  }
}

async function checkGuardrail(client: BedrockRuntimeClient, guardrail: { id: string; version: string }, origin: Origin): Promise<CheckResult> {
  const label = 'bedrock guardrail';
  const named = `${guardrail.id} version ${guardrail.version}`;
  try {
    const answer = await client.send(new ApplyGuardrailCommand({
      guardrailIdentifier: guardrail.id,
      guardrailVersion: guardrail.version,
      source: 'INPUT',
      content: [{ text: { text: 'Hello' } }],
    }));
    return pass(label, `${named} applies (action ${answer.action ?? '?'} on a test text)`);
  } catch (error) {
    const setup = awsSetupProblem(error, 'Bedrock Runtime', ENDPOINT_VARIABLE);
    if (setup !== undefined) return fail(label, `${named}: ${setup.detail}`, setup.fix);
    const name = error instanceof Error ? error.name : '';
    const where = `BEDROCK_GUARDRAIL_ID (${origin('BEDROCK_GUARDRAIL_ID')}) and BEDROCK_GUARDRAIL_VERSION (${origin('BEDROCK_GUARDRAIL_VERSION')})`;
    if (name === 'AccessDeniedException') {
      return fail(label, `no access to ${named}: ${awsSaid(error)}`, `allow bedrock:ApplyGuardrail on the guardrail for these credentials (the bot's role needs it too), or correct ${where}`);
    }
    if (name === 'ResourceNotFoundException' || name === 'ValidationException') {
      return fail(label, `${named} was not found in this region: ${awsSaid(error)}`, `correct ${where}: the id (or ARN) and a published version or DRAFT from the Bedrock console's Guardrails page`);
    }
    return fail(label, `${named}: ${awsSaid(error)}`, `check ${where}`);
  }
}
