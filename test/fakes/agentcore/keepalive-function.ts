// The keepalive Lambda as the fake AgentCore's Lambda Invoke runs it: the rotation controller
// (infra/lambda/rotation.ts) with real SDK clients pointed at the fake, its settings read from the
// fake function's environment the way the handler reads process.env, and reserved concurrency 1:
// one run at a time, asynchronous invocations queued behind it, a synchronous one refused with 429.
// Also the scaled EventBridge schedule for the recycle test.
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runKeepalive } from '../../../infra/lambda/keepalive.js';
import { rotationConfigFromEnv, runRotation } from '../../../infra/lambda/rotation.js';
import type { RotationConfig, RunReport } from '../../../infra/lambda/rotation.js';
import { DynamoStateStore } from '../../../infra/lambda/rotation-state.js';
import type { BotAnswer } from '../../../infra/lambda/runtime-client.js';
import { TooManyRequestsError } from './aws-ops.js';
import type { LambdaInvoke } from './aws-ops.js';
import type { FakeAgentCore } from './index.js';

export interface KeepaliveFunctionOptions {
  /** Overrides on top of what the function's environment says (milliseconds). */
  readonly config?: Partial<RotationConfig>;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** The Lambda timeout: the run's deadline. */
  readonly timeoutMs?: number;
}

export interface RunRecord {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly source: string;
  readonly result?: RunReport | BotAnswer;
  readonly error?: string;
}

export interface KeepaliveFunction {
  /** Plug into startFakeAgentCore's `onInvokeFunction`, or call directly. */
  invoke(request: LambdaInvoke): Promise<unknown>;
  /** Runs as EventBridge does: asynchronously; skipped while one is already queued. */
  tick(): void;
  /** Every run, in order. */
  readonly runs: RunRecord[];
  /** Resolves when nothing is running or queued. */
  idle(): Promise<void>;
  close(): void;
}

export function keepaliveFunction(fake: FakeAgentCore, options: KeepaliveFunctionOptions = {}): KeepaliveFunction {
  const base = { region: fake.state.region, credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } };
  const client = new BedrockAgentCoreClient({ ...base, endpoint: fake.env.AWS_ENDPOINT_URL_BEDROCK_AGENTCORE!, requestHandler: { requestTimeout: 60_000 } });
  const dynamo = new DynamoDBClient({ ...base, endpoint: fake.env.AWS_ENDPOINT_URL_DYNAMODB! });
  const runs: RunRecord[] = [];
  const log = options.log ?? (() => undefined);
  let tail: Promise<unknown> = Promise.resolve();
  let running = false;
  let queued = 0;

  const handler = async (): Promise<RunReport | BotAnswer> => {
    const env = fake.ops.functions.get(fake.functionName)?.environment ?? {};
    const tableName = env.ROTATION_TABLE_NAME;
    if (tableName === undefined || tableName === '') return runKeepalive({ client, env, log });
    return runRotation({
      client,
      store: new DynamoStateStore(dynamo, tableName),
      config: { ...rotationConfigFromEnv(env), ...options.config },
      log,
      ...(options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs }),
    });
  };

  const enqueue = (source: string): Promise<unknown> => {
    queued += 1;
    const run = tail.then(async () => {
      queued -= 1;
      running = true;
      const startedAt = Date.now();
      try {
        const result = await handler();
        runs.push({ startedAt, endedAt: Date.now(), source, result });
        return result;
      } catch (error) {
        runs.push({ startedAt, endedAt: Date.now(), source, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
        throw error;
      } finally {
        running = false;
      }
    });
    tail = run.catch(() => undefined);
    return run;
  };

  return {
    invoke: (request) => {
      if (request.invocationType === 'RequestResponse' && (running || queued > 0)) return Promise.reject(new TooManyRequestsError());
      return enqueue(request.invocationType === 'Event' ? 'invoke-async' : 'invoke');
    },
    tick: () => {
      if (queued > 0) return;
      enqueue('schedule').catch(() => undefined);
    },
    runs,
    idle: async () => {
      while (running || queued > 0) await tail;
    },
    close: () => {
      client.destroy();
      dynamo.destroy();
    },
  };
}
