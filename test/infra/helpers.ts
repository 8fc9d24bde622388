// Synthesizes the real app in-process with chosen context. Bundling and CDK's built-in template
// validation (a WebAssembly linter that costs ~8 s per process) run only in the `full` synth test,
// so the template assertions stay fast.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/lib/app.js';
import type { BridgeApp } from '../../infra/lib/app.js';

const scratch = mkdtempSync(join(tmpdir(), 'bridge-cdk-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

export const NO_STATE_FILE = join(tmpdir(), 'agentcore-bridge-no-such-deploy-state.json');

export function synth(context: Record<string, string> = {}, full = false): { template: Template; built: BridgeApp } {
  const outdir = mkdtempSync(join(scratch, 'out-'));
  const built = buildApp(
    {
      outdir,
      builtinCloudFormationValidation: full,
      context: { ...context, ...(full ? {} : { 'aws:cdk:bundling-stacks': [] }) },
    },
    NO_STATE_FILE,
  );
  return { template: Template.fromStack(built.stack), built };
}

export interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Effect: string;
  readonly Sid?: string;
}

/** Every statement of the inline policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  type PolicyProps = { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((policy) => (policy as { Properties: PolicyProps }).Properties);
  return policies
    .filter((policy) => policy.Roles.some((r) => r.Ref.startsWith(rolePrefix)))
    .flatMap((policy) => policy.PolicyDocument.Statement);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** Flattens CloudFormation Fn::Join / Ref / GetAtt into a readable string for matching. */
export function renderArn(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const record = value as Record<string, unknown>;
  if ('Ref' in record) return `{${String(record.Ref)}}`;
  if ('Fn::GetAtt' in record) return `{${(record['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(renderArn).join(separator);
  }
  return JSON.stringify(value);
}

/** The one resource of `type` (whose logical id contains `idPart`, when given). */
export function onlyResource<T = Record<string, unknown>>(template: Template, type: string, idPart = ''): { id: string; props: T } {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.includes(idPart));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  const [id, resource] = found[0]!;
  return { id, props: resource.Properties as T };
}

/** The properties of the one IAM role that `service` may assume. */
export function onlyRoleAssumedBy(template: Template, service: string): Record<string, unknown> {
  const roles = Object.values(template.findResources('AWS::IAM::Role'))
    .map((r) => r.Properties as Record<string, unknown>)
    .filter((p) => JSON.stringify(p.AssumeRolePolicyDocument).includes(`"${service}"`));
  if (roles.length !== 1) throw new Error(`expected one role for ${service}, found ${roles.length}`);
  return roles[0]!;
}
