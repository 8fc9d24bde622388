// Builds a real Bolt app pointed at the fake, with the Socket Mode knobs tests need and a quiet logger.
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '@slack/bolt';
import type { FakeSlack } from './index.js';

/** Keeps what Bolt and the socket client log, so tests can assert on it instead of reading stderr. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (...msg: unknown[]): void => {
    lines.push(`${level} ${msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ')}`);
  };
  let level = LogLevel.DEBUG;
  return {
    lines,
    debug: () => undefined,
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    setLevel: (next) => (level = next),
    getLevel: () => level,
    setName: () => undefined,
  };
}

export interface BoltOptions {
  token?: string;
  appToken?: string;
  /** Also the socket client's reconnect delay unit (delay = timeout x consecutive failures). */
  clientPingTimeout?: number;
  serverPingTimeout?: number;
  deferInitialization?: boolean;
}

export interface BoltUnderTest {
  app: App;
  receiver: SocketModeReceiver;
  logger: ReturnType<typeof recordingLogger>;
  /** SocketModeClient lifecycle events in order, e.g. `connected`, `error`, `reconnecting`. */
  lifecycle: string[];
}

const LIFECYCLE = ['connecting', 'authenticated', 'connected', 'reconnecting', 'disconnecting', 'disconnected', 'error'];

/** Our own receiver, because App hides the client and does not pass the ping timeouts through. */
export function boltApp(fake: FakeSlack, options: BoltOptions = {}): BoltUnderTest {
  const logger = recordingLogger();
  const slackApiUrl = fake.apiUrl;
  const receiver = new SocketModeReceiver({
    appToken: options.appToken ?? fake.tokens.app,
    logger,
    clientPingTimeout: options.clientPingTimeout ?? 200,
    serverPingTimeout: options.serverPingTimeout ?? 30_000,
    installerOptions: { clientOptions: { slackApiUrl } },
  });
  const lifecycle: string[] = [];
  for (const name of LIFECYCLE) receiver.client.on(name, () => lifecycle.push(name));
  const app = new App({
    token: options.token ?? fake.tokens.bot,
    receiver,
    logger,
    clientOptions: { slackApiUrl },
    deferInitialization: options.deferInitialization ?? false,
  });
  return { app, receiver, logger, lifecycle };
}
