// `npm run status` and `npm run keepalive`: one InvokeAgentRuntime with that action on the current
// session, printed as a summary (or raw JSON with --json). Exit code 1 unless the bot is running.
import { assertRunning, invokeAction } from '../../infra/lambda/runtime-client.js';
import type { BotAction } from '../../infra/lambda/runtime-client.js';
import { currentSessionId, resolveRuntime } from './aws.js';
import type { Env } from './cli.js';
import { runOperatorCli } from './operator-cli.js';
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
  return runOperatorCli({ usage: `npm run ${action} -- [flags]\n${ACTION_USAGE}` }, argv, env, async ({ options, clients }) => {
    const runtime = await resolveRuntime(options, clients.control);
    const sessionId = await currentSessionId(options, clients);
    const target = { runtimeArn: runtime.runtimeArn, qualifier: options.qualifier, sessionId };
    const answer = await invokeAction(clients.data, target, action);
    console.log(options.json ? JSON.stringify(answer, null, 2) : formatSummary(answer, target));
    assertRunning(answer);
  });
}
