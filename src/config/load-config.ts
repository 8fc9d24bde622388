import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { defaults, environmentSchema, secretTokenKeys, type Environment } from './schema.js';
import { readSecretTokens, type SecretTokens } from './secret-tokens.js';
import { toTelemetryConfig, type TelemetryConfig } from './telemetry-config.js';

export interface SlackConfig {
  readonly botToken: string;
  readonly appToken: string;
  readonly apiUrl: string;
  readonly allowedChannels: readonly string[];
  readonly allowedUsers: readonly string[];
  /** Use chat.startStream/appendStream/stopStream where the workspace has them. */
  readonly nativeStreaming: boolean;
  /** Socket Mode pong timeout. */
  readonly clientPingTimeoutMs: number;
  /** Slack's rate-limit window the method budgets count in (a minute; shorter only against a test fake). */
  readonly rateWindowMs: number;
}

export interface DiscordConfig {
  readonly botToken: string;
  readonly apiUrl: string;
  readonly allowedGuilds: readonly string[];
  readonly allowedChannels: readonly string[];
  readonly allowedUsers: readonly string[];
  /** Register slash commands in this guild only (instant, for testing) instead of globally. */
  readonly commandGuildId: string | undefined;
  /** Register /ask, /reset and /status at start-up when their definitions changed. */
  readonly registerCommands: boolean;
}

export interface AgentConfig {
  readonly modelId: string;
  readonly systemPrompt: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly maxAttempts: number;
  readonly streaming: boolean;
  readonly toolMaxRounds: number;
  /** Applied to every Converse/ConverseStream call; undefined when BEDROCK_GUARDRAIL_ID is unset. */
  readonly guardrail: { readonly id: string; readonly version: string } | undefined;
  /** Cache points after system, tools and long history: by model id (auto), always (on) or never (off). */
  readonly promptCaching: 'auto' | 'on' | 'off';
  /** Answers a turn when the primary model stays throttled or unavailable after retries. */
  readonly fallbackModelId: string | undefined;
  /** A model call with nothing from the model for this long (no headers, no stream event) is aborted. */
  readonly idleTimeoutMs: number;
  /** Bound on a whole turn: every round, tool, retry and the fallback. */
  readonly turnTimeoutMs: number;
}

export interface BridgeLimits {
  readonly historyMaxTurns: number;
  readonly historyMaxChars: number;
  readonly historyMaxConversations: number;
  readonly maxConcurrentTurns: number;
  readonly maxQueuedPerConversation: number;
  readonly maxPromptChars: number;
  readonly shutdownGraceMs: number;
  /** Messages one chat user may send per minute (0: no limit). */
  readonly rateLimitPerUserPerMinute: number;
  /** File bytes a conversation keeps for later turns. */
  readonly historyMaxFileBytes: number;
  /** Text and file bytes history holds across all conversations. */
  readonly historyMaxTotalBytes: number;
  /** Messages waiting across all conversations before new ones are refused. */
  readonly maxQueuedTotal: number;
  /** Approximate tokens of earlier thread messages shown on a first mention in a thread. */
  readonly contextTokenBudget: number;
}

/** Answering what was missed while offline, and noticing sockets that are open but dead. */
export interface SelfHealingConfig {
  /** How far back catch-up looks for unanswered messages (0 turns it off). */
  readonly catchUpWindowMs: number;
  /** Most messages answered late per catch-up run; the rest are counted and left. */
  readonly catchUpMaxMessages: number;
  /** Most conversations (channels, DMs, threads) one catch-up run reads. */
  readonly catchUpMaxChannels: number;
  /** Catch-up leaves a message this young to whichever session got it live, and looks again after. */
  readonly catchUpSettleMs: number;
  /** A connected socket with no liveness signal for this long is restarted. */
  readonly watchdogSilenceMs: number;
  /** /ping turns Unhealthy when a platform has been unable to connect this long. */
  readonly unhealthyAfterMs: number;
}

export interface Config {
  readonly port: number;
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly imageVersion: string;
  /**
   * `start`: connect the platforms at start-up. `invocation`: wait for the first
   * invocation to say whether this session is active or a rotation's standby.
   */
  readonly connectOn: 'start' | 'invocation';
  /** Null when Slack is not configured. */
  readonly slack: SlackConfig | null;
  /** Null when Discord is not configured. */
  readonly discord: DiscordConfig | null;
  readonly secretId: string | undefined;
  readonly agent: AgentConfig;
  readonly limits: BridgeLimits;
  readonly selfHealing: SelfHealingConfig;
  /** OpenTelemetry export; null when off (then no OTel module is loaded). */
  readonly telemetry: TelemetryConfig | null;
  /** Values no log line may show. */
  readonly secretValues: readonly string[];
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Injected in tests; defaults to reading Secrets Manager with the SDK's default chain. */
  readonly readSecret?: (secretId: string) => Promise<SecretTokens>;
}

