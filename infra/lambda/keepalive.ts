// The keepalive Lambda. With ROTATION_TABLE_NAME (what the stack sets) each run is the rotation
// controller (rotation.ts): it keeps the current session alive and replaces it before AgentCore's
// maximum lifetime or when a deploy asks. Without it, the plain path: one `keepalive` invocation on
// the runtime's named endpoint under SESSION_ID. Both throw on failure so Lambda's Errors metric
// (and the alarm on it) sees a bot that did not answer or a rotation that needs attention.
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { rotationConfigFromEnv, runRotation, targetFromEnv } from './rotation.js';
import type { RunReport } from './rotation.js';
import { DynamoStateStore } from './rotation-state.js';
import { assertRunning, invokeAction } from './runtime-client.js';
import type { BotAnswer, DataPlaneClient } from './runtime-client.js';

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

export async function runKeepalive(deps: KeepaliveDeps): Promise<BotAnswer> {
  // The plain path's session is the SESSION_ID variable. With rotation the current session lives
  // in the rotation table instead, and SESSION_ID only seeds it on the very first run.
  const target = targetFromEnv(deps.env, KeepaliveConfigError);
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

// Created once per Lambda container. A call to a fresh session waits for a cold microVM; 100 s
// reports a hung one as our error rather than as a bare Lambda timeout.
const client = new BedrockAgentCoreClient({ requestHandler: { requestTimeout: 100_000 } });
let table: DynamoDBClient | undefined;

/** Stops starting new waits this long before the Lambda timeout, so the run ends on its own terms. */
const DEADLINE_MARGIN_MS = 30_000;

export async function handler(_event?: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<BotAnswer | RunReport> {
  const env = process.env;
  const log = (entry: Record<string, unknown>): void => console.log(JSON.stringify(entry));
  const tableName = env.ROTATION_TABLE_NAME;
  if (tableName === undefined || tableName === '') return runKeepalive({ client, env, log });
  table ??= new DynamoDBClient({});
  const remaining = context?.getRemainingTimeInMillis();
  return runRotation({
    client,
    store: new DynamoStateStore(table, tableName),
    config: rotationConfigFromEnv(env),
    log,
    ...(remaining === undefined ? {} : { deadline: Date.now() + remaining - DEADLINE_MARGIN_MS }),
  });
}
