// Builds the CDK app from context. Kept apart from bin/app.ts so tests synthesize in-process.
import { existsSync, readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { AppProps } from 'aws-cdk-lib';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { BridgeStack } from './bridge-stack.js';
import { parseStackConfig } from './config.js';
import { DEPLOY_STATE_FILE } from './constants.js';

export const DEFAULT_STACK_NAME = 'AgentcoreChatBridge';

/**
 * Feature flags set here rather than in cdk.json so the tests (which build the app in-process)
 * synthesize what `cdk deploy` does. S3 log delivery by bucket policy, not the legacy
 * LogDeliveryWrite ACL that buckets with ACLs disabled (the S3 default since 2023) refuse.
 */
const FEATURE_FLAGS = { [S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]: true } as const;

export interface BridgeApp {
  readonly app: App;
  readonly stack: BridgeStack;
}

/**
 * Context wins over the deploy state, which wins over the defaults: a later `cdk deploy` keeps
 * the image version and session id `npm run deploy` set instead of rolling them back.
 */
export function buildApp(props: AppProps = {}, stateFile: string = DEPLOY_STATE_FILE): BridgeApp {
  const app = new App({ ...props, context: { ...FEATURE_FLAGS, ...props.context } });
  const state = readDeployState(stateFile);
  const read = (key: string): unknown => app.node.tryGetContext(key) ?? state[key];
  const config = parseStackConfig(read);
  const stackName = typeof read('stackName') === 'string' ? (read('stackName') as string) : DEFAULT_STACK_NAME;
  const stack = new BridgeStack(app, stackName, {
    config,
    description: 'AgentCore chat bridge: Slack and Discord to Amazon Bedrock on AgentCore Runtime',
  });
  return { app, stack };
}

export function readDeployState(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}
