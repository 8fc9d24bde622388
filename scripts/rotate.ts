// npm run rotate: a zero-downtime restart. Asks the keepalive's rotation controller for a
// successor session now (the same path `npm run deploy` takes, without a new image) and waits
// until it took over; for example after changing the platform tokens in the secret.
import { makeClients, resolveTableName } from './lib/aws.js';
import { CliError, parseFlags, runCli } from './lib/cli.js';
import type { ExplainContext } from './lib/cli.js';
import { ACTION_USAGE } from './lib/action-cli.js';
import { loadOptions } from './lib/options.js';
import { requestRotation } from './lib/rollout.js';

const context: { -readonly [K in keyof ExplainContext]: ExplainContext[K] } = {};
await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help === true) return void console.log(`npm run rotate -- [flags]\n${ACTION_USAGE}`);
  const env = process.env;
  const options = loadOptions(flags, env);
  context.region = options.region;
  const clients = makeClients(options.region);
  const tableName = await resolveTableName(options, clients.lambda);
  if (tableName === undefined) throw new CliError('No rotation table known: pass --table-name (ROTATION_TABLE_NAME) or --function-name, or deploy the stack (npm run cdk:deploy).');
  const log = (line: string): void => console.log(`rotate: ${line}`);
  await requestRotation(clients, { tableName, functionName: options.functionName, reason: 'manual' },
    { pollMs: Number(env.DEPLOY_POLL_INTERVAL_MS ?? 5000), timeoutMs: Number(env.DEPLOY_TIMEOUT_MS ?? 900_000), log });
}, () => context);
