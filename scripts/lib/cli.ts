// Runs an operator script: parses flags, and turns every failure into one plain sentence with
// the fix (no stack trace) and exit code 1. AWS errors are translated here, once.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { SESSION_ID_MAX_LENGTH, SESSION_ID_MIN_LENGTH, SessionIdError } from '../../infra/lambda/session-id.js';
import { RuntimeAnswerError } from '../../infra/lambda/runtime-client.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A failure whose message already says what to do. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** Flags every script accepts; each also has an environment variable (see docs/deploy.md). */
export const COMMON_FLAGS = {
  'runtime-arn': { type: 'string' },
  'runtime-id': { type: 'string' },
  region: { type: 'string' },
  qualifier: { type: 'string' },
  'session-id': { type: 'string' },
  'function-name': { type: 'string' },
  'table-name': { type: 'string' },
  'outputs-file': { type: 'string' },
  'state-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type Flags = Readonly<Record<string, string | boolean | undefined>>;

export function parseFlags(argv: readonly string[], extra: NonNullable<ParseArgsConfig['options']> = {}): Flags {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_FLAGS, ...extra }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliError(`${(error as Error).message} (run with --help for the flags)`);
  }
}

export interface ExplainContext {
  readonly region?: string | undefined;
  readonly runtime?: string | undefined;
}

/** One readable sentence for any failure, with the usual fix. */
export function explain(error: unknown, context: ExplainContext = {}): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof SessionIdError) return `${error.message}. Pass --session-id (or SESSION_ID) with ${SESSION_ID_MIN_LENGTH}-${SESSION_ID_MAX_LENGTH} characters.`;
  if (!(error instanceof Error)) return String(error);
  const where = context.runtime === undefined ? '' : ` (runtime ${context.runtime}${context.region ? ` in ${context.region}` : ''})`;
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message)) {
    return 'No AWS credentials found. Set AWS_PROFILE (after `aws sso login` or `aws configure`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then retry.';
  }
  if (/Region is missing/i.test(error.message)) {
    return 'No AWS region. Set AWS_REGION, pass --region, or give the runtime ARN (its region is used).';
  }
  if (error.name === 'ResourceNotFoundException') {
    return `Not found${where}: ${error.message}. Check --runtime-arn / AGENTCORE_RUNTIME_ARN, --qualifier and the region, or deploy the stack first (npm run cdk:deploy).`;
  }
  if (error.name === 'AccessDeniedException' || error.name === 'UnrecognizedClientException' || error.name === 'ExpiredTokenException') {
    return `AWS refused the call${where}: ${error.message}. Check the credentials and the caller's bedrock-agentcore permissions.`;
  }
  if (error.name === 'RuntimeClientError' || error instanceof RuntimeAnswerError) {
    return `The bot did not answer properly${where}: ${error.message}. Read its logs: aws logs tail /aws/bedrock-agentcore/runtimes/<runtime-id>-<qualifier> --follow.`;
  }
  return `${error.name}: ${error.message}`;
}

/** Runs `main`, printing explain() on failure. Returns the exit code (also set on process). */
export async function runCli(main: () => Promise<void>, context: () => ExplainContext = () => ({})): Promise<number> {
  try {
    await main();
    return 0;
  } catch (error) {
    console.error(`error: ${explain(error, context())}`);
    if (process.env.DEBUG_BRIDGE_SCRIPTS && error instanceof Error) console.error(error.stack);
    process.exitCode = 1;
    return 1;
  }
}
