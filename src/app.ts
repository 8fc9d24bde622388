import type { Writable } from 'node:stream';
import { BedrockAgent, ToolRegistry, bridgeStatusTool, currentTimeTool } from './agent/index.js';
import { ConfigError, loadConfig, parseLogLevel, type Config, type EnvSource, type LoadConfigOptions } from './config/index.js';
import { Bridge, ConversationHistory, PlatformConnection, type ChatPlatform } from './core/index.js';
import { createLogger, Redactor, type Logger } from './log/index.js';
import { HealthMonitor, ProcessStats, SessionRoles, StatusReport, TaskRegistry, startRuntimeServer, type ChatPlatformName, type RuntimeServer } from './runtime/index.js';
import { createPlatforms } from './platforms/index.js';
import { startTelemetry, type PlatformFigures } from './telemetry/index.js';

export interface AppOptions extends LoadConfigOptions {
  readonly env: EnvSource;
  /** Where log lines go (stdout by default). */
  readonly logStream?: Writable;
}

export interface RunningApp {
  readonly config: Config;
  readonly port: number;
  readonly logger: Logger;
  readonly bridge: Bridge;
  readonly health: HealthMonitor;
  readonly platforms: readonly ChatPlatform[];
  /** Drains in-flight replies within the grace period, closes sockets and the server. */
  stop(reason: string): Promise<void>;
}

