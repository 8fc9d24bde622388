// The real bridge with Discord enabled, pointed at the fake Discord and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../fakes/discord/index.js';
import { startBridgeRig, type BridgeRig } from './bridge-harness.js';
import { discordEnv } from './env.js';

export { discordEnv } from './env.js';

export interface DiscordRig extends BridgeRig {
  readonly discord: FakeDiscord;
  readonly bedrock: FakeBedrock;
}

export async function startDiscordRig(extraEnv: Record<string, string> = {}, discordOptions: FakeDiscordOptions = {}): Promise<DiscordRig> {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000, ...discordOptions });
  const bedrock = await startFakeBedrock();
  return Object.assign(await startBridgeRig(discordEnv(discord, bedrock, extraEnv), 15_000, [discord, bedrock]), { discord, bedrock });
}
