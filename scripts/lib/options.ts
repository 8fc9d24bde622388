// Where the scripts learn which runtime, endpoint and session to act on. Each value comes from,
// in order: a flag, an environment variable, the stack outputs `npm run cdk:deploy` wrote
// (infra/cdk-outputs.json), or the deploy state `npm run deploy` wrote (infra/deploy-state.json).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEPLOY_STATE_FILE } from '../../infra/lib/constants.js';
import { CliError } from './cli.js';
import type { Env, Flags } from './cli.js';

export const OUTPUTS_FILE = fileURLToPath(new URL('../../infra/cdk-outputs.json', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface OperatorOptions {
  readonly runtimeArn?: string;
  readonly runtimeId?: string;
  readonly region?: string;
  readonly qualifier: string;
  readonly sessionId?: string;
  readonly functionName?: string;
  /** The EventBridge rule that runs the keepalive (KeepaliveRuleName output). */
  readonly ruleName?: string;
  /** The rotation state table (RotationTableName output). */
  readonly tableName?: string;
  readonly projectName?: string;
  readonly sourceBucket?: string;
  readonly repositoryUri?: string;
  readonly imageTag: string;
  readonly stateFile: string;
  /** The session id the last `npm run deploy` rolled to, if any. */
  readonly stateSessionId?: string;
  readonly json: boolean;
}

type Outputs = Partial<Record<
  'RuntimeArn' | 'RuntimeId' | 'EndpointName' | 'KeepaliveFunctionName' | 'SessionId' | 'CodeBuildProjectName' | 'SourceBucketName' | 'RepositoryUri' | 'ImageTag' |
  'RotationTableName' | 'KeepaliveRuleName',
  string
>>;

export function loadOptions(flags: Flags, env: Env): OperatorOptions {
  const outputs = readOutputs(text(flags['outputs-file']) ?? env.CDK_OUTPUTS_FILE ?? OUTPUTS_FILE, env.STACK_NAME);
  const stateFile = text(flags['state-file']) ?? env.BRIDGE_DEPLOY_STATE_FILE ?? DEPLOY_STATE_FILE;
  const state = readJson(stateFile) ?? {};
  const pick = (...values: (string | boolean | undefined)[]): string | undefined => values.map(text).find((v) => v !== undefined);
  const runtimeArn = pick(flags['runtime-arn'], env.AGENTCORE_RUNTIME_ARN, flags['runtime-id'] === undefined ? outputs.RuntimeArn : undefined);
  return compact({
    runtimeArn,
    runtimeId: pick(flags['runtime-id'], env.AGENTCORE_RUNTIME_ID, runtimeArn === undefined ? outputs.RuntimeId : undefined),
    region: pick(flags.region, env.AWS_REGION, env.AWS_DEFAULT_REGION, regionOf(runtimeArn)),
    qualifier: pick(flags.qualifier, env.AGENTCORE_QUALIFIER, outputs.EndpointName) ?? 'DEFAULT',
    sessionId: pick(flags['session-id'], env.SESSION_ID),
    stateSessionId: pick(typeof state.sessionId === 'string' ? state.sessionId : undefined, outputs.SessionId),
    functionName: pick(flags['function-name'], env.KEEPALIVE_FUNCTION_NAME, outputs.KeepaliveFunctionName),
    ruleName: pick(flags['rule-name'], env.KEEPALIVE_RULE_NAME, outputs.KeepaliveRuleName),
    tableName: pick(flags['table-name'], env.ROTATION_TABLE_NAME, outputs.RotationTableName),
    projectName: pick(env.CODEBUILD_PROJECT_NAME, outputs.CodeBuildProjectName),
    sourceBucket: pick(env.SOURCE_BUCKET_NAME, outputs.SourceBucketName),
    repositoryUri: pick(env.ECR_REPOSITORY_URI, outputs.RepositoryUri),
    imageTag: pick(env.IMAGE_TAG, outputs.ImageTag) ?? 'latest',
    stateFile,
    json: flags.json === true,
  });
}

/** `arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>` -> id and region. */
export function parseRuntimeArn(arn: string): { runtimeId: string; region: string } {
  const match = /^arn:aws[\w-]*:bedrock-agentcore:([\w-]+):\d{12}:runtime\/([\w-]+)$/.exec(arn);
  if (match === null) {
    throw new CliError(`"${arn}" is not an AgentCore runtime ARN (arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>)`);
  }
  return { region: match[1]!, runtimeId: match[2]! };
}

function regionOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : /^arn:[^:]+:[^:]+:([^:]+):/.exec(arn)?.[1];
}

function readOutputs(file: string, stackName: string | undefined): Outputs {
  const all = readJson(file);
  if (all === undefined) return {};
  const stack = stackName === undefined ? Object.values(all)[0] : all[stackName];
  return typeof stack === 'object' && stack !== null ? (stack) : {};
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`${file} is not valid JSON (${(error as Error).message}); fix or delete it`);
  }
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Drops undefined values so the result satisfies exactOptionalPropertyTypes. */
function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
