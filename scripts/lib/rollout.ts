// The roll after a new image is pushed, step by step and in this order:
//   1. UpdateAgentRuntime with the whole current configuration and only IMAGE_VERSION changed
//      (the API replaces everything: a field not sent back is dropped), then wait for READY;
//   2. move the named endpoint to the new version (DEFAULT follows by itself);
//   3. (rotate, the default) write a rotation request into the rotation table, start the keepalive
//      function at once, and wait until its controller reports the request done: a successor on
//      the new image took over from the old session without a gap (infra/lambda/rotation.ts);
//   3'. (restart, the old way and the fallback) start a session with a fresh id, check its image,
//      point the keepalive's SESSION_ID at it, and stop the old session.
// A failure before the rotation's takeover leaves the old session running and kept alive.
import { randomUUID } from 'node:crypto';
import {
  GetAgentRuntimeCommand, GetAgentRuntimeEndpointCommand, UpdateAgentRuntimeCommand, UpdateAgentRuntimeEndpointCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import type { GetAgentRuntimeResponse, UpdateAgentRuntimeRequest } from '@aws-sdk/client-bedrock-agentcore-control';
import { GetFunctionConfigurationCommand, InvokeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { DynamoStateStore } from '../../infra/lambda/rotation-state.js';
import type { RotationRequest } from '../../infra/lambda/rotation-state.js';
import { assertRunning, invokeAction, stopSession } from '../../infra/lambda/runtime-client.js';
import { newSessionId } from '../../infra/lambda/session-id.js';
import type { Clients, RuntimeRef } from './aws.js';
import { CliError } from './cli.js';
import { until } from './wait.js';
import type { WaitOptions } from './wait.js';

export interface RolloutInput extends RuntimeRef {
  readonly qualifier: string;
  readonly imageVersion: string;
  readonly oldSessionId?: string | undefined;
  readonly functionName?: string | undefined;
}

export interface RolloutOptions extends WaitOptions {
  readonly log: (line: string) => void;
}

export interface RolloutResult {
  readonly version: string;
  readonly sessionId: string;
}

/** Fields GetAgentRuntime reports about the runtime that UpdateAgentRuntime does not take. */
const READ_ONLY_FIELDS = new Set([
  '$metadata', 'agentRuntimeArn', 'agentRuntimeName', 'agentRuntimeVersion', 'createdAt', 'lastUpdatedAt',
  'status', 'failureReason', 'workloadIdentityDetails',
]);

/** Everything GetAgentRuntime returned, minus the read-only fields, with IMAGE_VERSION replaced. */
export function updateRequestFrom(current: GetAgentRuntimeResponse, imageVersion: string): UpdateAgentRuntimeRequest {
  if (current.agentRuntimeArtifact === undefined || current.roleArn === undefined) {
    throw new CliError('GetAgentRuntime returned no artifact or role; refusing to send a partial configuration back');
  }
  const kept = Object.entries(current).filter(([key, value]) => !READ_ONLY_FIELDS.has(key) && value !== undefined);
  return {
    ...(Object.fromEntries(kept) as Omit<UpdateAgentRuntimeRequest, 'agentRuntimeId'>),
    agentRuntimeId: current.agentRuntimeId,
    environmentVariables: { ...current.environmentVariables, IMAGE_VERSION: imageVersion },
  };
}

export async function rollOut(clients: Clients, input: RolloutInput, options: RolloutOptions): Promise<RolloutResult> {
  const version = await updateRuntime(clients, input, options);
  await moveEndpoint(clients, input, version, options);
  const sessionId = await startSession(clients, input, options);
  await pointKeepalive(clients, input.functionName, sessionId, options);
  await stopOldSession(clients, input, sessionId, options);
  return { version, sessionId };
}

export interface RotationInput extends RuntimeRef {
  readonly qualifier: string;
  readonly imageVersion: string;
  readonly tableName: string;
  readonly functionName?: string | undefined;
}

/** Update the runtime, move the endpoint, then rotate onto the new version through the keepalive. */
export async function rollOutWithRotation(clients: Clients, input: RotationInput, options: RolloutOptions): Promise<RolloutResult> {
  const version = await updateRuntime(clients, input, options);
  await moveEndpoint(clients, input, version, options);
  const done = await requestRotation(clients, { tableName: input.tableName, functionName: input.functionName, imageVersion: input.imageVersion, reason: 'deploy' }, options);
  return { version, sessionId: done.sessionId };
}

export interface RotationAsk {
  readonly tableName: string;
  readonly functionName?: string | undefined;
  /** The successor must report this IMAGE_VERSION; absent: any (a plain zero-downtime restart). */
  readonly imageVersion?: string | undefined;
  readonly reason: string;
}

/**
 * Writes a rotation request where the controller reads it, starts the keepalive function now
 * (asynchronously: with reserved concurrency 1 a busy function queues it instead of refusing),
 * and waits for the controller to record the request's outcome.
 */
export async function requestRotation(clients: Clients, ask: RotationAsk, options: RolloutOptions): Promise<{ sessionId: string; imageVersion?: string }> {
  const store = new DynamoStateStore(clients.dynamodb, ask.tableName);
  const request: RotationRequest = {
    id: `${ask.reason}-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`,
    requestedAt: Date.now(),
    reason: ask.reason,
    ...(ask.imageVersion === undefined ? {} : { imageVersion: ask.imageVersion }),
  };
  await store.saveRequest(request);
  options.log(`asked for a session rotation (request ${request.id}) in ${ask.tableName}`);
  if (ask.functionName === undefined) {
    options.log('no keepalive function known (KEEPALIVE_FUNCTION_NAME): its next scheduled run picks the request up');
  } else {
    await clients.lambda.send(new InvokeCommand({
      FunctionName: ask.functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify({ source: 'npm run deploy', requestId: request.id })),
    }));
    options.log(`started the keepalive ${ask.functionName} to rotate now; waiting for the successor to take over`);
  }
  let phase = '';
  let outcome: { sessionId: string; imageVersion?: string } | undefined;
  await until(options, `the rotation of request ${request.id} (the keepalive goes on with it; see its logs)`, async () => {
    const { state } = await store.load();
    const seen = state?.rotation?.requestId === request.id ? state.rotation.phase : '';
    if (seen !== '' && seen !== phase) options.log(`rotation: ${seen} (successor ${state?.rotation?.successor ?? '?'})`);
    phase = seen || phase;
    const result = state?.lastRequest;
    if (result?.id !== request.id) return false;
    if (result.status === 'failed') throw new CliError(`the rotation failed: ${result.error ?? 'no reason recorded'}; the old session keeps running`);
    outcome = { sessionId: result.sessionId ?? state!.current.sessionId, ...(result.imageVersion === undefined ? {} : { imageVersion: result.imageVersion }) };
    return true;
  });
  options.log(`session ${outcome!.sessionId} took over${outcome!.imageVersion === undefined ? '' : ` on image ${outcome!.imageVersion}`}; the old one drains and is stopped by the keepalive`);
  return outcome!;
}

async function updateRuntime(clients: Clients, input: RuntimeRef & { readonly imageVersion: string }, options: RolloutOptions): Promise<string> {
  const current = await clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: input.runtimeId }));
  options.log(`runtime ${input.runtimeId} is at version ${current.agentRuntimeVersion} (IMAGE_VERSION ${current.environmentVariables?.IMAGE_VERSION ?? '-'})`);
  const updated = await clients.control.send(new UpdateAgentRuntimeCommand(updateRequestFrom(current, input.imageVersion)));
  const version = updated.agentRuntimeVersion;
  if (version === undefined) throw new CliError('UpdateAgentRuntime returned no version');
  options.log(`created runtime version ${version}; waiting for READY`);
  await until(options, `runtime version ${version} to be READY`, async () => {
    const now = await clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: input.runtimeId, agentRuntimeVersion: version }));
    if (now.status === 'CREATE_FAILED' || now.status === 'UPDATE_FAILED') {
      throw new CliError(`runtime version ${version} ${now.status}: ${now.failureReason ?? 'no reason given'}`);
    }
    return now.status === 'READY';
  });
  return version;
}

