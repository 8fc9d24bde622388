import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { environmentSchema, secretTokenKeys, type Environment } from './schema.js';
import { readSecretTokens, type SecretTokens } from './secret-tokens.js';

export interface SlackConfig {
  readonly botToken: string;
  readonly appToken: string;
  readonly apiUrl: string;
  readonly allowedChannels: readonly string[];
  readonly allowedUsers: readonly string[];
  /** Use chat.startStream/appendStream/stopStream where the workspace has them. */
  readonly nativeStreaming: boolean;
  /** Socket Mode pong timeout, also its reconnect delay per consecutive failure. */
  readonly clientPingTimeoutMs: number;
}

export interface DiscordConfig {
  readonly botToken: string;
  readonly apiUrl: string;
  readonly allowedGuilds: readonly string[];
  readonly allowedChannels: readonly string[];
  readonly allowedUsers: readonly string[];
}

export interface AgentConfig {
  readonly modelId: string;
  readonly systemPrompt: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly maxAttempts: number;
  readonly streaming: boolean;
  readonly toolMaxRounds: number;
}

export interface BridgeLimits {
  readonly historyMaxTurns: number;
  readonly historyMaxChars: number;
  readonly historyMaxConversations: number;
  readonly maxConcurrentTurns: number;
  readonly maxQueuedPerConversation: number;
  readonly maxPromptChars: number;
  readonly shutdownGraceMs: number;
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
  const problems = [...(parsed.success ? [] : describeIssues(parsed.error)), ...crossFieldProblems(merged)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return freezeDeep(toConfig(parsed.data, env));
}

function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const isSet = (key: string) => (env[key] ?? '').trim() !== '';
  if (isSet('SLACK_BOT_TOKEN') === isSet('SLACK_APP_TOKEN')) return [];
  const missing = isSet('SLACK_BOT_TOKEN') ? 'SLACK_APP_TOKEN' : 'SLACK_BOT_TOKEN';
  return [`${missing}: is missing; Slack needs both SLACK_BOT_TOKEN (xoxb-) and SLACK_APP_TOKEN (xapp-), or neither`];
}

function toConfig(e: Environment, rawEnv: EnvSource): Config {
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
    },
    limits: {
      historyMaxTurns: e.HISTORY_MAX_TURNS,
      historyMaxChars: e.HISTORY_MAX_CHARS,
      historyMaxConversations: e.HISTORY_MAX_CONVERSATIONS,
      maxConcurrentTurns: e.MAX_CONCURRENT_TURNS,
      maxQueuedPerConversation: e.MAX_QUEUED_PER_CONVERSATION,
      maxPromptChars: e.MAX_PROMPT_CHARS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    },
    secretValues: [
      e.SLACK_BOT_TOKEN,
      e.SLACK_APP_TOKEN,
      e.DISCORD_BOT_TOKEN,
      rawEnv.AWS_SECRET_ACCESS_KEY,
      rawEnv.AWS_SESSION_TOKEN,
    ].filter((value): value is string => value !== undefined && value !== ''),
  };
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
