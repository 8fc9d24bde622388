// What the fake AgentCore remembers: the runtime's versions (each a full configuration, exactly as
// UpdateAgentRuntime received it), the endpoints, the sessions, and every call in order.

/** A runtime configuration in wire form: what GetAgentRuntime returns and UpdateAgentRuntime takes. */
export type RuntimeConfiguration = Record<string, unknown> & {
  environmentVariables?: Record<string, string>;
};

export interface RuntimeVersion {
  readonly version: string;
  readonly configuration: RuntimeConfiguration;
  status: 'CREATING' | 'UPDATING' | 'READY' | 'UPDATE_FAILED';
  readonly createdAt: string;
  /** GetAgentRuntime polls left before an UPDATING version turns READY. */
  pollsUntilReady: number;
}

export interface EndpointRecord {
  readonly name: string;
  liveVersion: string;
  targetVersion: string;
  status: 'READY' | 'UPDATING';
  pollsUntilReady: number;
}

export interface SessionRecord {
  readonly sessionId: string;
  /** The runtime version the session's microVM was started from. */
  readonly version: string;
  readonly qualifier: string;
  readonly startedAt: number;
  invocations: number;
  stoppedAt?: number;
}

export interface RecordedCall {
  readonly service: 'agentcore' | 'agentcore-control' | 'codebuild' | 'ecr' | 'lambda' | 's3' | 'dynamodb';
  readonly operation: string;
  readonly request: Record<string, unknown>;
  readonly at: number;
}

export interface AgentCoreState {
  readonly region: string;
  readonly account: string;
  readonly runtimeId: string;
  readonly runtimeName: string;
  readonly runtimeArn: string;
  readonly versions: RuntimeVersion[];
  readonly endpoints: Map<string, EndpointRecord>;
  readonly sessions: Map<string, SessionRecord>;
  readonly calls: RecordedCall[];
}

export function latestVersion(state: AgentCoreState): RuntimeVersion {
  const latest = state.versions.at(-1);
  if (latest === undefined) throw new Error('runtime has no version');
  return latest;
}

export function record(state: AgentCoreState, call: Omit<RecordedCall, 'at'>): void {
  state.calls.push({ ...call, at: Date.now() });
}

/** A rich starting configuration: every field UpdateAgentRuntime would drop if not sent back. */
export function sampleConfiguration(account: string, region: string): RuntimeConfiguration {
  return {
    agentRuntimeArtifact: {
      containerConfiguration: { containerUri: `${account}.dkr.ecr.${region}.amazonaws.com/agentcore-chat-bridge:latest` },
    },
    roleArn: `arn:aws:iam::${account}:role/AgentcoreChatBridge-RuntimeExecutionRole`,
    networkConfiguration: {
      networkMode: 'VPC',
      networkModeConfig: {
        securityGroups: ['sg-0123456789abcdef0'],
        subnets: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
      },
    },
    description: 'Slack and Discord chat bridge to Amazon Bedrock',
    protocolConfiguration: { serverProtocol: 'HTTP' },
    lifecycleConfiguration: { idleRuntimeSessionTimeout: 28800, maxLifetime: 28800 },
    requestHeaderConfiguration: { requestHeaderAllowlist: ['X-Amzn-Bedrock-AgentCore-Runtime-Custom-Team'] },
    metadataConfiguration: { requireMMDSV2: true },
    environmentVariables: {
      IMAGE_VERSION: 'initial',
      BRIDGE_SECRET_ID: `arn:aws:secretsmanager:${region}:${account}:secret:agentcore-chat-bridge/platform-tokens-AbCdEf`,
      BEDROCK_MODEL_ID: 'us.anthropic.claude-sonnet-4-6',
      LOG_LEVEL: 'info',
    },
  };
}
