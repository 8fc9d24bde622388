// ecr:GetAuthorizationToken (the registry login behind every pull and push) has no resource type:
// IAM accepts only "*" for it (Service Authorization Reference, Amazon ECR). It sits in a policy
// of its own so the one acknowledgement of that "*" covers this statement and nothing else.
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeRule } from './nag.js';

export function addEcrLoginPolicy(role: iam.Role): iam.Policy {
  const policy = new iam.Policy(role, 'EcrLogin', {
    roles: [role],
    statements: [new iam.PolicyStatement({ sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] })],
  });
  acknowledgeRule(policy, 'AwsSolutions-IAM5[Resource::*]',
    'ecr:GetAuthorizationToken supports no resource-level permissions ("*" is the only resource IAM accepts); ' +
      'this policy holds that one action, and image access itself is granted on the stack repository only.');
  return policy;
}
