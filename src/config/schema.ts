import { z } from 'zod';

/** Every default the bridge has lives here. */
export const defaults = {
  port: 8080,
  slackApiUrl: 'https://slack.com/api/',
  discordApiUrl: 'https://discord.com/api',
  modelId: 'us.anthropic.claude-sonnet-4-6',
  systemPrompt:
    'You are a helpful assistant answering people in Slack and Discord chats. ' +
    'Write for chat: short paragraphs, lists where they help, code in fenced blocks. ' +
    'Be direct and accurate; say so when you do not know.',
} as const;

const commaList = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${value}")` });
        return z.NEVER;
      }
      return parsed;
    });

const decimal = (min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a number from ${min} to ${max} (got "${value}")` });
        return z.NEVER;
      }
      return parsed;
    });

const boolean = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const normalised = value.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
      if (['0', 'false', 'no', 'off'].includes(normalised)) return false;
      ctx.addIssue({ code: 'custom', message: `must be true or false (got "${value}")` });
      return z.NEVER;
    });

const httpUrl = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const raw = value === undefined || value.trim() === '' ? fallback : value.trim();
      try {
        const url = new URL(raw);
        if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `must be an http(s) URL (got "${raw}")` });
      return z.NEVER;
    });

const token = (prefix: string | null, what: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const trimmed = value?.trim();
      if (trimmed === undefined || trimmed === '') return undefined;
      if (prefix !== null && !trimmed.startsWith(prefix)) {
        ctx.addIssue({ code: 'custom', message: `must start with "${prefix}" (${what})` });
        return z.NEVER;
      }
      return trimmed;
    });

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

// Bedrock's own patterns (GuardrailConfiguration): an id or a guardrail ARN; a version number or DRAFT.
const guardrailId = optionalText.refine(
  (value) => value === undefined || /^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail\/[a-z0-9]+)$/.test(value),
  { message: 'must be a guardrail id (lowercase letters and digits, e.g. "gr1a2b3c4d5e") or a guardrail ARN' },
);
const guardrailVersion = optionalText
  .transform((value) => (value?.toUpperCase() === 'DRAFT' ? 'DRAFT' : value))
  .refine((value) => value === undefined || /^(?:[1-9][0-9]{0,7}|DRAFT)$/.test(value), {
    message: 'must be a version number (1, 2, ...) or DRAFT',
  });

const mode = <T extends string>(fallback: T, values: readonly [T, ...T[]]) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? fallback : value.trim().toLowerCase()))
    .pipe(z.enum(values, { message: `must be one of ${values.join(', ')}` }));

const optionalUrl = optionalText.refine((value) => value === undefined || /^https?:\/\/[^/]/.test(value), { message: 'must be an http(s) URL' });

// The OpenTelemetry list form (`key1=value1,key2=value2`, values percent-encoded), as W3C Baggage writes it.
const keyValueList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const pairs: Record<string, string> = {};
    for (const item of (value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
      const at = item.indexOf('=');
      const key = at > 0 ? item.slice(0, at).trim() : '';
      try {
        if (key === '') throw new Error('no key');
        pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of key=value pairs (got "${item}")` });
        return z.NEVER;
      }
    }
    return pairs;
  });

const logLevel = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? 'info' : value.trim().toLowerCase()))
  .pipe(z.enum(['error', 'warn', 'info', 'debug'], { message: 'must be one of error, warn, info, debug' }));

/** LOG_LEVEL as the schema reads it, or info when it is invalid (for logging before the config is loaded). */
export function parseLogLevel(raw: string | undefined): z.output<typeof logLevel> {
  const parsed = logLevel.safeParse(raw);
  return parsed.success ? parsed.data : 'info';
}

