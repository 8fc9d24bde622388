// A fake AgentCore (data and control plane) plus the AWS services deploy uses, on 127.0.0.1.
// Real SDK clients reach it through their standard endpoint variables (`env` below), so the code
// under test has no test-only path. Sessions are routed to bots through `sessionTarget`; a runtime
// emulator can start a bot process per session there and end it in `onStopSession`.
import { controlPlaneHandler } from './control-plane.js';
import { dataPlaneHandler } from './data-plane.js';
import type { DataPlaneHooks, SessionContext } from './data-plane.js';
import { startServer } from './http.js';
import { newOpsState, opsHandler } from './aws-ops.js';
import type { LambdaInvoke, OpsState } from './aws-ops.js';
import { sampleConfiguration } from './state.js';
import type { AgentCoreState, RuntimeConfiguration } from './state.js';

export type { SessionContext } from './data-plane.js';
export type { AgentCoreState, RecordedCall, RuntimeConfiguration, SessionRecord } from './state.js';
export { listZip } from './aws-ops.js';
export type { LambdaInvoke } from './aws-ops.js';

export interface FakeAgentCoreOptions {
  /** One bot for every session; ignored when sessionTarget is given. */
  readonly botUrl?: string;
  readonly sessionTarget?: DataPlaneHooks['sessionTarget'];
  readonly onStopSession?: (context: SessionContext) => Promise<void> | void;
  readonly configuration?: RuntimeConfiguration;
  readonly endpointName?: string;
  readonly keepaliveFunctionName?: string;
  readonly sessionId?: string;
  readonly invokeTimeoutMs?: number;
  /** The rotation state table (always created, empty). */
  readonly rotationTableName?: string;
  /** What Lambda Invoke of the keepalive function runs. */
  readonly onInvokeFunction?: (request: LambdaInvoke) => Promise<unknown>;
}

export interface FakeAgentCore {
  readonly state: AgentCoreState;
  readonly ops: OpsState;
  /** Endpoint variables and dummy credentials for a real SDK client or a child process. */
  readonly env: Record<string, string>;
  readonly runtimeArn: string;
  readonly runtimeId: string;
  readonly endpointName: string;
  readonly functionName: string;
  readonly tableName: string;
  /** Change where sessions go (for example to a stopped bot) while running. */
  setBotUrl(url: string | undefined): void;
  operations(service?: string): string[];
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

export async function startFakeAgentCore(options: FakeAgentCoreOptions = {}): Promise<FakeAgentCore> {
  const runtimeId = 'agentcore_chat_bridge-Ab12Cd34Ef';
  const runtimeArn = `arn:aws:bedrock-agentcore:${REGION}:${ACCOUNT}:runtime/${runtimeId}`;
  const endpointName = options.endpointName ?? 'live';
  const functionName = options.keepaliveFunctionName ?? 'AgentcoreChatBridge-KeepaliveFunction';
  const created = new Date(Date.now() - 3_600_000).toISOString();
  const state: AgentCoreState = {
    region: REGION,
    account: ACCOUNT,
    runtimeId,
    runtimeName: 'agentcore_chat_bridge',
    runtimeArn,
    versions: [{ version: '1', configuration: options.configuration ?? sampleConfiguration(ACCOUNT, REGION), status: 'READY', createdAt: created, pollsUntilReady: 0 }],
    endpoints: new Map([
      ['DEFAULT', { name: 'DEFAULT', liveVersion: '1', targetVersion: '1', status: 'READY', pollsUntilReady: 0 }],
      [endpointName, { name: endpointName, liveVersion: '1', targetVersion: '1', status: 'READY', pollsUntilReady: 0 }],
    ]),
    sessions: new Map(),
    calls: [],
  };
  const tableName = options.rotationTableName ?? 'AgentcoreChatBridge-KeepaliveRotationState-FAKE0001';
  const ops = newOpsState(functionName, {
    AGENTCORE_RUNTIME_ARN: runtimeArn,
    AGENTCORE_QUALIFIER: endpointName,
    SESSION_ID: options.sessionId ?? 'agentcore-chat-bridge-session-initial-0000000001',
  });
  ops.tables.set(tableName, new Map());
  if (options.onInvokeFunction !== undefined) ops.invoke = options.onInvokeFunction;
  let botUrl = options.botUrl;
  const hooks: DataPlaneHooks = {
    sessionTarget: options.sessionTarget ?? (() => botUrl),
    ...(options.onStopSession === undefined ? {} : { onStopSession: options.onStopSession }),
    invokeTimeoutMs: options.invokeTimeoutMs ?? 10_000,
  };
  const data = await startServer(dataPlaneHandler(state, hooks));
  const control = await startServer(controlPlaneHandler(state));
  const aws = await startServer(opsHandler(state, ops));
  return {
    state,
    ops,
    env: {
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: data.url,
      AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL: control.url,
      AWS_ENDPOINT_URL_CODEBUILD: aws.url,
      AWS_ENDPOINT_URL_ECR: aws.url,
      AWS_ENDPOINT_URL_LAMBDA: aws.url,
      AWS_ENDPOINT_URL_S3: aws.url,
      AWS_ENDPOINT_URL_DYNAMODB: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
      // Never let a credential chain wander to the instance metadata service.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    runtimeArn,
    runtimeId,
    endpointName,
    functionName,
    tableName,
    setBotUrl: (url) => {
      botUrl = url;
    },
    operations: (service) => state.calls.filter((c) => service === undefined || c.service === service).map((c) => `${c.service}:${c.operation}`),
    close: async () => {
      await Promise.all([data.close(), control.close(), aws.close()]);
    },
  };
}
