// The real bridge with Slack enabled, pointed at the fake Slack and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../fakes/slack/index.js';
import { awsTestEnv, eventually, startBridge, type InProcessBridge } from './bridge-harness.js';

export interface SlackRig {
  readonly slack: FakeSlack;
  readonly bedrock: FakeBedrock;
  bridge: InProcessBridge;
  /** Starts a fresh bridge process-state on the same fakes (a restart). */
  restart(): Promise<InProcessBridge>;
  close(): Promise<void>;
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
  const launch = async () => {
    const bridge = await startBridge(slackEnv(slack, bedrock, extraEnv));
    await eventually(() => (bridge.app.platforms[0]?.connection.state === 'connected' ? true : undefined), 10_000, 'slack connected');
    return bridge;
  };
  const rig: SlackRig = {
    slack,
    bedrock,
    bridge: await launch(),
    async restart() {
      await rig.bridge.stop();
      rig.bridge = await launch();
      return rig.bridge;
    },
    async close() {
      await rig.bridge.stop();
      await slack.close();
      await bedrock.close();
    },
  };
  return rig;
}
