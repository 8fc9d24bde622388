// The real bridge with Slack enabled, pointed at the fake Slack and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../fakes/slack/index.js';
import { awsTestEnv, startBridgeRig, type BridgeRig } from './bridge-harness.js';

export interface SlackRig extends BridgeRig {
  readonly slack: FakeSlack;
  readonly bedrock: FakeBedrock;
}

export function slackEnv(slack: FakeSlack, bedrock: FakeBedrock, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...awsTestEnv(bedrock.url),
    SLACK_BOT_TOKEN: slack.tokens.bot,
    SLACK_APP_TOKEN: slack.tokens.app,
    SLACK_API_URL: slack.apiUrl,
    SLACK_CLIENT_PING_TIMEOUT_MS: '600',
    ...extra,
  };
}

export async function startSlackRig(extraEnv: Record<string, string> = {}, slackOptions: FakeSlackOptions = {}): Promise<SlackRig> {
  const slack = await startFakeSlack(slackOptions);
  const bedrock = await startFakeBedrock();
  // Object.assign keeps the rig object itself, so `rig.bridge` still follows restarts.
  return Object.assign(await startBridgeRig(slackEnv(slack, bedrock, extraEnv), 10_000, [slack, bedrock]), { slack, bedrock });
}
