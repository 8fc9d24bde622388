// The configuration the bot would start with, loaded by the bot's own loadConfig (the zod schema
// and its cross-field rules), with the secret BRIDGE_SECRET_ID names read by the bot's own reader.
// Each problem the bot would refuse to start with becomes one ✗ naming its variable.
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import type { Config, EnvSource } from '../../../src/config/index.js';
import { readSecretTokens } from '../../../src/config/secret-tokens.js';
import type { SecretTokens } from '../../../src/config/secret-tokens.js';
import type { EnvFileResult } from './env-file.js';
import { fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

/** Where a variable's value came from, for a fix that says where to change it. */
export type Origin = (key: string) => string;

export interface LoadedConfig {
  readonly origin: Origin;
  readonly secret: CheckResult;
  readonly config: CheckResult[];
  /** Undefined when the bot would refuse to start. */
  readonly loaded: Config | undefined;
  /** Undefined when BRIDGE_SECRET_ID is unset or could not be read. */
  readonly secretTokens: SecretTokens | undefined;
  readonly secretFailed: boolean;
}

export async function checkConfig(env: EnvSource, envFile: EnvFileResult): Promise<LoadedConfig> {
  const secretId = env.BRIDGE_SECRET_ID?.trim() || undefined;
  let secretTokens: SecretTokens | undefined;
  let secretProblems: readonly string[] = [];
  // The bot's reader, watched: a secret that cannot be read is its own ✗, and the rest of the
  // configuration is still checked (as if the secret held no tokens).
  const readSecret = async (id: string): Promise<SecretTokens> => {
    try {
      return (secretTokens = await readSecretTokens(id));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      secretProblems = error.problems;
      return {};
    }
  };
  let loaded: Config | undefined;
  let configProblems: readonly string[] = [];
  try {
    loaded = await loadConfig(env, { readSecret });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configProblems = error.problems;
  }
  const origin = originOf(env, envFile, secretId, secretTokens);
  return {
    origin,
    secret: secretResult(secretId, secretTokens, secretProblems),
    config: loaded === undefined ? configProblems.map((p) => problemResult(p, origin)) : [pass('config', summarize(loaded))],
    loaded,
    secretTokens,
    secretFailed: secretProblems.length > 0,
  };
}

function originOf(env: EnvSource, envFile: EnvFileResult, secretId: string | undefined, tokens: SecretTokens | undefined): Origin {
  return (key) => {
    // As loadConfig merges: a non-empty variable wins over the secret's key.
    if ((env[key] ?? '').trim() !== '') return envFile.filled.has(key) ? `set in ${envFile.file}` : 'set in the environment';
    if (tokens !== undefined && Object.hasOwn(tokens, key)) return `key ${key} of secret ${secretId ?? '?'}`;
    return 'not set';
  };
}

function secretResult(secretId: string | undefined, tokens: SecretTokens | undefined, problems: readonly string[]): CheckResult {
  if (secretId === undefined) return skip('secret', 'BRIDGE_SECRET_ID is not set; the tokens come from the environment');
  if (problems.length > 0) {
    return fail('secret', problems.map(withoutVariable).join('; '),
      `BRIDGE_SECRET_ID must name a secret these credentials may read (secretsmanager:GetSecretValue) whose SecretString is a JSON object such as {"SLACK_BOT_TOKEN": "xoxb-…", "SLACK_APP_TOKEN": "xapp-…", "DISCORD_BOT_TOKEN": "…"}`);
  }
  const keys = Object.keys(tokens ?? {});
  const held = keys.length === 0 ? 'no token keys' : `the keys ${keys.join(', ')} (values not shown)`;
  return pass('secret', `${secretId} is readable and holds valid JSON with ${held}`);
}

/** "VAR: what is wrong" from the bot's loader, as a ✗ with where to change VAR. */
function problemResult(problem: string, origin: Origin): CheckResult {
  const variable = /^([A-Z][A-Z0-9_]*):/.exec(problem)?.[1];
  if (variable === undefined) return fail('config', problem, 'correct the environment or .env as the message says');
  const where = origin(variable);
  return fail('config', `${variable} ${withoutVariable(problem)}`, where === 'not set' ? `set ${variable}` : `correct ${variable} (${where})`);
}

function withoutVariable(problem: string): string {
  return problem.replace(/^[A-Z][A-Z0-9_]*:\s*/, '');
}

function summarize(config: Config): string {
  const on = (value: unknown) => (value === null ? 'not configured' : 'configured');
  return `the bot's configuration loads (Slack ${on(config.slack)}, Discord ${on(config.discord)}, model ${config.agent.modelId})`;
}

/** A neutral line for a platform with no tokens; it says so when the tokens may be in an unreadable secret. */
export function unconfigured(platform: string, variables: string, secretFailed: boolean): CheckResult {
  return skip(platform, secretFailed
    ? `not checked: ${variables} are unset and the secret BRIDGE_SECRET_ID names could not be read`
    : `not configured (${variables} unset); skipped`);
}
