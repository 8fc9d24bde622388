// The floor: the least a bot can do with the same libraries. Bolt (Socket Mode) answers an
// app_mention with one chat.postMessage in the thread; discord.js answers a mention with one
// message.reply. No model, no queue, no history: what the libraries alone cost. Run as its own
// process by the bench (compiled with esbuild), configured like the bridge through the environment.
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { Client, Events, GatewayIntentBits } from 'discord.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`floor bot: ${name} is not set`);
  return value;
}

const replyText = process.env.BENCH_REPLY_TEXT ?? 'Here is the benchmark answer.';
const slackApiUrl = required('SLACK_API_URL');

const receiver = new SocketModeReceiver({
  appToken: required('SLACK_APP_TOKEN'),
  logLevel: LogLevel.WARN,
  // The same library setting the bridge uses (SLACK_CLIENT_PING_TIMEOUT_MS), so reconnects compare.
  clientPingTimeout: Number(process.env.SLACK_CLIENT_PING_TIMEOUT_MS ?? 2000),
  installerOptions: { clientOptions: { slackApiUrl } },
});
const slack = new App({ token: required('SLACK_BOT_TOKEN'), receiver, logLevel: LogLevel.WARN, clientOptions: { slackApiUrl } });
slack.event('app_mention', async ({ event, client }) => {
  await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text: replyText });
});

const discord = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api: required('DISCORD_API_URL') },
});
discord.on(Events.MessageCreate, (message) => {
  const me = discord.user;
  if (message.author.bot || me === null || !message.mentions.users.has(me.id)) return;
  message.reply(replyText).catch((error: unknown) => console.error('floor: discord reply failed', error));
});

process.once('SIGTERM', () => {
  // discord.js closes with 1000, which ends the gateway session instead of leaving it resumable.
  void Promise.allSettled([slack.stop(), discord.destroy()]).then(() => process.exit(0));
});

await Promise.all([slack.start(), discord.login(required('DISCORD_BOT_TOKEN'))]);
