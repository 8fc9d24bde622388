// Proves least privilege: the runtime role may invoke only the chosen model (profile plus the
// foundation model in each routed region), read only its secret and pull only from its
// repository; the keepalive may only invoke this runtime and its endpoint.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { actionsOf, onlyResource, renderArn, resourcesOf, roleStatements, synth } from './helpers.js';
import type { Statement } from './helpers.js';

function statementsFor(statements: Statement[], prefix: string): Statement[] {
  return statements.filter((s) => actionsOf(s).some((a) => a.startsWith(prefix)));
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

  it('writes logs only under the AgentCore runtime log groups', () => {
    const writes = statements.filter((s) => actionsOf(s).includes('logs:PutLogEvents'));
    assert.ok(writes.length > 0);
    for (const arn of rendered(writes)) assert.match(arn, /:log-group:\/aws\/bedrock-agentcore\/runtimes\//);
  });

  it('may export spans (xray:PutTraceSegments) and OTLP metrics (cloudwatch:PutMetricData), both necessarily on "*"', () => {
    const xray = statements.filter((s) => actionsOf(s).includes('xray:PutTraceSegments'));
    assert.deepEqual(rendered(xray), ['*']);
    const metrics = statements.filter((s) => s.Sid === 'OtlpMetricsExport');
    assert.equal(metrics.length, 1);
    assert.deepEqual(actionsOf(metrics[0]!), ['cloudwatch:PutMetricData']);
    assert.deepEqual(rendered(metrics), ['*']);
  });

  it('has no "*" resource for bedrock, secretsmanager or ECR image actions', () => {
    const scoped = statements.filter((s) =>
      actionsOf(s).some((a) => a.startsWith('bedrock:') || a.startsWith('secretsmanager:') || (a.startsWith('ecr:') && a !== 'ecr:GetAuthorizationToken')));
    assert.ok(scoped.length >= 3);
    for (const arn of rendered(scoped)) assert.notEqual(arn, '*');
  });
});

describe('keepalive role', () => {
  it('may only invoke and stop sessions of this runtime and its live endpoint, and read and write its own table', () => {
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
    assert.equal(statements.length, agentcore.length + dynamo.length, 'nothing else');
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
});
