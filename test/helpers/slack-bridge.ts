// The real bridge with Slack enabled, pointed at the fake Slack and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../fakes/slack/index.js';
import { startBridgeRig, type BridgeRig } from './bridge-harness.js';
import { slackEnv } from './env.js';

export { slackEnv } from './env.js';

export interface SlackRig extends BridgeRig {
  readonly slack: FakeSlack;
  readonly bedrock: FakeBedrock;
}

export async function startSlackRig(extraEnv: Record<string, string> = {}, slackOptions: FakeSlackOptions = {}): Promise<SlackRig> {
  const slack = await startFakeSlack(slackOptions);
  const bedrock = await startFakeBedrock();
  // Object.assign keeps the rig object itself, so `rig.bridge` still follows restarts.
  return Object.assign(await startBridgeRig(slackEnv(slack, bedrock, extraEnv), 10_000, [slack, bedrock]), { slack, bedrock });
}
