// The environment the bridge gets in tests, pointed at the fakes. No dependency on the bridge
// itself, so drivers that must not load src/app.js (the recycle test) can share it.
import type { FakeBedrock } from '../fakes/bedrock/index.js';
import type { FakeDiscord } from '../fakes/discord/index.js';
import type { FakeSlack } from '../fakes/slack/index.js';

/** AWS settings every test shares: dummy credentials, a region, no real endpoint reachable. */
export function awsTestEnv(bedrockUrl?: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
    AWS_SECRET_ACCESS_KEY: 'test-secret-access-key-value',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(bedrockUrl === undefined ? {} : { AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrockUrl }),
  };
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

export function discordEnv(discord: FakeDiscord, bedrock: FakeBedrock, extra: Record<string, string> = {}): Record<string, string> {
  return { ...awsTestEnv(bedrock.url), DISCORD_BOT_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, ...extra };
}
