// The keepalive and session rotation: every few minutes one run of the rotation controller
// (infra/lambda/rotation.ts). It keeps the current session alive (real traffic that resets
// AgentCore's idle timer, and after a crash starts a fresh microVM under the same id), replaces the
// session before AgentCore's maximum lifetime or when a deploy asks, and keeps its state in a
// DynamoDB table. A failed run throws, so the Errors metric and the alarm below see it.
// Two guards against overlapping runs: the table's conditional writes (a lease plus a version
// fence) and reserved concurrency 1.
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface KeepaliveProps {
  readonly runtimeArn: string;
  readonly endpointArn: string;
  readonly qualifier: string;
  readonly sessionId: string;
  readonly everyMinutes: number;
  readonly maxLifetimeSeconds: number;
  readonly rotateBeforeSeconds: number;
  readonly timeoutSeconds: number;
  readonly reserveConcurrency: boolean;
}

const ENTRY = fileURLToPath(new URL('../lambda/keepalive.ts', import.meta.url));

export class Keepalive extends Construct {
  readonly function: NodejsFunction;
  readonly alarm: cloudwatch.Alarm;
  readonly table: dynamodb.Table;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: KeepaliveProps) {
    super(scope, id);
    // Two small items (the rotation state and a deploy's request); on-demand costs nothing idle.
    // Its life is the stack's: the runtime and its sessions go with it.
    this.table = new dynamodb.Table(this, 'RotationState', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // A bad write by a faulty rotation can be rolled back; the cost is per GB of two small items.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role rather than the AWSLambdaBasicExecutionRole managed policy (log writes to every
    // log group in the account): it writes only to the function's own log group below.
    const role = new iam.Role(this, 'FunctionServiceRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The chat bridge keepalive: invoke the runtime, keep the rotation state, write its own logs',
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    logGroup.grantWrite(role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: ENTRY,
      handler: 'handler',
      role,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A rotation: a cold successor microVM (image pull plus bot start), standby polling, handover,
      // takeover and a wait for the old session to drain.
      timeout: Duration.seconds(props.timeoutSeconds),
      // One run at a time; the table's lease and version fence are the first guard.
      ...(props.reserveConcurrency ? { reservedConcurrentExecutions: 1 } : {}),
      environment: {
        AGENTCORE_RUNTIME_ARN: props.runtimeArn,
        AGENTCORE_QUALIFIER: props.qualifier,
        // Only the first run's seed: from then on the table holds the current session.
        SESSION_ID: props.sessionId,
        ROTATION_TABLE_NAME: this.table.tableName,
        MAX_LIFETIME_SECONDS: String(props.maxLifetimeSeconds),
        ROTATE_BEFORE_SECONDS: String(props.rotateBeforeSeconds),
        // Outlives a run killed at its timeout, so a late overlapping run waits instead of acting.
        LEASE_SECONDS: String(props.timeoutSeconds + 60),
      },
      logGroup,
      bundling: {
        // Local esbuild only: bundling must never fall back to a Docker container.
        forceDockerBundling: false,
        // Bundle the AgentCore client: the Lambda runtime's built-in SDK may predate it.
        externalModules: [],
        minify: true,
        sourceMap: true,
        target: 'node24',
      },
      description: 'Keeps the AgentCore chat bridge session alive and rotates it before its maximum lifetime',
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({
      sid: 'InvokeAndStopSessions',
      actions: ['bedrock-agentcore:InvokeAgentRuntime', 'bedrock-agentcore:StopRuntimeSession'],
      // Calls through a named endpoint are authorised on the runtime and on the endpoint ARN.
      resources: [props.runtimeArn, props.endpointArn],
    }));
    // Read and compare-and-swap the two items; nothing else (no scans, deletes or updates).
    this.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:PutItem');
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Invoke the chat bridge keepalive',
      schedule: events.Schedule.rate(Duration.minutes(props.everyMinutes)),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });
    this.alarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'The chat bridge keepalive failed: the runtime did not answer or is not running',
      metric: this.function.metricErrors({ period: Duration.minutes(props.everyMinutes), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No invocation at all is as bad as a failed one.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
