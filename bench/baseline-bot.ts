// The baseline: a bare bot that makes the same model round trip as the bridge, with every library
// at its defaults. Bolt (Socket Mode) and discord.js receive a mention; the AWS SDK's default
// BedrockRuntimeClient (HTTP/2, a connection per event stream) runs ConverseStream on the prompt;
// Slack gets chat.startStream with the first text and chat.stopStream with the rest, Discord one
// message.reply with the whole answer. No queue, no history, no dedupe, no logging. Run as its own
// process by the bench (compiled with esbuild), configured like the bridge through the environment.
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { Client, Events, GatewayIntentBits } from 'discord.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`baseline bot: ${name} is not set`);
  return value;
}

const modelId = process.env.BEDROCK_MODEL_ID ?? 'us.anthropic.claude-sonnet-4-6';
const slackApiUrl = required('SLACK_API_URL');
// Region, credentials and AWS_ENDPOINT_URL_BEDROCK_RUNTIME come from the environment, as for any SDK client.
const bedrock = new BedrockRuntimeClient({});

/** The model's answer, delta by delta. */
async function* converse(prompt: string): AsyncGenerator<string> {
  const output = await bedrock.send(new ConverseStreamCommand({ modelId, messages: [{ role: 'user', content: [{ text: prompt }] }] }));
  for await (const event of output.stream ?? []) {
    const text = event.contentBlockDelta?.delta?.text;
    if (text !== undefined && text !== '') yield text;
  }
}

const receiver = new SocketModeReceiver({
  appToken: required('SLACK_APP_TOKEN'),
  logLevel: LogLevel.WARN,
  // The same library setting the bridge uses (SLACK_CLIENT_PING_TIMEOUT_MS), so reconnects compare.
  clientPingTimeout: Number(process.env.SLACK_CLIENT_PING_TIMEOUT_MS ?? 2000),
  installerOptions: { clientOptions: { slackApiUrl } },
});
const slack = new App({ token: required('SLACK_BOT_TOKEN'), receiver, logLevel: LogLevel.WARN, clientOptions: { slackApiUrl } });
slack.event('app_mention', async ({ event, client, context }) => {
  const thread = { channel: event.channel, thread_ts: event.thread_ts ?? event.ts };
  let started: Promise<{ ts?: string }> | undefined;
  let rest = '';
  for await (const text of converse(event.text)) {
    if (started === undefined) {
      started = client.chat.startStream({ ...thread, markdown_text: text, recipient_user_id: event.user ?? '', recipient_team_id: context.teamId ?? '' });
    } else rest += text;
  }
  if (started === undefined) return;
  const { ts } = await started;
  if (ts !== undefined) await client.chat.stopStream({ channel: thread.channel, ts, ...(rest === '' ? {} : { markdown_text: rest }) });
});

const discord = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api: required('DISCORD_API_URL') },
});
discord.on(Events.MessageCreate, (message) => {
  const me = discord.user;
  if (message.author.bot || me === null || !message.mentions.users.has(me.id)) return;
  void (async () => {
    let answer = '';
    for await (const text of converse(message.content)) answer += text;
    await message.reply(answer);
  })().catch((error: unknown) => console.error('baseline: discord answer failed', error));
});

process.once('SIGTERM', () => {
  // discord.js closes with 1000, which ends the gateway session instead of leaving it resumable.
  void Promise.allSettled([slack.stop(), discord.destroy()]).then(() => process.exit(0));
});

await Promise.all([slack.start(), discord.login(required('DISCORD_BOT_TOKEN'))]);
