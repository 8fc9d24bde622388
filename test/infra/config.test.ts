// Proves the context knobs: lifecycle values within AgentCore's limits (bad ones fail synth with
// every fix listed), the VPC option with its endpoints, and offline synthesis with local bundling.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StackConfigError } from '../../infra/lib/config.js';
import { INTERFACE_ENDPOINT_SERVICES } from '../../infra/lib/network.js';
import { onlyResource, synth } from './helpers.js';

describe('lifecycle context', () => {
  it('passes chosen values through', () => {
    const { template } = synth({ idleTimeoutSeconds: '900', maxLifetimeSeconds: '3600', keepaliveMinutes: '10' });
    template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      LifecycleConfiguration: { IdleRuntimeSessionTimeout: 900, MaxLifetime: 3600 },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(10 minutes)' });
  });

  it('refuses values outside 60-28800 and idle above max, naming every problem at once', () => {
    assert.throws(() => synth({ idleTimeoutSeconds: '30', maxLifetimeSeconds: '30000' }), (error: unknown) => {
      assert.ok(error instanceof StackConfigError);
      assert.equal(error.problems.length, 2);
      assert.match(error.message, /idleTimeoutSeconds=30 must be a whole number of seconds between 60 and 28800/);
      assert.match(error.message, /maxLifetimeSeconds=30000 must be a whole number of seconds between 60 and 28800/);
      return true;
    });
    assert.throws(() => synth({ idleTimeoutSeconds: '7200', maxLifetimeSeconds: '3600' }),
      /idleTimeoutSeconds=7200 is greater than maxLifetimeSeconds=3600: AgentCore requires idle <= max/);
    assert.throws(() => synth({ idleTimeoutSeconds: '90.5' }), /idleTimeoutSeconds=90.5 must be a whole number/);
  });

  it('refuses a rotation margin that cannot finish before the maximum lifetime', () => {
    assert.throws(() => synth({ rotateBeforeSeconds: '600' }), /rotateBeforeSeconds=600 must be a whole number of seconds, at least 720/);
    assert.throws(() => synth({ maxLifetimeSeconds: '900', idleTimeoutSeconds: '900', keepaliveMinutes: '1', rotateBeforeSeconds: '900' }),
      /rotateBeforeSeconds=900 must be less than maxLifetimeSeconds=900/);
  });

  it('refuses a session id shorter than 33 characters and a keepalive slower than the idle timeout', () => {
    assert.throws(() => synth({ sessionId: 'too-short' }), /sessionId: a runtime session id must be 33-256 characters, got 9/);
    assert.throws(() => synth({ idleTimeoutSeconds: '300', keepaliveMinutes: '5' }), /keepaliveMinutes=5/);
  });
});

describe('network context', () => {
  it('a new VPC gets private subnets, an HTTPS-only group and, on request, every endpoint', () => {
    const { template } = synth({ network: 'vpc', vpcEndpoints: 'true' });
    const { props } = onlyResource<{ NetworkConfiguration: { NetworkMode: string; NetworkModeConfig: { Subnets: unknown[]; SecurityGroups: unknown[] } } }>(
      template, 'AWS::BedrockAgentCore::Runtime');
    assert.equal(props.NetworkConfiguration.NetworkMode, 'VPC');
    assert.equal(props.NetworkConfiguration.NetworkModeConfig.Subnets.length, 2);
    assert.equal(props.NetworkConfiguration.NetworkModeConfig.SecurityGroups.length, 1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    const endpoints = Object.values(template.findResources('AWS::EC2::VPCEndpoint')).map((r) => r.Properties as Record<string, unknown>);
    const names = endpoints.map((e) => JSON.stringify(e.ServiceName));
    for (const service of [...INTERFACE_ENDPOINT_SERVICES, 's3']) {
      assert.ok(names.some((n) => n.includes(`.${service}"`)), `missing endpoint ${service}`);
    }
    assert.deepEqual(endpoints.map((e) => e.VpcEndpointType).sort(), ['Gateway', 'Interface', 'Interface', 'Interface', 'Interface', 'Interface']);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
    });
  });

  it('an existing VPC uses the given subnets, groups and route tables', () => {
    const { template } = synth({
      network: 'vpc', vpcId: 'vpc-0abc12345678def00', subnetIds: 'subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f',
      securityGroupIds: 'sg-0123456789abcdef0', vpcEndpoints: 'true', routeTableIds: 'rtb-0123456789abcdef0',
    });
    template.hasResourceProperties('AWS::BedrockAgentCore::Runtime', {
      NetworkConfiguration: { NetworkMode: 'VPC', NetworkModeConfig: { Subnets: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'], SecurityGroups: ['sg-0123456789abcdef0'] } },
    });
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', RouteTableIds: ['rtb-0123456789abcdef0'], VpcId: 'vpc-0abc12345678def00' });
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });

  it('public mode has no VPC resources, and an imported VPC without subnets is refused', () => {
    synth().template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    assert.throws(() => synth({ network: 'vpc', vpcId: 'vpc-0abc12345678def00' }), /needs subnetIds/);
    assert.throws(() => synth({ network: 'lan' }), /network=lan must be "public" or "vpc"/);
  });
});

describe('first deploy', () => {
  it('runtime=false deploys only the repository, builder and secret, since AgentCore needs the image first', () => {
    const { template } = synth({ runtime: 'false' });
    template.resourceCountIs('AWS::BedrockAgentCore::Runtime', 0);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::ECR::Repository', 1);
    template.resourceCountIs('AWS::CodeBuild::Project', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    assert.deepEqual(Object.keys(template.findOutputs('*')).sort(),
      ['CodeBuildProjectName', 'ImageTag', 'RepositoryUri', 'SecretArn', 'SourceBucketName']);
  });
});

describe('offline synthesis', () => {
  it('writes a schema-valid template as JSON and bundles the keepalive with local esbuild, never Docker', () => {
    // CDK_DOCKER names the docker binary CDK would run; pointing it at `false` makes any Docker use fail.
    const previous = process.env.CDK_DOCKER;
    process.env.CDK_DOCKER = '/bin/false';
    try {
      const { built } = synth({}, true);
      const outdir = built.app.synth().directory;
      const template = JSON.parse(readFileSync(join(outdir, `${built.stack.stackName}.template.json`), 'utf8')) as { Resources: object };
      assert.ok(Object.keys(template.Resources).length > 10);
      const assetDirs = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
      assert.ok(assetDirs.some((dir) => existsSync(join(outdir, dir, 'index.js'))), 'keepalive bundle missing');
      // CDK's own CloudFormation schema validation ran and found nothing to warn about.
      const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as unknown;
      assert.doesNotMatch(JSON.stringify(report), /"severity":"(warning|error|fatal)"/);
    } finally {
      if (previous === undefined) delete process.env.CDK_DOCKER;
      else process.env.CDK_DOCKER = previous;
    }
  });
});