/**
 * Parses the environment (plus the Secrets Manager secret when BRIDGE_SECRET_ID
 * is set) once, collecting every problem before failing with one ConfigError.
 */
export async function loadConfig(env: EnvSource, options: LoadConfigOptions = {}): Promise<Config> {
  const secretId = env.BRIDGE_SECRET_ID?.trim() || undefined;
  const fromSecret = secretId === undefined ? {} : await (options.readSecret ?? readSecretTokens)(secretId);
  const merged: Record<string, string | undefined> = { ...env };
  for (const key of secretTokenKeys) {
    // A variable set in the environment wins over the secret.
    if ((merged[key] ?? '').trim() === '' && fromSecret[key] !== undefined) merged[key] = fromSecret[key];
  }
  const parsed = environmentSchema.safeParse(merged);
  const problems = [
    ...(parsed.success ? [...timeoutProblems(parsed.data), ...historyBudgetProblems(parsed.data)] : describeIssues(parsed.error)),
    ...crossFieldProblems(merged),
    ...agentCrossFieldProblems(merged),
  ];
  const telemetry = parsed.success ? toTelemetryConfig(parsed.data, awsRegion(env), problems) : null;
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return freezeDeep(toConfig(parsed.data, env, telemetry));
}

function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const isSet = (key: string) => (env[key] ?? '').trim() !== '';
  if (isSet('SLACK_BOT_TOKEN') === isSet('SLACK_APP_TOKEN')) return [];
  const missing = isSet('SLACK_BOT_TOKEN') ? 'SLACK_APP_TOKEN' : 'SLACK_BOT_TOKEN';
  return [`${missing}: is missing; Slack needs both SLACK_BOT_TOKEN (xoxb-) and SLACK_APP_TOKEN (xapp-), or neither`];
}

function agentCrossFieldProblems(env: Record<string, string | undefined>): string[] {
  const value = (key: string) => env[key]?.trim() ?? '';
  const problems: string[] = [];
  if (value('BEDROCK_GUARDRAIL_VERSION') !== '' && value('BEDROCK_GUARDRAIL_ID') === '') {
    problems.push('BEDROCK_GUARDRAIL_VERSION: is set but BEDROCK_GUARDRAIL_ID is not; set the guardrail id (or ARN) too, or unset the version');
  }
  const fallback = value('BEDROCK_FALLBACK_MODEL_ID');
  if (fallback !== '' && fallback === (value('BEDROCK_MODEL_ID') || defaults.modelId)) {
    problems.push('BEDROCK_FALLBACK_MODEL_ID: is the same model as BEDROCK_MODEL_ID; name a different model (or another region\'s inference profile), or unset it');
  }
  return problems;
}

function timeoutProblems(e: Environment): string[] {
  if (e.BEDROCK_TURN_TIMEOUT_SECONDS >= e.BEDROCK_IDLE_TIMEOUT_SECONDS) return [];
  return [
    `BEDROCK_TURN_TIMEOUT_SECONDS: is ${e.BEDROCK_TURN_TIMEOUT_SECONDS}, less than BEDROCK_IDLE_TIMEOUT_SECONDS (${e.BEDROCK_IDLE_TIMEOUT_SECONDS}); a turn must be allowed at least one idle wait, so raise it or lower the idle timeout`,
  ];
}

/** The total budget must hold one conversation's text (2 bytes a character), or the ceiling could not hold. */
function historyBudgetProblems(e: Environment): string[] {
  const textBytes = e.HISTORY_MAX_CHARS * 2;
  if (e.HISTORY_MAX_TOTAL_MB * 1024 * 1024 >= textBytes) return [];
  const needed = Math.ceil(textBytes / 1024 / 1024);
  return [`HISTORY_MAX_TOTAL_MB: ${e.HISTORY_MAX_TOTAL_MB} cannot hold one conversation of HISTORY_MAX_CHARS=${e.HISTORY_MAX_CHARS} (2 bytes a character); set it to ${needed} or more, or lower HISTORY_MAX_CHARS`];
}

