// Turns CDK context (strings from `-c key=value`, cdk.json or infra/deploy-state.json) into one
// validated, frozen StackConfig. Every problem is collected first and reported together, so an
// operator fixes a bad command line in one go instead of one synth per mistake.

import { ROTATION_DEFAULTS } from '../lambda/rotation-config.js';
import { sessionIdProblem } from '../lambda/session-id.js';

/** AgentCore's limits for both lifecycle timers, in seconds. */
export const LIFECYCLE_MIN_SECONDS = 60;
export const LIFECYCLE_MAX_SECONDS = 28800;

export type NetworkChoice =
  | { readonly mode: 'public' }
  | {
      readonly mode: 'vpc';
      /** Absent: the stack creates a two-AZ VPC with one NAT gateway. */
      readonly vpcId?: string;
      readonly subnetIds: readonly string[];
      readonly securityGroupIds: readonly string[];
      /** Needed for the S3 gateway endpoint in an imported VPC. */
      readonly routeTableIds: readonly string[];
      readonly interfaceEndpoints: boolean;
    };

export interface StackConfig {
  readonly runtimeName: string;
  readonly endpointName: string;
  readonly repositoryName: string;
  readonly imageTag: string;
  readonly imageVersion: string;
  readonly modelId: string;
  /** Regions a cross-region inference profile routes to; empty means the stack's own region. */
  readonly modelRegions: readonly string[];
  /** BEDROCK_FALLBACK_MODEL_ID for the bot, granted like the model; empty: none. */
  readonly fallbackModelId: string;
  /** A Bedrock Guardrail every call goes through (BEDROCK_GUARDRAIL_ID/VERSION); empty id: none. */
  readonly guardrail: { readonly id: string; readonly version: string } | null;
  readonly logLevel: string;
  /** OpenTelemetry export to X-Ray and CloudWatch (docs/observability.md); off sets TELEMETRY=off. */
  readonly telemetry: boolean;
  readonly secret: { readonly create: true; readonly name: string } | { readonly create: false; readonly name: string };
  readonly idleTimeoutSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly network: NetworkChoice;
  readonly sessionId: string;
  readonly keepaliveMinutes: number;
  /** Rotate a session this long before maxLifetimeSeconds (session rotation). */
  readonly rotateBeforeSeconds: number;
  /** Reserved concurrency 1 on the keepalive (a second guard against overlapping rotations). */
  readonly reserveConcurrency: boolean;
  /**
   * False for the very first deploy: AgentCore refuses a runtime whose image is not in ECR yet,
   * so the repository and builder are deployed first, the image pushed, then the runtime.
   */
  readonly withRuntime: boolean;
}

export type ContextReader = (key: string) => unknown;

export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid CDK context:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

export const DEFAULTS = {
  runtimeName: 'agentcore_chat_bridge',
  endpointName: 'live',
  repositoryName: 'agentcore-chat-bridge',
  imageTag: 'latest',
  imageVersion: 'initial',
  modelId: 'us.anthropic.claude-sonnet-4-6',
  logLevel: 'info',
  secretName: 'agentcore-chat-bridge/platform-tokens',
  lifecycleSeconds: LIFECYCLE_MAX_SECONDS,
  // A fixed first session id keeps `cdk deploy` reproducible; `npm run deploy` rolls it.
  sessionId: 'agentcore-chat-bridge-session-initial-0000000001',
  keepaliveMinutes: 5,
  rotateBeforeSeconds: ROTATION_DEFAULTS.rotateBeforeSeconds,
} as const;

/** The keepalive Lambda's timeout: one rotation (cold successor, standby, handover, takeover, drain wait) fits. */
export const KEEPALIVE_TIMEOUT_SECONDS = 360;

const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'];

