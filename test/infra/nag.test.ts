// Proves every stack variant the tests synthesize passes cdk-nag's AwsSolutions pack with no
// unacknowledged error or warning, that every acknowledgement carries a reason, and that the
// check itself catches a finding (a wildcard grant added to a synthesized stack).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import type { PolicyViolation } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synth } from './helpers.js';

const IMPORTED_VPC = {
  network: 'vpc', vpcId: 'vpc-0abc12345678def00', subnetIds: 'subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f',
  securityGroupIds: 'sg-0123456789abcdef0', vpcEndpoints: 'true', routeTableIds: 'rtb-0123456789abcdef0',
};

/** Every combination of context the other infra tests synthesize, by what it changes. */
const VARIANTS: Record<string, Record<string, string>> = {
  'public network, created secret': {},
  'referenced secret': { existingSecretName: 'team/bridge-tokens' },
  'new VPC with endpoints': { network: 'vpc', vpcEndpoints: 'true' },
  'new VPC without endpoints': { network: 'vpc' },
  'imported VPC with endpoints': IMPORTED_VPC,
  'first deploy (no runtime)': { runtime: 'false' },
  'unreserved keepalive concurrency': { reserveConcurrency: 'false' },
  'plain foundation model': { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' },
  'EU profile with chosen regions': { modelId: 'eu.anthropic.claude-sonnet-4-6', modelRegions: 'eu-west-1,eu-central-1' },
  'global inference profile': { modelId: 'global.anthropic.claude-sonnet-4-6' },
  'fallback model and guardrail': { fallbackModelId: 'us.anthropic.claude-haiku-4-5', guardrailId: 'gr1a2b3c4d5e', guardrailVersion: '3' },
  'custom lifecycle and schedule': { idleTimeoutSeconds: '900', maxLifetimeSeconds: '3600', keepaliveMinutes: '10' },
};

function findings(root: IConstruct): PolicyViolation[] {
  return new AwsSolutionsChecks().validateScope(root).violations;
}

function describeFindings(violations: PolicyViolation[]): string {
  return violations
    .map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`)
    .join('\n');
}

describe('cdk-nag AwsSolutions', () => {
  for (const [name, context] of Object.entries(VARIANTS)) {
    it(`finds nothing unacknowledged: ${name}`, () => {
      const violations = findings(synth(context).built.app);
      assert.equal(violations.length, 0, `unacknowledged findings:\n${describeFindings(violations)}`);
    });
  }

  it('gives every acknowledgement a reason of its own', () => {
    const reasons = synth({ network: 'vpc', modelId: 'global.anthropic.claude-sonnet-4-6' }).built.app.node.findAll()
      .flatMap((c) => c.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    assert.ok(reasons.length >= 8, `found ${reasons.length}`);
    for (const [id, reason] of reasons) assert.ok(reason.length >= 80, `${id}: reason too thin: "${reason}"`);
  });

  it('catches a wildcard grant added to the stack, so a passing run means something', () => {
    const { built } = synth();
    const role = built.stack.node.findAll().find((c): c is iam.Role => c instanceof iam.Role && c.node.id === 'RuntimeExecutionRole');
    assert.ok(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::some-bucket/*'] }));
    const violations = findings(built.app);
    assert.deepEqual(violations.map((v) => v.ruleName), ['AwsSolutions-IAM5[Resource::arn:aws:s3:::some-bucket/*]']);
  });
});