function toConfig(e: Environment, rawEnv: EnvSource, telemetry: TelemetryConfig | null): Config {
  return {
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    imageVersion: e.IMAGE_VERSION,
    connectOn: e.CONNECT_ON,
    slack:
      e.SLACK_BOT_TOKEN !== undefined && e.SLACK_APP_TOKEN !== undefined
        ? {
            botToken: e.SLACK_BOT_TOKEN,
            appToken: e.SLACK_APP_TOKEN,
            apiUrl: e.SLACK_API_URL,
            allowedChannels: e.SLACK_ALLOWED_CHANNELS,
            allowedUsers: e.SLACK_ALLOWED_USERS,
            nativeStreaming: e.SLACK_NATIVE_STREAMING,
            clientPingTimeoutMs: e.SLACK_CLIENT_PING_TIMEOUT_MS,
            rateWindowMs: e.SLACK_RATE_WINDOW_SECONDS * 1000,
          }
        : null,
    discord:
      e.DISCORD_BOT_TOKEN !== undefined
        ? {
            botToken: e.DISCORD_BOT_TOKEN,
            apiUrl: e.DISCORD_API_URL,
            allowedGuilds: e.DISCORD_ALLOWED_GUILDS,
            allowedChannels: e.DISCORD_ALLOWED_CHANNELS,
            allowedUsers: e.DISCORD_ALLOWED_USERS,
            commandGuildId: e.DISCORD_COMMAND_GUILD_ID,
            registerCommands: e.DISCORD_REGISTER_COMMANDS,
          }
        : null,
    secretId: e.BRIDGE_SECRET_ID,
    agent: {
      modelId: e.BEDROCK_MODEL_ID,
      systemPrompt: e.SYSTEM_PROMPT,
      maxTokens: e.BEDROCK_MAX_TOKENS,
      temperature: e.BEDROCK_TEMPERATURE,
      maxAttempts: e.BEDROCK_MAX_ATTEMPTS,
      streaming: e.BEDROCK_STREAMING,
      toolMaxRounds: e.TOOL_MAX_ROUNDS,
      guardrail: e.BEDROCK_GUARDRAIL_ID === undefined ? undefined : { id: e.BEDROCK_GUARDRAIL_ID, version: e.BEDROCK_GUARDRAIL_VERSION ?? 'DRAFT' },
      promptCaching: e.BEDROCK_PROMPT_CACHING,
      fallbackModelId: e.BEDROCK_FALLBACK_MODEL_ID,
      idleTimeoutMs: e.BEDROCK_IDLE_TIMEOUT_SECONDS * 1000,
      turnTimeoutMs: e.BEDROCK_TURN_TIMEOUT_SECONDS * 1000,
    },
    limits: {
      historyMaxTurns: e.HISTORY_MAX_TURNS,
      historyMaxChars: e.HISTORY_MAX_CHARS,
      historyMaxConversations: e.HISTORY_MAX_CONVERSATIONS,
      maxConcurrentTurns: e.MAX_CONCURRENT_TURNS,
      maxQueuedPerConversation: e.MAX_QUEUED_PER_CONVERSATION,
      maxPromptChars: e.MAX_PROMPT_CHARS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
      rateLimitPerUserPerMinute: e.RATE_LIMIT_PER_USER_PER_MINUTE,
      historyMaxFileBytes: e.HISTORY_MAX_FILE_MB * 1024 * 1024,
      historyMaxTotalBytes: e.HISTORY_MAX_TOTAL_MB * 1024 * 1024,
      maxQueuedTotal: e.MAX_QUEUED_TOTAL,
      contextTokenBudget: e.CONTEXT_TOKEN_BUDGET,
    },
    selfHealing: {
      catchUpWindowMs: e.CATCHUP_WINDOW_SECONDS * 1000,
      catchUpSettleMs: e.CATCHUP_SETTLE_SECONDS * 1000,
      catchUpMaxMessages: e.CATCHUP_MAX_MESSAGES,
      catchUpMaxChannels: e.CATCHUP_MAX_CHANNELS,
      watchdogSilenceMs: e.WATCHDOG_SILENCE_SECONDS * 1000,
      unhealthyAfterMs: e.UNHEALTHY_AFTER_SECONDS * 1000,
    },
    telemetry,
    secretValues: [
      ...(telemetry?.secretValues ?? []),
      e.SLACK_BOT_TOKEN,
      e.SLACK_APP_TOKEN,
      e.DISCORD_BOT_TOKEN,
      rawEnv.AWS_SECRET_ACCESS_KEY,
      rawEnv.AWS_SESSION_TOKEN,
    ].filter((value): value is string => value !== undefined && value !== ''),
  };
}

/** The AWS SDK's own region variables, for the telemetry endpoints and their signing. */
function awsRegion(env: EnvSource): string | undefined {
  return env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim() || undefined;
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
}

function freezeDeep<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) freezeDeep(child);
  }
  return value;
}
