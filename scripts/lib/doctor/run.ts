// npm run doctor: the configuration the bot would use (environment, .env, the secret
// BRIDGE_SECRET_ID names) checked against the live services, one line per check. The services
// are checked at once and printed in a fixed order; the exit code is 0 only when nothing failed.
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../src/config/index.js';
import { parseFlags } from '../cli.js';
import type { Flags } from '../cli.js';
import { checkBedrock } from './bedrock.js';
import { checkConfig, unconfigured } from './config.js';
import type { LoadedConfig } from './config.js';
import { checkDiscord } from './discord.js';
import { applyEnvFile } from './env-file.js';
import { describeError, fail, formatResult, skip, summarize } from './report.js';
import type { CheckResult } from './report.js';
import { checkRuntime } from './runtime.js';
import { checkSlack } from './slack.js';

export const MANIFEST_FILE = fileURLToPath(new URL('../../../slack-app-manifest.yaml', import.meta.url));

const FLAGS = {
  dotenv: { type: 'string' },
  runtime: { type: 'boolean' },
  'rule-name': { type: 'string' },
} as const;

const USAGE = `Usage: npm run doctor [-- [--runtime] [--dotenv <path>]]

Checks the configuration the bot would use (the environment, then .env for what the environment
leaves unset, then the secret BRIDGE_SECRET_ID names) against Slack, Discord and Bedrock, and
prints one line per check: ✓ works, ✗ broken (with the fix), – not configured or not checked.
Exits 0 only when nothing is ✗. Never prints a token or secret value.

  --dotenv <path>  the file read for unset variables (default: .env in the current directory)
  --runtime        also check the deployed AgentCore runtime, its endpoint and the keepalive
                   schedule; --runtime-arn, --qualifier, --rule-name, --region, --outputs-file
                   (or AGENTCORE_RUNTIME_ARN, AGENTCORE_QUALIFIER, KEEPALIVE_RULE_NAME, AWS_REGION,
                   infra/cdk-outputs.json) say which`;

/** Runs every check and prints it; returns the exit code (2 for a bad command line). */
export async function runDoctor(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let flags: Flags;
  try {
    flags = parseFlags(argv, FLAGS);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 2;
  }
  if (flags.help === true) {
    console.log(USAGE);
    return 0;
  }
  const envFile = applyEnvFile(typeof flags.dotenv === 'string' ? flags.dotenv : '.env', env);
  const loaded = await checkConfig(env, envFile);
  const secrets = secretValues(env, loaded);
  const groups: Promise<CheckResult[]>[] = [
    Promise.resolve([envFile.result, loaded.secret, ...loaded.config]),
    ...serviceChecks(loaded),
    flags.runtime === true
      ? guard('runtime', checkRuntime(flags, env))
      : Promise.resolve([skip('runtime', 'not checked; add --runtime (npm run doctor -- --runtime) to check the deployed runtime')]),
  ];
  const results: CheckResult[] = [];
  for (const group of groups) {
    for (const result of await group) {
      results.push(result);
      console.log(formatResult(result, secrets));
    }
  }
  const { line, exitCode } = summarize(results);
  console.log(line);
  return exitCode;
}

function serviceChecks({ loaded, origin, secretFailed }: LoadedConfig): Promise<CheckResult[]>[] {
  if (loaded === undefined) {
    const notYet = (label: string) => Promise.resolve([skip(label, 'not checked until the configuration above loads')]);
    return [notYet('slack'), notYet('discord'), notYet('bedrock')];
  }
  const config: Config = loaded;
  return [
    config.slack === null
      ? Promise.resolve([unconfigured('slack', 'SLACK_BOT_TOKEN and SLACK_APP_TOKEN', secretFailed)])
      : guard('slack', checkSlack(config.slack, MANIFEST_FILE, origin)),
    config.discord === null
      ? Promise.resolve([unconfigured('discord', 'DISCORD_BOT_TOKEN', secretFailed)])
      : guard('discord', checkDiscord(config.discord, origin)),
    guard('bedrock', checkBedrock(config.agent, origin)),
  ];
}

/** A check that threw (a bug, or a failure no check expected) is still one ✗, not a stack trace. */
async function guard(label: string, checks: Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await checks;
  } catch (error) {
    if (process.env.DEBUG_BRIDGE_SCRIPTS && error instanceof Error) console.error(error.stack);
    return [fail(label, `the check itself failed: ${describeError(error)}`, 'run again with DEBUG_BRIDGE_SCRIPTS=1 and report it')];
  }
}

/** Everything no line may show: the tokens wherever they came from, and the AWS secrets. */
function secretValues(env: NodeJS.ProcessEnv, loaded: LoadedConfig): string[] {
  const fromEnv = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'DISCORD_BOT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map((key) => env[key]);
  const all = [...fromEnv, ...Object.values(loaded.secretTokens ?? {}), ...(loaded.loaded?.secretValues ?? [])];
  return [...new Set(all.map((value) => value?.trim()).filter((value): value is string => value !== undefined && value !== ''))];
}