/** Reads every known context key; throws StackConfigError listing every fault at once. */
export function parseStackConfig(read: ContextReader): StackConfig {
  const problems: string[] = [];
  const text = (key: string, fallback: string): string => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value !== 'string') {
      problems.push(`${key} must be a string, got ${JSON.stringify(value)}`);
      return fallback;
    }
    return value.trim();
  };
  const list = (key: string): string[] => splitList(text(key, ''));
  const flag = (key: string): boolean => ['true', '1', 'yes'].includes(text(key, 'false').toLowerCase());

  const runtimeName = text('runtimeName', DEFAULTS.runtimeName);
  if (!NAME_PATTERN.test(runtimeName)) problems.push(nameProblem('runtimeName', runtimeName));
  const endpointName = text('endpointName', DEFAULTS.endpointName);
  if (!NAME_PATTERN.test(endpointName)) problems.push(nameProblem('endpointName', endpointName));
  const logLevel = text('logLevel', DEFAULTS.logLevel);
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`logLevel=${logLevel} must be one of ${LOG_LEVELS.join(', ')}`);

  const idleTimeoutSeconds = seconds(text('idleTimeoutSeconds', String(DEFAULTS.lifecycleSeconds)), 'idleTimeoutSeconds', problems);
  const maxLifetimeSeconds = seconds(text('maxLifetimeSeconds', String(DEFAULTS.lifecycleSeconds)), 'maxLifetimeSeconds', problems);
  if (idleTimeoutSeconds > maxLifetimeSeconds) {
    problems.push(
      `idleTimeoutSeconds=${idleTimeoutSeconds} is greater than maxLifetimeSeconds=${maxLifetimeSeconds}: ` +
        'AgentCore requires idle <= max (set both to 28800 for an always-on bot)',
    );
  }

  const sessionId = text('sessionId', DEFAULTS.sessionId);
  const sessionProblem = sessionIdProblem(sessionId);
  if (sessionProblem !== undefined) problems.push(`sessionId: ${sessionProblem}`);

  const keepaliveMinutes = Number(text('keepaliveMinutes', String(DEFAULTS.keepaliveMinutes)));
  if (!Number.isInteger(keepaliveMinutes) || keepaliveMinutes < 1 || keepaliveMinutes * 60 >= idleTimeoutSeconds) {
    problems.push(`keepaliveMinutes=${keepaliveMinutes} must be a whole number of minutes, at least 1 and shorter than the idle timeout`);
  }

  // A rotation must finish before the session's end: the first run past the margin may come one
  // schedule period late and may take the whole Lambda timeout.
  const rotationFloor = keepaliveMinutes * 60 + KEEPALIVE_TIMEOUT_SECONDS + 60;
  const rotateBeforeSeconds = Number(text('rotateBeforeSeconds', String(Math.max(DEFAULTS.rotateBeforeSeconds, rotationFloor))));
  if (!Number.isInteger(rotateBeforeSeconds) || rotateBeforeSeconds < rotationFloor) {
    problems.push(
      `rotateBeforeSeconds=${rotateBeforeSeconds} must be a whole number of seconds, at least ${rotationFloor} ` +
        `(keepaliveMinutes*60 + the keepalive's ${KEEPALIVE_TIMEOUT_SECONDS} s timeout + 60), so a rotation ends before the maximum lifetime`,
    );
  } else if (rotateBeforeSeconds >= maxLifetimeSeconds) {
    problems.push(`rotateBeforeSeconds=${rotateBeforeSeconds} must be less than maxLifetimeSeconds=${maxLifetimeSeconds} (raise maxLifetimeSeconds; 28800 for an always-on bot)`);
  }

  const existingSecretName = text('existingSecretName', '');
  const network = parseNetwork(text('network', 'public'), list, flag, problems);
  const config: StackConfig = {
    runtimeName,
    endpointName,
    repositoryName: text('repositoryName', DEFAULTS.repositoryName),
    imageTag: text('imageTag', DEFAULTS.imageTag),
    imageVersion: text('imageVersion', DEFAULTS.imageVersion),
    modelId: text('modelId', DEFAULTS.modelId),
    modelRegions: list('modelRegions'),
    fallbackModelId: text('fallbackModelId', ''),
    guardrail: parseGuardrail(text('guardrailId', ''), text('guardrailVersion', 'DRAFT'), problems),
    logLevel,
    telemetry: text('telemetry', 'on').toLowerCase() !== 'off',
    secret: existingSecretName
      ? { create: false, name: existingSecretName }
      : { create: true, name: text('secretName', DEFAULTS.secretName) },
    idleTimeoutSeconds,
    maxLifetimeSeconds,
    network,
    sessionId,
    keepaliveMinutes,
    rotateBeforeSeconds,
    reserveConcurrency: text('reserveConcurrency', 'true').toLowerCase() !== 'false',
    withRuntime: text('runtime', 'true').toLowerCase() !== 'false',
  };
  if (problems.length > 0) throw new StackConfigError(problems);
  return Object.freeze(config);
}

/** The bot's own rule for a guardrail (src/config/schema.ts): an id or a guardrail ARN; a version number or DRAFT. */
function parseGuardrail(id: string, version: string, problems: string[]): StackConfig['guardrail'] {
  if (id === '') return null;
  if (!/^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/.test(id)) {
    problems.push(`guardrailId=${id} must be a guardrail id (lowercase letters and digits) or a guardrail ARN`);
  }
  const normalised = version.toUpperCase() === 'DRAFT' ? 'DRAFT' : version;
  if (!/^(?:[1-9][0-9]{0,7}|DRAFT)$/.test(normalised)) problems.push(`guardrailVersion=${version} must be a version number (1, 2, ...) or DRAFT`);
  return { id, version: normalised };
}

function seconds(raw: string, key: string, problems: string[]): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < LIFECYCLE_MIN_SECONDS || value > LIFECYCLE_MAX_SECONDS) {
    problems.push(
      `${key}=${raw} must be a whole number of seconds between ${LIFECYCLE_MIN_SECONDS} and ${LIFECYCLE_MAX_SECONDS} (AgentCore's lifecycle limits)`,
    );
    return LIFECYCLE_MAX_SECONDS;
  }
  return value;
}

function parseNetwork(
  mode: string,
  list: (key: string) => string[],
  flag: (key: string) => boolean,
  problems: string[],
): NetworkChoice {
  if (mode === 'public') return { mode: 'public' };
  if (mode !== 'vpc') {
    problems.push(`network=${mode} must be "public" or "vpc"`);
    return { mode: 'public' };
  }
  const vpcId = list('vpcId')[0];
  const subnetIds = list('subnetIds');
  if (vpcId !== undefined && subnetIds.length === 0) {
    problems.push('network=vpc with vpcId needs subnetIds (comma-separated private subnet ids, two AZs or more)');
  }
  if (vpcId === undefined && subnetIds.length > 0) problems.push('subnetIds needs vpcId');
  const routeTableIds = list('routeTableIds');
  const interfaceEndpoints = flag('vpcEndpoints');
  if (vpcId !== undefined && interfaceEndpoints && routeTableIds.length === 0) {
    problems.push('vpcEndpoints=true in an imported VPC needs routeTableIds (the private subnets\' route tables, for the S3 gateway endpoint)');
  }
  return {
    mode: 'vpc',
    ...(vpcId === undefined ? {} : { vpcId }),
    subnetIds,
    securityGroupIds: list('securityGroupIds'),
    routeTableIds,
    interfaceEndpoints,
  };
}

function nameProblem(key: string, value: string): string {
  return `${key}=${value} must start with a letter and use only letters, digits and _ (48 characters at most)`;
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