/** The composition root: config -> logger -> agent -> bridge -> platforms -> runtime server. */
export async function startApp(options: AppOptions): Promise<RunningApp> {
  const redactor = new Redactor();
  let config: Config;
  try {
    config = await loadConfig(options.env, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      const bootLogger = createLogger({ level: parseLogLevel(options.env.LOG_LEVEL), redactor, ...streamOption(options.logStream) });
      bootLogger.error('configuration invalid; not starting', { problems: error.problems });
    }
    throw error;
  }
  redactor.add(config.secretValues);
  const logger = createLogger({ level: config.logLevel, redactor, ...streamOption(options.logStream) });
  const startedAt = Date.now();
  let sessionId: string | null = null;
  // Filled in once the platforms exist; telemetry may collect before that.
  let platformFigures = (): PlatformFigures[] => [];

  const tools = new ToolRegistry([currentTimeTool, bridgeStatusTool((): unknown => report.full())]);
  const agent = new BedrockAgent(config.agent, tools, logger.child({ component: 'agent' }));
  const history = new ConversationHistory({
    maxTurns: config.limits.historyMaxTurns,
    maxChars: config.limits.historyMaxChars,
    maxConversations: config.limits.historyMaxConversations,
    maxAttachmentBytes: config.limits.historyMaxFileBytes,
    maxTotalBytes: config.limits.historyMaxTotalBytes,
  });
  const telemetry = startTelemetry(config.telemetry, {
    logger: logger.child({ component: 'telemetry' }),
    imageVersion: config.imageVersion,
    modelId: config.agent.modelId,
    sessionId: () => sessionId,
    sources: { platforms: () => platformFigures(), inFlight: () => bridge.inFlight },
  });
  const bridge = new Bridge({
    agent,
    history,
    logger: logger.child({ component: 'bridge' }),
    maxConcurrentTurns: config.limits.maxConcurrentTurns,
    maxQueuedPerConversation: config.limits.maxQueuedPerConversation,
    maxQueuedTotal: config.limits.maxQueuedTotal,
    rateLimitPerUserPerMinute: config.limits.rateLimitPerUserPerMinute,
    ...(telemetry === undefined ? {} : { observer: telemetry.observer }),
  });
  const platforms = await createPlatforms(config, bridge, logger, { describeStatus: () => report.summary() });
  const connections = {
    slack: platforms.find((p) => p.name === 'slack')?.connection ?? new PlatformConnection('slack', 'disabled'),
    discord: platforms.find((p) => p.name === 'discord')?.connection ?? new PlatformConnection('discord', 'disabled'),
  } satisfies Record<ChatPlatformName, PlatformConnection>;
  for (const connection of Object.values(connections)) {
    connection.on('change', (change) => logger.info('platform state changed', { platform: connection.platform, ...change }));
  }

  platformFigures = () => [
    ...platforms.map((platform) => ({
      platform: platform.name,
      ...bridge.counters(platform.name),
      reconnects: platform.connection.snapshot().reconnects,
      details: platform.statusDetails?.() ?? {},
    })),
    { platform: 'invocation', ...bridge.counters('invocation'), reconnects: 0, details: {} },
  ];

  const roles = new SessionRoles({ platforms, bridge, logger: logger.child({ component: 'session' }) });
  const tasks = new TaskRegistry();
  const processStats = new ProcessStats({ busy: () => bridge.inFlight > 0 });
  const health = new HealthMonitor({
    connections: Object.values(connections),
    busyWork: () => bridge.inFlight,
    unhealthyAfterMs: config.selfHealing.unhealthyAfterMs,
    owning: () => roles.role === 'active' && bridge.accepting,
  });
  bridge.on('activity', () => {
    health.noteActivity();
    processStats.noteActivity();
  });
  const report: StatusReport = new StatusReport({
    imageVersion: config.imageVersion,
    startedAt,
    bridge,
    connections,
    agentStats: () => agent.stats(),
    tasks,
    health,
    sessionId: () => sessionId,
    role: () => roles.role,
    process: () => processStats.snapshot(),
    history: () => history.stats(),
    roleSince: () => roles.since,
    platformDetails: Object.fromEntries(platforms.flatMap((p) => (p.statusDetails === undefined ? [] : [[p.name, () => p.statusDetails?.() ?? {}]]))),
  });
  const server: RuntimeServer = await startRuntimeServer({
    port: config.port,
    bridge,
    tasks,
    status: report,
    health,
    roles,
    maxPromptChars: config.limits.maxPromptChars,
    logger: logger.child({ component: 'runtime' }),
    onSessionId: (id) => {
      sessionId = id;
    },
  });

  logStartup(logger, config);
  if (config.connectOn === 'start') roles.activate('start-up');
  else logger.info('waiting for the first invocation before connecting (CONNECT_ON=invocation)');

  let stopping: Promise<void> | undefined;
  const stop = (reason: string) => {
    stopping ??= (async () => {
      logger.info('shutting down', { reason, inFlight: bridge.inFlight });
      roles.close();
      await Promise.allSettled(platforms.map((platform) => platform.stopIntake?.() ?? Promise.resolve()));
      const drained = await bridge.drain(config.limits.shutdownGraceMs);
      await Promise.allSettled(platforms.map((platform) => platform.stop()));
      // Within AgentCore's ~15 s after SIGTERM: the drain took at most the grace, this a bounded rest.
      await telemetry?.shutdown(telemetryFlushMs);
      await server.close();
      processStats.stop();
      logger.info('shut down', { reason, ...drained });
    })();
    return stopping;
  };
  return { config, port: server.port, logger, bridge, health, platforms, stop };
}

/** What the shutdown allows the last telemetry export (spans still batched, the final counters). */
const telemetryFlushMs = 2500;

function logStartup(logger: Logger, config: Config): void {
  logger.info('bridge started', {
    imageVersion: config.imageVersion,
    modelId: config.agent.modelId,
    slack: config.slack === null ? 'disabled' : 'enabled',
    discord: config.discord === null ? 'disabled' : 'enabled',
  });
  if (config.slack === null && config.discord === null) {
    logger.warn(
      'no chat platform configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN to enable Slack, DISCORD_BOT_TOKEN to enable Discord ' +
        '(or BRIDGE_SECRET_ID to read them from Secrets Manager); /ping and /invocations work without them',
    );
  }
}

function streamOption(stream: Writable | undefined): { stream?: Writable } {
  return stream === undefined ? {} : { stream };
}
