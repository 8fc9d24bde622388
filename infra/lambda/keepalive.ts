// The keepalive Lambda: one `keepalive` invocation on the runtime's named endpoint under the
// current session id. It throws on any failure so Lambda's Errors metric (and the alarm on it)
// sees a bot that did not answer or answered anything but "running".
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { assertRunning, invokeAction } from './runtime-client.js';
import type { BotAnswer, DataPlaneClient, RuntimeTarget } from './runtime-client.js';
import { assertSessionId } from './session-id.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type LogLine = (entry: Record<string, unknown>) => void;

export interface KeepaliveDeps {
  readonly client: DataPlaneClient;
  readonly env: Env;
  readonly log: LogLine;
}

export class KeepaliveConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeepaliveConfigError';
  }
}

/**
 * Where the session to keep alive comes from. For now the SESSION_ID variable that
 * `npm run deploy` rewrites; session rotation will move it to a state store behind this seam.
 */
export function currentSessionId(env: Env): Promise<string> {
  const sessionId = env.SESSION_ID ?? '';
  return Promise.resolve(assertSessionId(sessionId, 'SESSION_ID'));
}

export async function keepaliveTarget(env: Env): Promise<RuntimeTarget> {
  const runtimeArn = env.AGENTCORE_RUNTIME_ARN ?? '';
  if (!runtimeArn.startsWith('arn:')) {
    throw new KeepaliveConfigError(`AGENTCORE_RUNTIME_ARN must be the runtime ARN, got "${runtimeArn}"`);
  }
  return { runtimeArn, qualifier: env.AGENTCORE_QUALIFIER || 'DEFAULT', sessionId: await currentSessionId(env) };
}

export async function runKeepalive(deps: KeepaliveDeps): Promise<BotAnswer> {
  const target = await keepaliveTarget(deps.env);
  const started = Date.now();
  try {
    const answer = assertRunning(await invokeAction(deps.client, target, 'keepalive'));
    deps.log({ level: 'info', message: 'keepalive answered', session_id: target.sessionId, qualifier: target.qualifier, latency_ms: Date.now() - started, answer });
    return answer;
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    deps.log({ level: 'error', message: 'keepalive failed', session_id: target.sessionId, qualifier: target.qualifier, latency_ms: Date.now() - started, error: { name, message } });
    throw error;
  }
}

// Created once per Lambda container. The timeout is under the function's 2 minutes, so a
// hung cold start is reported as an error by us rather than as a bare Lambda timeout.
const client = new BedrockAgentCoreClient({ requestHandler: { requestTimeout: 100_000 } });

export async function handler(): Promise<BotAnswer> {
  return runKeepalive({ client, env: process.env, log: (entry) => console.log(JSON.stringify(entry)) });
}
