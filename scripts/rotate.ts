// npm run rotate: a zero-downtime restart. Asks the keepalive's rotation controller for a
// successor session now (the same path `npm run deploy` takes, without a new image) and waits
// until it took over; for example after changing the platform tokens in the secret.
import { resolveTableName } from './lib/aws.js';
import { CliError } from './lib/cli.js';
import { ACTION_USAGE } from './lib/action-cli.js';
import { runOperatorCli } from './lib/operator-cli.js';
import { requestRotation } from './lib/rollout.js';
import { waitOptionsFromEnv } from './lib/wait.js';

// Its errors do not name the runtime: rotate acts through the rotation table and the keepalive.
await runOperatorCli({ usage: `npm run rotate -- [flags]\n${ACTION_USAGE}`, namesRuntime: false }, process.argv.slice(2), process.env, async ({ env, options, clients }) => {
  const tableName = await resolveTableName(options, clients.lambda);
  if (tableName === undefined) throw new CliError('No rotation table known: pass --table-name (ROTATION_TABLE_NAME) or --function-name, or deploy the stack (npm run cdk:deploy).');
  const log = (line: string): void => console.log(`rotate: ${line}`);
  await requestRotation(clients, { tableName, functionName: options.functionName, reason: 'manual' }, { ...waitOptionsFromEnv(env), log });
});
