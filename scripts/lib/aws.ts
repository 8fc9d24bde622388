// The SDK clients the scripts use, and the two look-ups every script needs: which runtime (ARN
// and id) and which session is current. Endpoints come from the SDK's own AWS_ENDPOINT_URL_*
// variables, so the same code talks to AWS or to a local stand-in.
import { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoStateStore } from '../../infra/lambda/rotation-state.js';
import { assertSessionId } from '../../infra/lambda/session-id.js';
import { CliError } from './cli.js';
import { parseRuntimeArn } from './options.js';
import type { OperatorOptions } from './options.js';

export interface Clients {
  readonly data: BedrockAgentCoreClient;
  readonly control: BedrockAgentCoreControlClient;
  readonly lambda: LambdaClient;
  readonly codebuild: CodeBuildClient;
  readonly s3: S3Client;
  readonly ecr: ECRClient;
  readonly dynamodb: DynamoDBClient;
}

export function makeClients(region: string | undefined): Clients {
  const base = region === undefined ? {} : { region };
  return {
    // A fresh session's first call waits for a cold microVM; allow it two minutes.
    data: new BedrockAgentCoreClient({ ...base, requestHandler: { requestTimeout: 120_000 } }),
    control: new BedrockAgentCoreControlClient(base),
    lambda: new LambdaClient(base),
    codebuild: new CodeBuildClient(base),
    s3: new S3Client(base),
    ecr: new ECRClient(base),
    dynamodb: new DynamoDBClient(base),
  };
}

export interface RuntimeRef {
  readonly runtimeArn: string;
  readonly runtimeId: string;
}

/** The runtime from an ARN, or from an id through GetAgentRuntime (which also proves it exists). */
export async function resolveRuntime(options: OperatorOptions, control: BedrockAgentCoreControlClient): Promise<RuntimeRef> {
  if (options.runtimeArn !== undefined) {
    return { runtimeArn: options.runtimeArn, runtimeId: parseRuntimeArn(options.runtimeArn).runtimeId };
  }
  if (options.runtimeId === undefined) {
    throw new CliError(
      'No runtime configured. Pass --runtime-arn (or set AGENTCORE_RUNTIME_ARN), or deploy the stack with ' +
        '`npm run cdk:deploy`, which writes infra/cdk-outputs.json for these scripts.',
    );
  }
  const runtime = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: options.runtimeId }));
  if (runtime.agentRuntimeArn === undefined) throw new CliError(`GetAgentRuntime returned no ARN for ${options.runtimeId}`);
  return { runtimeArn: runtime.agentRuntimeArn, runtimeId: options.runtimeId };
}

/** The rotation table: a flag, ROTATION_TABLE_NAME or the stack output, else the keepalive function's own variable. */
export async function resolveTableName(options: OperatorOptions, lambda: LambdaClient): Promise<string | undefined> {
  return tableNameOf(options, functionVariables(options, lambda));
}

/**
 * The session the keepalive keeps alive: a flag or SESSION_ID first, then the rotation table's
 * current session (the truth once a keepalive ran), then the keepalive function's SESSION_ID
 * (the seed, or the truth without rotation), then the deploy state file and stack outputs.
 */
export async function currentSessionId(options: OperatorOptions, clients: Pick<Clients, 'lambda' | 'dynamodb'>): Promise<string> {
  if (options.sessionId !== undefined) return assertSessionId(options.sessionId, '--session-id / SESSION_ID');
  const variables = functionVariables(options, clients.lambda);
  const tableName = await tableNameOf(options, variables);
  if (tableName !== undefined) {
    const { state } = await new DynamoStateStore(clients.dynamodb, tableName).load();
    if (state !== undefined) return assertSessionId(state.current.sessionId, `the current session in ${tableName}`);
  }
  if (variables !== undefined) {
    const fromFunction = (await variables()).SESSION_ID;
    if (fromFunction !== undefined) return assertSessionId(fromFunction, `SESSION_ID of ${options.functionName}`);
  }
  if (options.stateSessionId !== undefined) return assertSessionId(options.stateSessionId, 'the deploy state');
  throw new CliError('No session id known. Pass --session-id (or SESSION_ID), or --function-name (KEEPALIVE_FUNCTION_NAME) to read the keepalive\'s.');
}

type FunctionVariables = () => Promise<Readonly<Record<string, string>>>;

/** The keepalive function's environment, read with GetFunctionConfiguration on first use and then remembered. */
function functionVariables(options: OperatorOptions, lambda: LambdaClient): FunctionVariables | undefined {
  const functionName = options.functionName;
  if (functionName === undefined) return undefined;
  let read: Promise<Readonly<Record<string, string>>> | undefined;
  return () => (read ??= lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
    .then((config) => config.Environment?.Variables ?? {}));
}

async function tableNameOf(options: OperatorOptions, variables: FunctionVariables | undefined): Promise<string | undefined> {
  if (options.tableName !== undefined) return options.tableName;
  if (variables === undefined) return undefined;
  return (await variables()).ROTATION_TABLE_NAME || undefined;
}
