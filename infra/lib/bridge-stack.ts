// One stack: image repository and builder, the platform-token secret, the AgentCore runtime with
// its `live` endpoint and execution role, and the keepalive. Environment-agnostic on purpose:
// account and region are CloudFormation pseudo parameters, so `cdk synth` runs offline.
import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as agentcore from 'aws-cdk-lib/aws-bedrockagentcore';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { KEEPALIVE_TIMEOUT_SECONDS } from './config.js';
import type { StackConfig } from './config.js';
import { asInterface } from './cdk-types.js';
import { ImageBuild } from './image-build.js';
import { Keepalive } from './keepalive.js';
import { acknowledgeRule } from './nag.js';
import { buildNetwork } from './network.js';
import { runtimeExecutionRole } from './runtime-role.js';

/** The JSON keys the bot reads from the secret's SecretString. */
export const SECRET_KEYS = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'DISCORD_BOT_TOKEN'] as const;

export interface BridgeStackProps extends StackProps {
  readonly config: StackConfig;
}

export class BridgeStack extends Stack {
  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const image = new ImageBuild(this, 'Image', { repositoryName: config.repositoryName, imageTag: config.imageTag });
    const secret = platformSecret(this, config);
    const outputs: Record<string, string> = {
      RepositoryUri: image.repository.repositoryUri,
      ImageTag: config.imageTag,
      CodeBuildProjectName: image.project.projectName,
      SourceBucketName: image.sourceBucket.bucketName,
      SecretArn: secret.secretArn,
      ...(config.withRuntime ? this.addRuntime(config, image, secret) : {}),
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
  }

  /** The runtime with its `live` endpoint and execution role, and the keepalive; returns their outputs. */
  private addRuntime(config: StackConfig, image: ImageBuild, secret: secretsmanager.ISecret): Record<string, string> {
    const role = runtimeExecutionRole(this, {
      runtimeName: config.runtimeName,
      repository: image.repository,
      secret,
      modelId: config.modelId,
      modelRegions: config.modelRegions,
      fallbackModelId: config.fallbackModelId,
      guardrailId: config.guardrail?.id ?? null,
      telemetry: config.telemetry,
    });
    const runtime = new agentcore.Runtime(this, 'Runtime', {
      runtimeName: config.runtimeName,
      description: 'Slack and Discord chat bridge to Amazon Bedrock',
      // Read-only to the L2: the role's statements are all in runtime-role.ts.
      executionRole: role.withoutPolicyUpdates(),
      agentRuntimeArtifact: agentcore.AgentRuntimeArtifact.fromEcrRepository(image.repository, config.imageTag),
      networkConfiguration: buildNetwork(this, config.network),
      protocolConfiguration: agentcore.ProtocolType.HTTP,
      lifecycleConfiguration: {
        idleRuntimeSessionTimeout: Duration.seconds(config.idleTimeoutSeconds),
        maxLifetime: Duration.seconds(config.maxLifetimeSeconds),
      },
      environmentVariables: {
        IMAGE_VERSION: config.imageVersion,
        BRIDGE_SECRET_ID: secret.secretArn,
        BEDROCK_MODEL_ID: config.modelId,
        ...(config.fallbackModelId === '' ? {} : { BEDROCK_FALLBACK_MODEL_ID: config.fallbackModelId }),
        ...(config.guardrail === null ? {} : { BEDROCK_GUARDRAIL_ID: config.guardrail.id, BEDROCK_GUARDRAIL_VERSION: config.guardrail.version }),
        LOG_LEVEL: config.logLevel,
        // A fresh session connects nothing until an invocation gives it its role (active, or
        // standby during a rotation): a session started by a stray call never doubles a listener.
        CONNECT_ON: 'invocation',
        ...telemetryEnvironment(config.telemetry),
      },
    });
    // AgentCore pulls the image when it creates the runtime: the role's policies must exist first
    // (the L2 waits for a role only when it made the role itself).
    runtime.node.addDependency(role);
    // The image URI is a token until deploy; the L2 says so on every synth.
    Annotations.of(runtime).acknowledgeInfo('aws-cdk-lib.aws-bedrockagentcore:containerUriValidationSkipped');

    // Follows the runtime version the stack deploys; `npm run deploy` moves it between deploys.
    const endpoint = runtime.addEndpoint(config.endpointName, {
      description: 'The endpoint the keepalive and the operator scripts use',
    });
    const keepalive = new Keepalive(this, 'Keepalive', {
      runtimeArn: runtime.agentRuntimeArn,
      endpointArn: endpoint.agentRuntimeEndpointArn,
      qualifier: config.endpointName,
      sessionId: config.sessionId,
      everyMinutes: config.keepaliveMinutes,
      maxLifetimeSeconds: config.maxLifetimeSeconds,
      rotateBeforeSeconds: config.rotateBeforeSeconds,
      timeoutSeconds: KEEPALIVE_TIMEOUT_SECONDS,
      reserveConcurrency: config.reserveConcurrency,
    });
    return {
      RuntimeArn: runtime.agentRuntimeArn,
      RuntimeId: runtime.agentRuntimeId,
      EndpointName: config.endpointName,
      KeepaliveFunctionName: keepalive.function.functionName,
      KeepaliveRuleName: keepalive.schedule.ruleName,
      SessionId: config.sessionId,
      KeepaliveAlarmName: keepalive.alarm.alarmName,
      RotationTableName: keepalive.table.tableName,
    };
  }
}

/**
 * On: the bot exports to the X-Ray and CloudWatch OTLP endpoints of its region, as ADOT does when
 * AGENT_OBSERVABILITY_ENABLED is set; a missing region turns telemetry off rather than failing
 * (TELEMETRY stays `auto`). Off: TELEMETRY=off, and nothing OpenTelemetry is even loaded.
 */
function telemetryEnvironment(on: boolean): Record<string, string> {
  return on ? { AGENT_OBSERVABILITY_ENABLED: 'true' } : { TELEMETRY: 'off' };
}

function platformSecret(stack: Stack, config: StackConfig): secretsmanager.ISecret {
  if (!config.secret.create) return secretsmanager.Secret.fromSecretNameV2(stack, 'PlatformTokens', config.secret.name);
  const created = new secretsmanager.Secret(stack, 'PlatformTokens', {
    secretName: config.secret.name,
    description:
      `Chat platform tokens for the AgentCore chat bridge. Set SecretString to a JSON object with the keys ` +
      `${SECRET_KEYS.join(', ')} (xoxb- bot token, xapp- app-level token with connections:write, Discord bot token); ` +
      'leave a platform\'s keys out to disable it.',
    // Created holding "{}": the bot starts with both platforms disabled until the operator fills it in.
    secretObjectValue: {},
  });
  acknowledgeRule(created, 'AwsSolutions-SMG4',
    'The values are tokens Slack and Discord issue (xoxb- bot, xapp- app-level, Discord bot token); Secrets Manager cannot mint ' +
      'new ones: they are regenerated in the Slack app settings and the Discord Developer Portal, then written here by the operator.');
  return asInterface<secretsmanager.ISecret>(created);
}
