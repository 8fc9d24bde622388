// Pins down what Bolt 5.1 does with rejected bot and app tokens, run against the fake's token checks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { boltApp } from './bolt-harness.js';
import { startFakeSlack } from './index.js';
import type { FakeSlack } from './index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs a Bolt script in its own process: some outcomes are the process dying, which a test cannot
 * host. Scripts end themselves after 15 s so a Bolt that does not crash fails the test, not hangs it.
 */
function runChild(fake: FakeSlack, body: string): { output: () => string; started: Promise<void>; exit: Promise<number | null> } {
  const script = `
    import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
    const slackApiUrl = process.env.FAKE_SLACK_API_URL;
    ${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, FAKE_SLACK_API_URL: fake.apiUrl, FAKE_APP_TOKEN: fake.tokens.app, FAKE_BOT_TOKEN: fake.tokens.bot },
  });
  let output = '';
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.includes('STARTED')) markStarted();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { output: () => output, started, exit };
}

const platformError = (error: string) => (thrown: unknown): boolean =>
  (thrown as { code?: string; data?: { error?: string } }).code === 'slack_webapi_platform_error' &&
  (thrown as { data?: { error?: string } }).data?.error === error;

describe('Bolt 5.1 and rejected tokens', () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack();
  });
  afterEach(() => fake.close());

  it('a rejected bot token ends the process from the constructor’s auth.test, despite try/catch round start()', async () => {
    const child = runChild(
      fake,
      `const app = new App({ token: 'xoxb-revoked', appToken: process.env.FAKE_APP_TOKEN, socketMode: true, logLevel: LogLevel.ERROR,
         clientOptions: { slackApiUrl }, installerOptions: { clientOptions: { slackApiUrl } } });
       try { await app.start(); } catch (error) { console.log('CAUGHT', error.message); }
       setTimeout(() => process.exit(0), 15_000);`,
    );
    assert.equal(await child.exit, 1);
    assert.match(child.output(), /WebAPIPlatformError: An API error occurred: invalid_auth/);
    assert.doesNotMatch(child.output(), /CAUGHT/);
  });

  it('deferInitialization: true makes init() reject with invalid_auth, and start() refuses to run', async () => {
    const { app } = boltApp(fake, { token: 'xoxb-revoked', deferInitialization: true });
    await assert.rejects(app.init(), platformError('invalid_auth'));
    // start() is not async: an uninitialised App throws synchronously instead of rejecting.
    assert.throws(() => app.start(), { code: 'slack_bolt_app_initialization_error' });
    assert.deepEqual(fake.calls.map((c) => c.method), ['auth.test']);
  });

  it('a rejected app token makes start() reject once, without retrying', async () => {
    const { app, lifecycle, logger } = boltApp(fake, { appToken: 'xapp-revoked' });
    await assert.rejects(app.start(), platformError('invalid_auth'));
    assert.equal(fake.callsTo('apps.connections.open').length, 1);
    assert.deepEqual(lifecycle, []);
    assert.ok(logger.lines.some((l) => l.includes('Failed to retrieve a new WSS URL')));
    await app.stop();
  });

  it('a bot token passed as the app token is retried forever, each wait one clientPingTimeout longer', async () => {
    const { app, lifecycle } = boltApp(fake, { appToken: fake.tokens.bot, clientPingTimeout: 100 });
    const start = app.start();
    start.catch(() => undefined);
    await fake.waitForCall(() => fake.callsTo('apps.connections.open').length >= 3);
    await app.stop();
    const [first, second, third] = fake.callsTo('apps.connections.open').map((c) => c.at);
    // Timers never fire early; the small slack covers the clock's millisecond rounding.
    assert.ok(second! - first! >= 95, `first wait ${second! - first!} ms`);
    assert.ok(third! - second! >= 195, `second wait ${third! - second!} ms`);
    assert.deepEqual(lifecycle.slice(0, 2), ['reconnecting', 'reconnecting']);
  });

  it('an app token revoked while connected ends the process at the next reconnect (unhandled rejection)', async () => {
    const child = runChild(
      fake,
      `const receiver = new SocketModeReceiver({ appToken: process.env.FAKE_APP_TOKEN, clientPingTimeout: 100,
         logLevel: LogLevel.ERROR, installerOptions: { clientOptions: { slackApiUrl } } });
       const app = new App({ token: process.env.FAKE_BOT_TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl } });
       await app.start();
       console.log('STARTED');
       setTimeout(() => process.exit(0), 15_000);`,
    );
    await child.started;
    fake.revokeTokens();
    fake.dropConnections();
    assert.equal(await child.exit, 1);
    assert.match(child.output(), /invalid_auth/);
    assert.equal(fake.callsTo('apps.connections.open').at(-1)?.token, fake.tokens.app);
  });
});
