// The real bridge with Discord enabled, pointed at the fake Discord and fake Bedrock.
import { startFakeBedrock, type FakeBedrock } from '../fakes/bedrock/index.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../fakes/discord/index.js';
import { awsTestEnv, eventually, startBridge, type InProcessBridge } from './bridge-harness.js';

export interface DiscordRig {
  readonly discord: FakeDiscord;
  readonly bedrock: FakeBedrock;
  bridge: InProcessBridge;
  restart(): Promise<InProcessBridge>;
  close(): Promise<void>;
}

export function discordEnv(discord: FakeDiscord, bedrock: FakeBedrock, extra: Record<string, string> = {}): Record<string, string> {
  return { ...awsTestEnv(bedrock.url), DISCORD_BOT_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, ...extra };
}

export async function startDiscordRig(extraEnv: Record<string, string> = {}, discordOptions: FakeDiscordOptions = {}): Promise<DiscordRig> {
  const discord = await startFakeDiscord({ heartbeatIntervalMs: 2000, ...discordOptions });
  const bedrock = await startFakeBedrock();
  const launch = async () => {
    const bridge = await startBridge(discordEnv(discord, bedrock, extraEnv));
    await eventually(() => (bridge.app.platforms[0]?.connection.state === 'connected' ? true : undefined), 15_000, 'discord connected');
    return bridge;
  };
  const rig: DiscordRig = {
    discord,
    bedrock,
    bridge: await launch(),
    async restart() {
      await rig.bridge.stop();
      rig.bridge = await launch();
      return rig.bridge;
    },
    async close() {
      await rig.bridge.stop();
      await discord.close();
      await bedrock.close();
    },
  };
  return rig;
}
