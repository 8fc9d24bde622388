// Proves the synthesized template: runtime lifecycle, environment and endpoint, the keepalive's
// schedule, alarm and configuration, the ARM64 CodeBuild project, and the stack outputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { onlyResource, renderArn, synth } from './helpers.js';

const { template } = synth();

describe('runtime', () => {
  it('keeps a session for the full 8 hours, idle and total', () => {
    template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      LifecycleConfiguration: { IdleRuntimeSessionTimeout: 28800, MaxLifetime: 28800 },
      NetworkConfiguration: { NetworkMode: 'PUBLIC' },
      ProtocolConfiguration: 'HTTP',
      AgentRuntimeName: 'agentcore_chat_bridge',
    });
  });

  it('sets the environment the bot reads, with the secret ARN and the model id', () => {
    const { props } = onlyResource<{ EnvironmentVariables: Record<string, unknown> }>(template, 'AWS::BedrockAgentCore::Runtime');
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    assert.deepEqual(props.EnvironmentVariables, {
      IMAGE_VERSION: 'initial',
      BRIDGE_SECRET_ID: { Ref: secret.id },
      BEDROCK_MODEL_ID: 'us.anthropic.claude-sonnet-4-6',
      LOG_LEVEL: 'info',
      CONNECT_ON: 'invocation',
      AGENT_OBSERVABILITY_ENABLED: 'true',
    });
  });

  it('with -c telemetry=off tells the bot TELEMETRY=off and grants no OTLP metrics export', () => {
    const off = synth({ telemetry: 'off' }).template;
    const { props } = onlyResource<{ EnvironmentVariables: Record<string, unknown> }>(off, 'AWS::BedrockAgentCore::Runtime');
    assert.equal(props.EnvironmentVariables.TELEMETRY, 'off');
    assert.equal(props.EnvironmentVariables.AGENT_OBSERVABILITY_ENABLED, undefined);
    assert.ok(!JSON.stringify(off.toJSON()).includes('OtlpMetricsExport'));
  });

  it('runs the image from the stack repository at the chosen tag', () => {
    const { props } = onlyResource<{ AgentRuntimeArtifact: { ContainerConfiguration: { ContainerUri: unknown } } }>(
      template, 'AWS::BedrockAgentCore::Runtime');
    const repository = onlyResource(template, 'AWS::ECR::Repository');
    const uri = renderArn(props.AgentRuntimeArtifact.ContainerConfiguration.ContainerUri);
    assert.match(uri, new RegExp(`/\\{${repository.id}\\}:latest$`));
  });

  it('adds a named endpoint "live" that follows the version the stack deploys', () => {
    const runtime = onlyResource(template, 'AWS::BedrockAgentCore::Runtime');
    template.hasResourceProperties('AWS::BedrockAgentCore::RuntimeEndpoint', {
      Name: 'live',
      AgentRuntimeId: { 'Fn::GetAtt': [runtime.id, 'AgentRuntimeId'] },
      AgentRuntimeVersion: { 'Fn::GetAtt': [runtime.id, 'AgentRuntimeVersion'] },
    });
  });

  it('creates the token secret holding an empty JSON object and describing its keys', () => {
    const secret = onlyResource<{ Description: string; SecretString: string; Name: string }>(template, 'AWS::SecretsManager::Secret');
    assert.equal(secret.props.SecretString, '{}');
    assert.equal(secret.props.Name, 'agentcore-chat-bridge/platform-tokens');
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'DISCORD_BOT_TOKEN']) assert.ok(secret.props.Description.includes(key), key);
  });
});

describe('keepalive', () => {
  it('runs every 5 minutes, one run at a time, with a timeout a whole rotation fits in', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1, Timeout: 360 });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
  });

  it('is a Node.js 24 ARM Lambda pointed at the live endpoint and the session', () => {
    const runtime = onlyResource(template, 'AWS::BedrockAgentCore::Runtime');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          AGENTCORE_RUNTIME_ARN: { 'Fn::GetAtt': [runtime.id, 'AgentRuntimeArn'] },
          AGENTCORE_QUALIFIER: 'live',
          SESSION_ID: Match.stringLikeRegexp('^.{33,256}$'),
          ROTATION_TABLE_NAME: { Ref: onlyResource(template, 'AWS::DynamoDB::Table').id },
          MAX_LIFETIME_SECONDS: '28800',
          ROTATE_BEFORE_SECONDS: '900',
          LEASE_SECONDS: '420',
        },
      },
    });
  });

  it('alarms on the function Errors metric, and on silence', () => {
    const fn = Object.keys(template.findResources('AWS::Lambda::Function'))[0]!;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
    });
  });
});

describe('rotation state', () => {
  it('is an on-demand DynamoDB table keyed by pk, recoverable to a point in time, deleted with the stack', () => {
    const table = onlyResource<{ KeySchema: unknown; AttributeDefinitions: unknown; BillingMode: string; PointInTimeRecoverySpecification: unknown }>(
      template, 'AWS::DynamoDB::Table');
    assert.deepEqual(table.props.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    assert.deepEqual(table.props.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
    assert.deepEqual(table.props.AttributeDefinitions, [{ AttributeName: 'pk', AttributeType: 'S' }]);
    assert.equal(table.props.BillingMode, 'PAY_PER_REQUEST');
    const resources = (template.toJSON() as { Resources: Record<string, { DeletionPolicy?: string }> }).Resources;
    assert.equal(resources[table.id]?.DeletionPolicy, 'Delete');
  });

  it('rotates 15 minutes before the maximum lifetime by default, following the lifetime and schedule chosen', () => {
    const custom = synth({ maxLifetimeSeconds: '7200', idleTimeoutSeconds: '7200', rotateBeforeSeconds: '1200', keepaliveMinutes: '10' }).template;
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MAX_LIFETIME_SECONDS: '7200', ROTATE_BEFORE_SECONDS: '1200' }) },
    });
    // A 10-minute schedule needs more margin than 900 s: the default follows.
    synth({ keepaliveMinutes: '10' }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROTATE_BEFORE_SECONDS: '1020' }) },
    });
  });

  it('can leave concurrency unreserved for accounts at the minimum unreserved concurrency', () => {
    const { template: unreserved } = synth({ reserveConcurrency: 'false' });
    const fn = onlyResource<Record<string, unknown>>(unreserved, 'AWS::Lambda::Function');
    assert.equal(fn.props.ReservedConcurrentExecutions, undefined);
  });
});

describe('image build', () => {
  it('builds on an ARM CodeBuild host from buildspec.yml, large and privileged', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: {
        Type: 'ARM_CONTAINER',
        Image: 'aws/codebuild/amazonlinux2-aarch64-standard:3.0',
        ComputeType: 'BUILD_GENERAL1_LARGE',
        PrivilegedMode: true,
        EnvironmentVariables: Match.arrayWith([Match.objectLike({ Name: 'ECR_REPOSITORY_URI' })]),
      },
      Source: { Type: 'S3', BuildSpec: 'buildspec.yml' },
    });
  });
});

describe('outputs', () => {
  it('names everything the operator scripts need', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    for (const name of ['RepositoryUri', 'RuntimeArn', 'RuntimeId', 'EndpointName', 'SecretArn', 'KeepaliveFunctionName', 'SessionId',
      'CodeBuildProjectName', 'SourceBucketName', 'RotationTableName', 'KeepaliveRuleName']) {
      assert.ok(outputs.includes(name), `missing output ${name}`);
    }
  });
});
