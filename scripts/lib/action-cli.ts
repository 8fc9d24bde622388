// `npm run status` and `npm run keepalive`: one InvokeAgentRuntime with that action on the current
// session, printed as a summary (or raw JSON with --json). Exit code 1 unless the bot is running.
import { assertRunning, invokeAction } from '../../infra/lambda/runtime-client.js';
import type { BotAction } from '../../infra/lambda/runtime-client.js';
import { currentSessionId, makeClients, resolveRuntime } from './aws.js';
import { parseFlags, runCli } from './cli.js';
import type { Env, ExplainContext } from './cli.js';
import { loadOptions } from './options.js';
import { formatSummary } from './summary.js';

export const ACTION_USAGE = `Flags (each also an env var):
  --runtime-arn ARN     AGENTCORE_RUNTIME_ARN   (or --runtime-id / AGENTCORE_RUNTIME_ID)
  --qualifier NAME      AGENTCORE_QUALIFIER     endpoint name, default from stack outputs or DEFAULT
  --session-id ID       SESSION_ID              default: the current session in the rotation table
  --function-name NAME  KEEPALIVE_FUNCTION_NAME
  --table-name NAME     ROTATION_TABLE_NAME     the rotation state (default: stack output or the function's)
  --region REGION       AWS_REGION
  --outputs-file FILE   CDK_OUTPUTS_FILE        default infra/cdk-outputs.json
  --json                print the bot's raw answer`;

export async function runActionCli(action: BotAction, argv: readonly string[], env: Env): Promise<number> {
  const context: { -readonly [K in keyof ExplainContext]: ExplainContext[K] } = {};
  return runCli(async () => {
    const flags = parseFlags(argv);
    if (flags.help === true) return void console.log(`npm run ${action} -- [flags]\n${ACTION_USAGE}`);
    const options = loadOptions(flags, env);
    context.region = options.region;
    context.runtime = options.runtimeArn ?? options.runtimeId;
    const clients = makeClients(options.region);
    const runtime = await resolveRuntime(options, clients.control);
    const sessionId = await currentSessionId(options, clients);
    const target = { runtimeArn: runtime.runtimeArn, qualifier: options.qualifier, sessionId };
    const answer = await invokeAction(clients.data, target, action);
    console.log(options.json ? JSON.stringify(answer, null, 2) : formatSummary(answer, target));
    assertRunning(answer);
  }, () => context);
}
