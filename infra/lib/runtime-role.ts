// The runtime's execution role, written out statement by statement and handed to the L2 Runtime
// read-only. The L2's own role follows AWS's sample policy, whose wildcards reach every runtime
// in the account (log groups, workload identities) and add X-Ray and metrics "*" grants. The bot
// exports its own OpenTelemetry traces and metrics (src/telemetry/) when `telemetry` is on, and
// gets exactly the two actions that needs. Everything below names this runtime, repository,
// secret or model; what still holds a wildcard says why next to it.
import { Duration, Stack } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { addEcrLoginPolicy } from './ecr-login.js';
import { isGlobalProfile, modelResourceArns } from './model-arns.js';
import { patternArn, wildcardArn } from './nag.js';

export interface RuntimeRoleProps {
  readonly runtimeName: string;
  readonly repository: ecr.IRepository;
  readonly secret: secretsmanager.ISecret;
  readonly modelId: string;
  /** Overrides the inference profile's routing regions (see model-arns.ts). */
  readonly modelRegions: readonly string[];
  /** Granted like the model when set. */
  readonly fallbackModelId: string;
  readonly guardrailId: string | null;
  /** The bot exports OTLP traces and metrics (docs/observability.md). */
  readonly telemetry: boolean;
}

const ACCOUNT_ARN = 'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>';

export function runtimeExecutionRole(scope: Construct, props: RuntimeRoleProps): iam.Role {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'RuntimeExecutionRole', {
    // The trust the L2 would write: only AgentCore, for runtimes of this name in this account.
    assumedBy: new iam.ServicePrincipal('bedrock-agentcore.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock-agentcore', resource: 'runtime', resourceName: `${props.runtimeName}*` }) },
      },
    }),
    description: 'Execution role of the AgentCore chat bridge runtime',
    maxSessionDuration: Duration.hours(8),
  });
  props.repository.grant(role, 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer');
  addEcrLoginPolicy(role);
  grantRuntimeLogs(role, props.runtimeName);
  grantWorkloadIdentity(role, props.runtimeName);
  props.secret.grantRead(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'InvokeChosenModel',
    actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
    resources: [props.modelId, ...(props.fallbackModelId === '' ? [] : [props.fallbackModelId])].flatMap((id) => modelArns(role, id, props.modelRegions)),
  }));
  // Converse with guardrailConfig is authorised as bedrock:ApplyGuardrail on the guardrail itself.
  if (props.guardrailId !== null) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ApplyChosenGuardrail',
      actions: ['bedrock:ApplyGuardrail'],
      resources: [props.guardrailId.startsWith('arn:') ? props.guardrailId : stack.formatArn({ service: 'bedrock', resource: 'guardrail', resourceName: props.guardrailId })],
    }));
  }
  if (props.telemetry) grantTelemetryExport(role);
  return role;
}

/**
 * What the bot's OTLP exports are authorised as. Spans to the X-Ray OTLP endpoint:
 * xray:PutTraceSegments (https://docs.aws.amazon.com/xray/latest/devguide/xray-opentelemetry-bearer-token.html).
 * Metrics to the CloudWatch OTLP endpoint: cloudwatch:PutMetricData (its API-key policy,
 * CloudWatchAPIKeyAccess, grants exactly that:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-OTLP-MetricsBearerTokenAuth.html).
 */
function grantTelemetryExport(role: iam.Role): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'OtlpTracesExport',
    actions: ['xray:PutTraceSegments'],
    resources: [wildcardArn(role, '*',
      'X-Ray actions support no resource-level permissions, so "*" is the only resource they take ' +
        '(Service Authorization Reference, AWS X-Ray: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html); ' +
        'this is the one action the X-Ray OTLP traces endpoint checks.')],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'OtlpMetricsExport',
    actions: ['cloudwatch:PutMetricData'],
    resources: [wildcardArn(role, '*',
      'cloudwatch:PutMetricData supports no resource-level permissions (Service Authorization Reference, Amazon CloudWatch), and an ' +
        'OTLP metrics export names no CloudWatch namespace for the cloudwatch:namespace condition to match.')],
  }));
}

/**
 * AgentCore creates the runtime's log groups itself, named
 * `/aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint>`, and the runtime id is the runtime
 * name plus a suffix AgentCore picks at creation: it cannot be known before the runtime exists,
 * and the runtime cannot be created before this role. Names are [A-Za-z0-9_], so `<name>-` is
 * this runtime's prefix and no other's.
 */
function grantRuntimeLogs(role: iam.Role, runtimeName: string): void {
  const groups = `${ACCOUNT_ARN}:log-group:/aws/bedrock-agentcore/runtimes/${runtimeName}-*`;
  const why = 'AgentCore names this runtime\'s log groups <runtime-id>-<endpoint>, and the runtime id (<runtimeName>-<suffix AgentCore picks>) ' +
    'does not exist until the runtime, which needs this role, is created; the wildcard is confined to this runtime\'s name.';
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'RuntimeLogGroups',
    actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'],
    resources: [wildcardArn(role, groups, why)],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'RuntimeLogStreams',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [wildcardArn(role, `${groups}:log-stream:*`, `${why} Log streams are named by AgentCore per session.`)],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'FindLogGroups',
    actions: ['logs:DescribeLogGroups'],
    resources: [wildcardArn(role, `${ACCOUNT_ARN}:log-group:*`,
      'logs:DescribeLogGroups is a list action authorised on the account\'s log-group:* ARN only (as in AWS\'s AgentCore execution-role ' +
        'policy); AgentCore calls it before creating the runtime\'s group. It returns group names and settings, never log events.')],
  }));
}

/** AgentCore hands each invocation a workload access token for the runtime's own workload identity. */
function grantWorkloadIdentity(role: iam.Role, runtimeName: string): void {
  const directory = 'arn:<AWS::Partition>:bedrock-agentcore:<AWS::Region>:<AWS::AccountId>:workload-identity-directory/default';
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'GetAgentAccessToken',
    actions: ['bedrock-agentcore:GetWorkloadAccessToken', 'bedrock-agentcore:GetWorkloadAccessTokenForJWT', 'bedrock-agentcore:GetWorkloadAccessTokenForUserId'],
    resources: [
      patternArn(role, directory),
      wildcardArn(role, `${directory}/workload-identity/${runtimeName}-*`,
        'AgentCore creates the runtime\'s workload identity when it creates the runtime and names it <runtimeName>-<suffix>; ' +
          'AWS\'s execution-role policy scopes it the same way (workload-identity/<agentName>-*). Only this runtime\'s identities match.'),
    ],
  }));
}

/** The model's ARNs; a global profile's any-region foundation-model ARN is its one acknowledged wildcard. */
function modelArns(role: iam.Role, modelId: string, regions: readonly string[]): string[] {
  const stack = Stack.of(role);
  const arns = modelResourceArns(modelId, { partition: stack.partition, region: stack.region, account: stack.account }, regions);
  if (!isGlobalProfile(modelId)) return arns;
  const patterns = modelResourceArns(modelId, { partition: '<AWS::Partition>', region: '<AWS::Region>', account: '<AWS::AccountId>' });
  return patterns.map((pattern, i) => pattern.includes('*')
    ? wildcardArn(role, pattern,
      'A global inference profile routes each request to any commercial region, and AWS documents the foundation-model grant ' +
        'for it as region "*" (with the region-less ARN); the model id is fixed, only the region is open.')
    : arns[i]!);
}
