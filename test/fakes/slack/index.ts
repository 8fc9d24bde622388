// Entry point: a fake Slack (Web API + Socket Mode) on one 127.0.0.1 port, for the real Bolt client.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeSlack } from './fake-slack.js';
import { APP_TOKEN_SCOPES, manifestBotScopes } from './scopes.js';
import type { RateLimitSettings } from './rate-limits.js';
import type { SlackObserver } from './types.js';

export { FakeSlack, isFinished } from './fake-slack.js';
export { manifestBotScopes } from './scopes.js';
export type { FileDownload, FileSpec, SlackFile } from './file-host.js';
export type { OutageOptions } from './outage.js';
export { slackTierLimits, type RateLimitSettings } from './rate-limits.js';
export type { PostedUserMessage, SendEventOptions, UserMessage } from './fake-slack.js';
export type {
  AckRecord,
  ApiCall,
  ChannelType,
  ConnectionInfo,
  Delivery,
  DisconnectReason,
  FailOptions,
  FakeChannel,
  FakeUser,
  ResponseUrlPost,
  SlackObserver,
  StoredMessage,
} from './types.js';

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  appId?: string;
  /** Scopes granted to the bot token (the `x-oauth-scopes` header); default: the manifest's bot scopes. */
  botScopes?: readonly string[];
  /**
   * Server WebSocket pings; 0 disables. Once it has seen one, @slack/socket-mode drops a socket when
   * the next is later than its serverPingTimeout (30 s by default).
   */
  serverPingIntervalMs?: number;
  /** Redelivery of an envelope nobody acked, as Slack retries (0 = never). Default 3000 ms. */
  ackRetryMs?: number;
  /** How long a delivery's `acked` waits before rejecting. */
  ackTimeoutMs?: number;
  /** How long an idle chat stream stays appendable. */
  streamIdleMs?: number;
  /** How long after chat.startStream Slack finalizes a stream whatever happens (about 5 minutes, per reports). */
  streamLifetimeMs?: number;
  /**
   * Slack's per-method, per-workspace rate limits (tiers; chat.postMessage per channel). On by default
   * with Slack's one-minute window; a shorter `windowMs` runs the same limits faster; 0 turns them off.
   */
  rateLimits?: RateLimitSettings;
  /** Default timeout of the waitFor* helpers. */
  waitTimeoutMs?: number;
  /** High-resolution taps (the benchmark's); nothing changes without them. */
  observer?: SlackObserver;
}

/** Starts the fake on 127.0.0.1, port 0. Point `clientOptions.slackApiUrl` (both of Bolt's) at `apiUrl`. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const fake = new FakeSlack(`http://127.0.0.1:${port}`, {
    ids: {
      teamId: options.teamId ?? 'TFAKE',
      appId: options.appId ?? 'A0FAKE',
      botUserId: options.botUserId ?? 'UBOT',
      botId: options.botId ?? 'BBOT',
    },
    botToken: options.botToken ?? 'xoxb-test-bot-token',
    appToken: options.appToken ?? 'xapp-1-test-app-token',
    grantedScopes: { bot: options.botScopes ?? manifestBotScopes(), app: APP_TOKEN_SCOPES },
    serverPingIntervalMs: options.serverPingIntervalMs ?? 10_000,
    ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
    ackRetryMs: options.ackRetryMs ?? 3000,
    streamIdleMs: options.streamIdleMs ?? 5 * 60_000,
    streamLifetimeMs: options.streamLifetimeMs ?? 5 * 60_000,
    rateLimits: options.rateLimits ?? { windowMs: 60_000 },
    waitTimeoutMs: options.waitTimeoutMs ?? 5_000,
    ...(options.observer === undefined ? {} : { observer: options.observer }),
  }, async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  server.on('request', (req, res) => {
    if (fake.files.serve(req, res)) return;
    fake.web.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('upgrade', (req, socket, head) => fake.socket.handleUpgrade(req, socket, head));
  return fake;
}
