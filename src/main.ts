/**
 * Process entry: starts the bridge and turns SIGTERM/SIGINT into a graceful
 * drain (AgentCore allows about 15 s after SIGTERM), then exits 0.
 */
import { startApp, type RunningApp } from './app.js';
import { ConfigError } from './config/index.js';
import { describeError } from './core/index.js';

let app: RunningApp;
try {
  app = await startApp({ env: process.env });
} catch (error) {
  if (!(error instanceof ConfigError)) process.stderr.write(`fatal: could not start: ${describeError(error)}\n`);
  process.exit(1);
}

let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    if (signals > 1) process.exit(1);
    app.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}

process.on('unhandledRejection', (reason) => {
  // A library's background promise (e.g. Bolt's auth.test) must not end a bot that serves others.
  app.logger.error('unhandled rejection', { error: reason });
});
process.on('uncaughtException', (error) => {
  app.logger.error('uncaught exception; exiting', { error });
  process.exit(1);
});
