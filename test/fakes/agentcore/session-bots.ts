// Routes each runtime session to its own bot process, started on the session's first invocation
// with the environment of the runtime version it runs (so IMAGE_VERSION is what AgentCore would
// set), and stopped by StopRuntimeSession. The seed of a fuller runtime emulator.
import { startBot } from './bot-process.js';
import type { BotOptions, BotProcess } from './bot-process.js';
import type { SessionContext } from './data-plane.js';

export interface SessionBots {
  readonly bots: Map<string, BotProcess>;
  sessionTarget(context: SessionContext): Promise<string | undefined>;
  onStopSession(context: SessionContext): Promise<void>;
  stopAll(): Promise<void>;
}

export function sessionBots(options: Omit<BotOptions, 'env'> & { readonly env?: Record<string, string> } = {}): SessionBots {
  const bots = new Map<string, BotProcess>();
  const starting = new Map<string, Promise<BotProcess>>();
  return {
    bots,
    async sessionTarget({ session, environment }) {
      const running = bots.get(session.sessionId);
      if (running !== undefined && running.child.exitCode === null) return running.url;
      let pending = starting.get(session.sessionId);
      if (pending === undefined) {
        // No Secrets Manager here: the bot runs with its platforms disabled unless options.env says otherwise.
        const { BRIDGE_SECRET_ID: _secret, ...runtimeEnv } = environment;
        pending = startBot({ ...options, env: { ...runtimeEnv, ...options.env } });
        starting.set(session.sessionId, pending);
      }
      const bot = await pending.finally(() => starting.delete(session.sessionId));
      bots.set(session.sessionId, bot);
      return bot.url;
    },
    async onStopSession({ session }) {
      await bots.get(session.sessionId)?.stop();
    },
    async stopAll() {
      await Promise.all([...bots.values()].map((bot) => bot.stop()));
    },
  };
}