/** The environment as the bridge reads it: names are the variables, values already typed. */
export const environmentSchema = z.object({
  PORT: integer(0, 65535, defaults.port),
  LOG_LEVEL: logLevel,
  IMAGE_VERSION: optionalText.transform((value) => value ?? 'dev'),
  CONNECT_ON: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? 'start' : value.trim().toLowerCase()))
    .pipe(z.enum(['start', 'invocation'], { message: 'must be start or invocation' })),

  SLACK_BOT_TOKEN: token('xoxb-', 'the Bot User OAuth Token from OAuth & Permissions'),
  SLACK_APP_TOKEN: token('xapp-', 'an App-Level Token with connections:write, from Basic Information'),
  SLACK_API_URL: httpUrl(defaults.slackApiUrl),
  SLACK_ALLOWED_CHANNELS: commaList,
  SLACK_ALLOWED_USERS: commaList,
  SLACK_NATIVE_STREAMING: boolean(true),
  SLACK_CLIENT_PING_TIMEOUT_MS: integer(500, 60_000, 1500),
  SLACK_RATE_WINDOW_SECONDS: integer(0, 3600, 60),

  DISCORD_BOT_TOKEN: token(null, 'the bot token from the Developer Portal'),
  DISCORD_API_URL: httpUrl(defaults.discordApiUrl),
  DISCORD_ALLOWED_GUILDS: commaList,
  DISCORD_ALLOWED_CHANNELS: commaList,
  DISCORD_ALLOWED_USERS: commaList,

  BRIDGE_SECRET_ID: optionalText,

  BEDROCK_MODEL_ID: optionalText.transform((value) => value ?? defaults.modelId),
  SYSTEM_PROMPT: optionalText.transform((value) => value ?? defaults.systemPrompt),
  BEDROCK_MAX_TOKENS: integer(1, 64000, 2048),
  BEDROCK_TEMPERATURE: decimal(0, 1),
  BEDROCK_MAX_ATTEMPTS: integer(1, 10, 4),
  BEDROCK_STREAMING: boolean(true),
  TOOL_MAX_ROUNDS: integer(0, 20, 5),
  BEDROCK_GUARDRAIL_ID: guardrailId,
  BEDROCK_GUARDRAIL_VERSION: guardrailVersion,
  BEDROCK_PROMPT_CACHING: z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? 'auto' : value.trim().toLowerCase()))
    .pipe(z.enum(['auto', 'on', 'off'], { message: 'must be auto, on or off' })),
  BEDROCK_FALLBACK_MODEL_ID: optionalText,
  BEDROCK_IDLE_TIMEOUT_SECONDS: integer(1, 3600, 60),
  BEDROCK_TURN_TIMEOUT_SECONDS: integer(1, 3600, 300),

  HISTORY_MAX_TURNS: integer(2, 500, 30),
  HISTORY_MAX_CHARS: integer(1000, 2_000_000, 40_000),
  HISTORY_MAX_CONVERSATIONS: integer(1, 1_000_000, 2_000),
  MAX_CONCURRENT_TURNS: integer(1, 256, 8),
  MAX_QUEUED_PER_CONVERSATION: integer(1, 10_000, 250),
  MAX_PROMPT_CHARS: integer(1, 500_000, 40_000),
  SHUTDOWN_GRACE_SECONDS: integer(1, 60, 12),
  RATE_LIMIT_PER_USER_PER_MINUTE: integer(0, 10_000, 0),
  HISTORY_MAX_FILE_MB: integer(0, 200, 20),
  // 512 MB: history's share of an 8 GB microVM whose memory is billed at its peak (docs/performance.md, Memory).
  HISTORY_MAX_TOTAL_MB: integer(1, 6144, 512),
  MAX_QUEUED_TOTAL: integer(1, 100_000, 1000),
  CONTEXT_TOKEN_BUDGET: integer(100, 200_000, 4000),
  DISCORD_COMMAND_GUILD_ID: optionalText,
  DISCORD_REGISTER_COMMANDS: boolean(true),
  CATCHUP_WINDOW_SECONDS: integer(0, 7 * 24 * 3600, 900),
  CATCHUP_SETTLE_SECONDS: integer(0, 600, 15),
  CATCHUP_MAX_MESSAGES: integer(0, 1000, 20),
  CATCHUP_MAX_CHANNELS: integer(1, 1000, 50),
  WATCHDOG_SILENCE_SECONDS: integer(1, 3600, 60),
  UNHEALTHY_AFTER_SECONDS: integer(1, 24 * 3600, 300),

  // Telemetry (src/telemetry/): our switch, then the OpenTelemetry variables AgentCore Runtime sets.
  TELEMETRY: mode('auto', ['auto', 'on', 'off']),
  TELEMETRY_SIGV4: mode('auto', ['auto', 'on', 'off']),
  AGENT_OBSERVABILITY_ENABLED: boolean(false),
  DISABLE_ADOT_OBSERVABILITY: boolean(false),
  OTEL_SDK_DISABLED: boolean(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList,
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: keyValueList,
  OTEL_EXPORTER_OTLP_TIMEOUT: integer(100, 60_000, 10_000),
  OTEL_TRACES_EXPORTER: optionalText,
  OTEL_METRICS_EXPORTER: optionalText,
  OTEL_SERVICE_NAME: optionalText,
  OTEL_RESOURCE_ATTRIBUTES: keyValueList,
  OTEL_METRIC_EXPORT_INTERVAL: integer(100, 3_600_000, 60_000),
  OTEL_BSP_SCHEDULE_DELAY: integer(10, 60_000, 5000),
});

export type Environment = z.output<typeof environmentSchema>;

/** The platform tokens a Secrets Manager secret may hold. */
export const secretTokenKeys = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'DISCORD_BOT_TOKEN'] as const;
export type SecretTokenKey = (typeof secretTokenKeys)[number];
