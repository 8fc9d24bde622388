// Proves least privilege: the runtime role may invoke only the chosen model (profile plus the
// foundation model in each routed region), read only its secret and pull only from its
// repository; the keepalive may only invoke this runtime and its endpoint; the image build reads
// one object and pushes to one repository.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsOf, onlyResource, onlyRoleAssumedBy, renderArn, resourcesOf, roleStatements, synth } from './helpers.js';
import type { Statement } from './helpers.js';

function statementsFor(statements: Statement[], prefix: string): Statement[] {
  return statements.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix)));
}

function runtimeEnvironment(template: ReturnType<typeof synth>['template']): Record<string, unknown> {
  const runtime = Object.values(template.findResources('AWS::BedrockAgentCore::Runtime'))[0] as { Properties: { EnvironmentVariables: Record<string, unknown> } };
  return runtime.Properties.EnvironmentVariables;
}

function rendered(statements: Statement[]): string[] {
  return statements.flatMap(resourcesOf).map(renderArn);
}

describe('runtime execution role', () => {
  const { template } = synth();
  const statements = roleStatements(template, 'RuntimeExecutionRole');

  it('invokes the inference profile and its foundation model in the US routing regions only', () => {
    const bedrock = statementsFor(statements, 'bedrock:');
    assert.deepEqual(bedrock.flatMap(actionsOf).sort(), ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    assert.deepEqual(rendered(bedrock), [
      'arn:{AWS::Partition}:bedrock:{AWS::Region}:{AWS::AccountId}:inference-profile/us.anthropic.claude-sonnet-4-6',
      'arn:{AWS::Partition}:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:{AWS::Partition}:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:{AWS::Partition}:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-6',
    ]);
  });

  it('reads only the platform-token secret', () => {
    const secret = onlyResource(template, 'AWS::SecretsManager::Secret');
    const reads = statementsFor(statements, 'secretsmanager:');
    assert.deepEqual(rendered(reads), [`{${secret.id}}`]);
    assert.ok(reads.flatMap(actionsOf).includes('secretsmanager:GetSecretValue'));
  });

  it('pulls only from the stack repository; only GetAuthorizationToken is account-wide', () => {
    const repository = onlyResource(template, 'AWS::ECR::Repository');
    const ecr = statementsFor(statements, 'ecr:');
    for (const statement of ecr) {
      const account = actionsOf(statement).includes('ecr:GetAuthorizationToken');
      if (account) assert.deepEqual(actionsOf(statement), ['ecr:GetAuthorizationToken']);
      else assert.deepEqual(rendered([statement]), [`{${repository.id}.Arn}`]);
    }
    assert.ok(ecr.flatMap(actionsOf).includes('ecr:BatchGetImage'));
  });

  it('writes logs only to this runtime\'s log groups; X-Ray and CloudWatch only the two OTLP export actions', () => {
    const writes = statements.filter((s) => actionsOf(s).includes('logs:PutLogEvents'));
    assert.deepEqual(rendered(writes), [
      'arn:{AWS::Partition}:logs:{AWS::Region}:{AWS::AccountId}:log-group:/aws/bedrock-agentcore/runtimes/agentcore_chat_bridge-*:log-stream:*',
    ]);
    assert.deepEqual(statements.flatMap(actionsOf).filter((a) => a.startsWith('xray:') || a.startsWith('cloudwatch:')).sort(), ['cloudwatch:PutMetricData', 'xray:PutTraceSegments']);
  });

  it('with -c telemetry=off has no X-Ray or CloudWatch action at all', () => {
    const off = roleStatements(synth({ telemetry: 'off' }).template, 'RuntimeExecutionRole');
    assert.deepEqual(off.flatMap(actionsOf).filter((a) => a.startsWith('xray:') || a.startsWith('cloudwatch:')), []);
  });

  it('may export spans (xray:PutTraceSegments) and OTLP metrics (cloudwatch:PutMetricData), both necessarily on "*"', () => {
    const xray = statements.filter((s) => actionsOf(s).includes('xray:PutTraceSegments'));
    assert.deepEqual(xray.map((s) => s.Sid), ['OtlpTracesExport']);
    assert.deepEqual(actionsOf(xray[0]!), ['xray:PutTraceSegments']);
    assert.deepEqual(rendered(xray), ['*']);
    const metrics = statements.filter((s) => s.Sid === 'OtlpMetricsExport');
    assert.equal(metrics.length, 1);
    assert.deepEqual(actionsOf(metrics[0]!), ['cloudwatch:PutMetricData']);
    assert.deepEqual(rendered(metrics), ['*']);
  });

  it('gets workload access tokens for this runtime\'s identity only', () => {
    assert.deepEqual(rendered(statementsFor(statements, 'bedrock-agentcore:GetWorkloadAccessToken')), [
      'arn:{AWS::Partition}:bedrock-agentcore:{AWS::Region}:{AWS::AccountId}:workload-identity-directory/default',
      'arn:{AWS::Partition}:bedrock-agentcore:{AWS::Region}:{AWS::AccountId}:workload-identity-directory/default/workload-identity/agentcore_chat_bridge-*',
    ]);
  });

  it('is the role the runtime runs as, trusted by AgentCore for runtimes of this name only', () => {
    const runtime = onlyResource<{ RoleArn: unknown }>(template, 'AWS::BedrockAgentCore::Runtime');
    const role = onlyRoleAssumedBy(template, 'bedrock-agentcore.amazonaws.com');
    assert.match(renderArn(runtime.props.RoleArn), /^\{RuntimeExecutionRole[0-9A-F]{8}\.Arn\}$/);
    assert.match(JSON.stringify(role.AssumeRolePolicyDocument), /runtime\/agentcore_chat_bridge\*/);
  });

  it('has no "*" resource for bedrock, secretsmanager or ECR image actions', () => {
    const scoped = statements.filter((s) =>
      actionsOf(s).some((a) => a.startsWith('bedrock:') || a.startsWith('secretsmanager:') || (a.startsWith('ecr:') && a !== 'ecr:GetAuthorizationToken')));
    assert.ok(scoped.length >= 3);
    for (const arn of rendered(scoped)) assert.notEqual(arn, '*');
  });
});

describe('keepalive role', () => {
  it('may only invoke and stop sessions of this runtime and its live endpoint, read and write its own table and write its own logs', () => {
    const { template } = synth();
    const runtime = onlyResource(template, 'AWS::BedrockAgentCore::Runtime');
    const endpoint = onlyResource(template, 'AWS::BedrockAgentCore::RuntimeEndpoint');
    const table = onlyResource(template, 'AWS::DynamoDB::Table');
    const statements = roleStatements(template, 'KeepaliveFunctionServiceRole');
    const agentcore = statementsFor(statements, 'bedrock-agentcore:');
    assert.deepEqual(agentcore.flatMap(actionsOf), ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:StopRuntimeSession']);
    assert.deepEqual(rendered(agentcore), [`{${runtime.id}.AgentRuntimeArn}`, `{${endpoint.id}.AgentRuntimeEndpointArn}`]);
    const dynamo = statementsFor(statements, 'dynamodb:');
    assert.deepEqual(dynamo.flatMap(actionsOf).sort(), ['dynamodb:GetItem', 'dynamodb:PutItem']);
    assert.deepEqual(rendered(dynamo), [`{${table.id}.Arn}`]);
    const logs = statementsFor(statements, 'logs:');
    assert.deepEqual(logs.flatMap(actionsOf).sort(), ['logs:CreateLogStream', 'logs:PutLogEvents']);
    assert.deepEqual(rendered(logs), [`{${onlyResource(template, 'AWS::Logs::LogGroup', 'KeepaliveLogs').id}.Arn}`]);
    assert.equal(statements.length, agentcore.length + dynamo.length + logs.length, 'nothing else');
    const role = onlyRoleAssumedBy(template, 'lambda.amazonaws.com');
    assert.equal(role.ManagedPolicyArns, undefined, 'no AWSLambdaBasicExecutionRole (log writes to every group)');
  });
});

describe('image build role', () => {
  const { template } = synth();
  const statements = roleStatements(template, 'ImageBuildRole');

  it('reads only the source zip, writes only its log group and pushes only to the stack repository', () => {
    const bucket = onlyResource(template, 'AWS::S3::Bucket', 'SourceBucket');
    const repository = onlyResource(template, 'AWS::ECR::Repository');
    const group = onlyResource(template, 'AWS::Logs::LogGroup', 'BuildLogs');
    assert.deepEqual(rendered(statementsFor(statements, 's3:GetObject')), [`{${bucket.id}.Arn}/source/agentcore-chat-bridge.zip`]);
    assert.deepEqual(rendered(statementsFor(statements, 's3:GetBucket')), [`{${bucket.id}.Arn}`]);
    assert.deepEqual(rendered(statementsFor(statements, 'logs:')), [`{${group.id}.Arn}`]);
    const ecr = statementsFor(statements, 'ecr:');
    assert.deepEqual(rendered(ecr.filter((s) => !actionsOf(s).includes('ecr:GetAuthorizationToken'))), [`{${repository.id}.Arn}`]);
    assert.ok(ecr.flatMap(actionsOf).includes('ecr:PutImage'));
    assert.deepEqual(statements.flatMap(actionsOf).filter((a) => a.includes('*') || a.startsWith('codebuild:')), [], 'no action wildcards, no report groups');
  });

  it('leaves "*" to ecr:GetAuthorizationToken alone, in a policy of its own', () => {
    const wildcards = statements.filter((s) => resourcesOf(s).includes('*'));
    assert.deepEqual(wildcards.flatMap(actionsOf), ['ecr:GetAuthorizationToken']);
  });
});

describe('choices through context', () => {
  it('an existing secret is imported by name and only it is readable', () => {
    const { template } = synth({ existingSecretName: 'team/bridge-tokens' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const reads = statementsFor(roleStatements(template, 'RuntimeExecutionRole'), 'secretsmanager:');
    assert.deepEqual(rendered(reads), ['arn:{AWS::Partition}:secretsmanager:{AWS::Region}:{AWS::AccountId}:secret:team/bridge-tokens-??????']);
  });

  it('a plain model id is granted in the stack region only; modelRegions overrides the routing table', () => {
    const plain = synth({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0' }).template;
    assert.deepEqual(rendered(statementsFor(roleStatements(plain, 'RuntimeExecutionRole'), 'bedrock:')), [
      'arn:{AWS::Partition}:bedrock:{AWS::Region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
    ]);
    const eu = synth({ modelId: 'eu.anthropic.claude-sonnet-4-6', modelRegions: 'eu-west-1,eu-central-1' }).template;
    assert.deepEqual(rendered(statementsFor(roleStatements(eu, 'RuntimeExecutionRole'), 'bedrock:')), [
      'arn:{AWS::Partition}:bedrock:{AWS::Region}:{AWS::AccountId}:inference-profile/eu.anthropic.claude-sonnet-4-6',
      'arn:{AWS::Partition}:bedrock:eu-west-1::foundation-model/anthropic.claude-sonnet-4-6',
      'arn:{AWS::Partition}:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-6',
    ]);
  });

  it('a fallback model is granted like the model, a guardrail is applied by its own ARN, and both reach the bot', () => {
    const { template } = synth({ fallbackModelId: 'anthropic.claude-3-haiku-20240307-v1:0', guardrailId: 'gr1a2b3c4d5e', guardrailVersion: 'draft' });
    const statements = roleStatements(template, 'RuntimeExecutionRole');
    assert.ok(rendered(statementsFor(statements, 'bedrock:InvokeModel')).includes('arn:{AWS::Partition}:bedrock:{AWS::Region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0'));
    assert.deepEqual(rendered(statementsFor(statements, 'bedrock:ApplyGuardrail')), ['arn:{AWS::Partition}:bedrock:{AWS::Region}:{AWS::AccountId}:guardrail/gr1a2b3c4d5e']);
    const env = runtimeEnvironment(template);
    assert.equal(env.BEDROCK_FALLBACK_MODEL_ID, 'anthropic.claude-3-haiku-20240307-v1:0');
    assert.equal(env.BEDROCK_GUARDRAIL_ID, 'gr1a2b3c4d5e');
    assert.equal(env.BEDROCK_GUARDRAIL_VERSION, 'DRAFT');
  });

  it('without them, neither is granted nor set', () => {
    const { template } = synth({});
    assert.deepEqual(statementsFor(roleStatements(template, 'RuntimeExecutionRole'), 'bedrock:ApplyGuardrail'), []);
    const env = runtimeEnvironment(template);
    assert.equal(env.BEDROCK_FALLBACK_MODEL_ID, undefined);
    assert.equal(env.BEDROCK_GUARDRAIL_ID, undefined);
  });
});
