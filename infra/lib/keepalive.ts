// The keepalive: every few minutes one InvokeAgentRuntime on the named endpoint. Each call is real
// traffic that resets AgentCore's idle timer, and after a recycle (max lifetime, crash) it starts
// a fresh microVM under the same session id. A failed call throws, so the Errors metric and the
// alarm below see a bot that is down.
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
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
}

const ENTRY = fileURLToPath(new URL('../lambda/keepalive.ts', import.meta.url));

export class Keepalive extends Construct {
  readonly function: NodejsFunction;
  readonly rule: events.Rule;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: KeepaliveProps) {
    super(scope, id);
    this.function = new NodejsFunction(this, 'Function', {
      entry: ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // A call that lands on a recycled session waits for a cold microVM: image pull plus bot start.
      timeout: Duration.minutes(2),
      environment: {
        AGENTCORE_RUNTIME_ARN: props.runtimeArn,
        AGENTCORE_QUALIFIER: props.qualifier,
        SESSION_ID: props.sessionId,
      },
      logGroup: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: {
        // Local esbuild only: bundling must never fall back to a Docker container.
        forceDockerBundling: false,
        // Bundle the AgentCore client: the Lambda runtime's built-in SDK may predate it.
        externalModules: [],
        minify: true,
        sourceMap: true,
        target: 'node22',
      },
      description: 'Keeps the AgentCore chat bridge session alive (InvokeAgentRuntime keepalive)',
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({
      actions: ['bedrock-agentcore:InvokeAgentRuntime'],
      // Invoking through a named endpoint is authorised on the runtime and on the endpoint ARN.
      resources: [props.runtimeArn, props.endpointArn],
    }));
    this.rule = new events.Rule(this, 'Schedule', {
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
