// The real bridge with Discord enabled, pointed at the fake Discord and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../fakes/discord/index.js';
import { awsTestEnv, startBridgeRig, type BridgeRig } from './bridge-harness.js';

export interface DiscordRig extends BridgeRig {
  readonly discord: FakeDiscord;
  readonly bedrock: FakeBedrock;
}

export function discordEnv(discord: FakeDiscord, bedrock: FakeBedrock, extra: Record<string, string> = {}): Record<string, string> {
  return { ...awsTestEnv(bedrock.url), DISCORD_BOT_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, ...extra };
}

export async function startDiscordRig(extraEnv: Record<string, string> = {}, discordOptions: FakeDiscordOptions = {}): Promise<DiscordRig> {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000, ...discordOptions });
  const bedrock = await startFakeBedrock();
  return Object.assign(await startBridgeRig(discordEnv(discord, bedrock, extraEnv), 15_000, [discord, bedrock]), { discord, bedrock });
}
