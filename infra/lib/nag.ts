// Acknowledging a cdk-nag (AwsSolutions pack) finding on a construct, with its reason. The pack
// runs in the infra tests (test/infra/nag.test.ts); acknowledgements use aws-cdk-lib's own
// Validations API, so the stack needs no cdk-nag import at synth time.
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Marks `ruleId` (e.g. `AwsSolutions-SMG4`) as not applying to `construct` and everything under it. */
export function acknowledgeRule(construct: IConstruct, ruleId: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: ruleId, reason });
}

/**
 * Returns `pattern` as an ARN for an IAM statement and acknowledges AwsSolutions-IAM5 for that one
 * wildcard resource on `grantee` (a role: its policies are children). The pattern spells the
 * pseudo parameters the way cdk-nag renders them (`<AWS::Partition>`, `<AWS::Region>`,
 * `<AWS::AccountId>`), so the ARN granted and the finding acknowledged come from one string.
 */
export function wildcardArn(grantee: IConstruct, pattern: string, reason: string): string {
  acknowledgeRule(grantee, `AwsSolutions-IAM5[Resource::${substitute(grantee, pattern, true)}]`, reason);
  return substitute(grantee, pattern, false);
}

/** `pattern` (pseudo parameters spelled as in `wildcardArn`) as an ARN in the stack's partition, region and account. */
export function patternArn(scope: IConstruct, pattern: string): string {
  return substitute(scope, pattern, false);
}

function substitute(scope: IConstruct, pattern: string, asNagRenders: boolean): string {
  const stack = Stack.of(scope);
  const pseudo: ReadonlyArray<readonly [string, string]> = [
    ['<AWS::Partition>', stack.partition],
    ['<AWS::Region>', stack.region],
    ['<AWS::AccountId>', stack.account],
  ];
  let result = pattern;
  // With a concrete env the template (and so the finding) holds the value itself.
  for (const [name, value] of pseudo) result = result.split(name).join(asNagRenders && Token.isUnresolved(value) ? name : value);
  return result;
}
