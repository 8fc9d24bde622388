// With --runtime: the deployed AgentCore runtime is READY, its endpoint (the qualifier the
// scripts and the keepalive invoke) is READY, and the EventBridge rule that runs the keepalive is
// ENABLED. Which runtime, endpoint and rule: the operator scripts' own options (flags, variables,
// infra/cdk-outputs.json).
import { BedrockAgentCoreControlClient, GetAgentRuntimeCommand, GetAgentRuntimeEndpointCommand } from '@aws-sdk/client-bedrock-agentcore-control';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { resolveRuntime } from '../aws.js';
import { CliError } from '../cli.js';
import type { Env, Flags } from '../cli.js';
import { loadOptions } from '../options.js';
import type { OperatorOptions } from '../options.js';
import { awsSaid, awsSetupProblem } from './aws-errors.js';
import { fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

const RUNTIME_FIX = 'set AGENTCORE_RUNTIME_ARN (or pass --runtime-arn), or deploy with npm run cdk:deploy, which writes infra/cdk-outputs.json';

export async function checkRuntime(flags: Flags, env: Env): Promise<CheckResult[]> {
  let options: OperatorOptions;
  try {
    options = loadOptions(flags, env);
  } catch (error) {
    return [fail('runtime', (error as Error).message, 'fix or delete the file named')];
  }
  const base = options.region === undefined ? {} : { region: options.region };
  const control = new BedrockAgentCoreControlClient({ ...base, maxAttempts: 2 });
  const events = new EventBridgeClient({ ...base, maxAttempts: 2 });
  try {
    return await Promise.all([checkRuntimeAndEndpoint(options, control), checkSchedule(options, events)]).then((all) => all.flat());
  } finally {
    control.destroy();
    events.destroy();
  }
}

async function checkRuntimeAndEndpoint(options: OperatorOptions, control: BedrockAgentCoreControlClient): Promise<CheckResult[]> {
  const notChecked = skip('runtime endpoint', 'not checked: the runtime was not found');
  let runtimeId: string;
  try {
    ({ runtimeId } = await resolveRuntime(options, control));
    const runtime = await control.send(new GetAgentRuntimeCommand({ agentRuntimeId: runtimeId }));
    const named = `${runtime.agentRuntimeName ?? runtimeId} version ${runtime.agentRuntimeVersion ?? '?'}`;
    const status = runtime.status === 'READY'
      ? pass('runtime', `${named} is READY`)
      : fail('runtime', `${named} is ${runtime.status ?? 'in no known state'}${runtime.failureReason ? `: ${runtime.failureReason}` : ''}`, statusFix(runtime.status));
    return [status, await checkEndpoint(control, runtimeId, options.qualifier)];
  } catch (error) {
    return [awsFailure('runtime', error, RUNTIME_FIX), notChecked];
  }
}

async function checkEndpoint(control: BedrockAgentCoreControlClient, runtimeId: string, qualifier: string): Promise<CheckResult> {
  const label = 'runtime endpoint';
  try {
    const endpoint = await control.send(new GetAgentRuntimeEndpointCommand({ agentRuntimeId: runtimeId, endpointName: qualifier }));
    const serves = `${qualifier} serves version ${endpoint.liveVersion ?? '?'}`;
    if (endpoint.status === 'READY') return pass(label, `${serves} and is READY`);
    return fail(label, `${serves} and is ${endpoint.status ?? 'in no known state'}${endpoint.failureReason ? `: ${endpoint.failureReason}` : ''}`, statusFix(endpoint.status));
  } catch (error) {
    return awsFailure(label, error, `set AGENTCORE_QUALIFIER (or pass --qualifier) to an endpoint of the runtime (the stack's is named in infra/cdk-outputs.json as EndpointName)`);
  }
}

async function checkSchedule(options: OperatorOptions, events: EventBridgeClient): Promise<CheckResult> {
  const label = 'keepalive schedule';
  const name = options.ruleName;
  if (name === undefined) {
    return fail(label, 'no keepalive rule known', 'set KEEPALIVE_RULE_NAME (or pass --rule-name), or redeploy with npm run cdk:deploy so infra/cdk-outputs.json has KeepaliveRuleName');
  }
  try {
    const rule = await events.send(new DescribeRuleCommand({ Name: name }));
    const schedule = rule.ScheduleExpression ?? 'no schedule';
    if (rule.State?.startsWith('ENABLED') === true) return pass(label, `${name} (${schedule}) is ENABLED`);
    return fail(label, `${name} (${schedule}) is ${rule.State ?? 'in no known state'}: nothing keeps the session alive or rotates it`, `aws events enable-rule --name ${name}`);
  } catch (error) {
    return awsFailure(label, error, 'set KEEPALIVE_RULE_NAME (or pass --rule-name) to the stack\'s KeepaliveRuleName output');
  }
}

function statusFix(status: string | undefined): string {
  if (status === 'CREATING' || status === 'UPDATING') return 'wait for the update to finish and run npm run doctor -- --runtime again';
  return 'read the failure reason, fix it (image, role, network), then redeploy with npm run deploy';
}

function awsFailure(label: string, error: unknown, notFoundFix: string): CheckResult {
  if (error instanceof CliError) return fail(label, error.message.split('. ')[0] ?? error.message, RUNTIME_FIX);
  const setup = awsSetupProblem(error, 'AWS', 'AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL / AWS_ENDPOINT_URL_EVENTBRIDGE');
  if (setup !== undefined) return fail(label, setup.detail, setup.fix);
  const name = error instanceof Error ? error.name : '';
  if (name === 'ResourceNotFoundException') return fail(label, `not found: ${awsSaid(error)}`, notFoundFix);
  if (name === 'AccessDeniedException') return fail(label, `AWS refused: ${awsSaid(error)}`, 'use credentials that may read the runtime (bedrock-agentcore:Get*) and the rule (events:DescribeRule)');
  return fail(label, awsSaid(error), notFoundFix);
}
