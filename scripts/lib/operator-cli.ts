// The start-up every operator script shares: flags (--help prints the usage), options, the error
// context explain() names, and the SDK clients; then the script's own body, under runCli.
import type { ParseArgsConfig } from 'node:util';
import { makeClients } from './aws.js';
import type { Clients } from './aws.js';
import { parseFlags, runCli } from './cli.js';
import type { Env, ExplainContext, Flags } from './cli.js';
import { loadOptions } from './options.js';
import type { OperatorOptions } from './options.js';

export interface OperatorCli {
  /** Printed for --help. */
  readonly usage: string;
  /** Flags beyond COMMON_FLAGS. */
  readonly flags?: NonNullable<ParseArgsConfig['options']>;
  /** Whether a failure names the configured runtime (explain()'s "(runtime … in …)"); default true. */
  readonly namesRuntime?: boolean;
}

export interface OperatorRun {
  readonly flags: Flags;
  readonly env: Env;
  readonly options: OperatorOptions;
  readonly clients: Clients;
}

/** Runs `body` after the shared set-up; returns the exit code (also set on process), as runCli does. */
export async function runOperatorCli(cli: OperatorCli, argv: readonly string[], env: Env, body: (run: OperatorRun) => Promise<void>): Promise<number> {
  const context: { -readonly [K in keyof ExplainContext]: ExplainContext[K] } = {};
  return runCli(async () => {
    const flags = parseFlags(argv, cli.flags);
    if (flags.help === true) return void console.log(cli.usage);
    const options = loadOptions(flags, env);
    context.region = options.region;
    if (cli.namesRuntime !== false) context.runtime = options.runtimeArn ?? options.runtimeId;
    const clients = makeClients(options.region);
    await body({ flags, env, options, clients });
  }, () => context);
}