async function moveEndpoint(clients: Clients, input: RuntimeRef & { readonly qualifier: string }, version: string, options: RolloutOptions): Promise<void> {
  if (input.qualifier === 'DEFAULT') return; // DEFAULT always serves the newest version
  const endpoint = { agentRuntimeId: input.runtimeId, endpointName: input.qualifier };
  await clients.control.send(new UpdateAgentRuntimeEndpointCommand({ ...endpoint, agentRuntimeVersion: version }));
  options.log(`moving endpoint ${input.qualifier} to version ${version}`);
  await until(options, `endpoint ${input.qualifier} to serve version ${version}`, async () => {
    const now = await clients.control.send(new GetAgentRuntimeEndpointCommand(endpoint));
    if (now.status === 'UPDATE_FAILED') throw new CliError(`endpoint ${input.qualifier} update failed: ${now.failureReason ?? 'no reason given'}`);
    return now.status === 'READY' && now.liveVersion === version;
  });
}

async function startSession(clients: Clients, input: RolloutInput, options: RolloutOptions): Promise<string> {
  const sessionId = newSessionId();
  options.log(`starting session ${sessionId}`);
  const answer = assertRunning(await invokeAction(clients.data, { runtimeArn: input.runtimeArn, qualifier: input.qualifier, sessionId }, 'keepalive'));
  if (answer.image_version !== input.imageVersion) {
    throw new CliError(`the new session runs image version ${String(answer.image_version)}, expected ${input.imageVersion}; the old session was left running`);
  }
  options.log(`session ${sessionId} is running image ${input.imageVersion}`);
  return sessionId;
}

async function pointKeepalive(clients: Clients, functionName: string | undefined, sessionId: string, options: RolloutOptions): Promise<void> {
  if (functionName === undefined) {
    return options.log('no keepalive function known (KEEPALIVE_FUNCTION_NAME): set its SESSION_ID to the new session yourself');
  }
  const current = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  // Lambda replaces the whole environment too: keep every other variable.
  const variables = { ...current.Environment?.Variables, SESSION_ID: sessionId };
  await clients.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: functionName, Environment: { Variables: variables } }));
  await until(options, `keepalive ${functionName} to take the new session`, async () => {
    const now = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    if (now.LastUpdateStatus === 'Failed') throw new CliError(`updating ${functionName} failed: ${now.LastUpdateStatusReason ?? ''}`);
    return now.LastUpdateStatus === 'Successful';
  });
  options.log(`keepalive ${functionName} now keeps session ${sessionId} alive`);
}

async function stopOldSession(clients: Clients, input: RolloutInput, sessionId: string, options: RolloutOptions): Promise<void> {
  const old = input.oldSessionId;
  if (old === undefined || old === sessionId) return;
  // not_running: already ended (idle, max lifetime, or never started), nothing left to stop.
  const outcome = await stopSession(clients.data, { runtimeArn: input.runtimeArn, qualifier: input.qualifier, sessionId: old });
  options.log(outcome === 'stopped' ? `stopped the old session ${old}` : `old session ${old} was not running`);
}
