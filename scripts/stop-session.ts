// npm run stop-session: StopRuntimeSession for --session-id, or the keepalive's current session.
// AgentCore starts a fresh microVM for a stopped id on its next invocation, so stopping the
// keepalive's own session is a restart within one keepalive period, not a shutdown.
import { StopRuntimeSessionCommand } from '@aws-sdk/client-bedrock-agentcore';
import { currentSessionId, resolveRuntime } from './lib/aws.js';
import { ACTION_USAGE } from './lib/action-cli.js';
import { runOperatorCli } from './lib/operator-cli.js';

await runOperatorCli({ usage: `npm run stop-session -- [flags]\n${ACTION_USAGE}` }, process.argv.slice(2), process.env, async ({ options, clients }) => {
  const runtime = await resolveRuntime(options, clients.control);
  const sessionId = await currentSessionId(options, clients);
  // Not stopSession (runtime-client.ts): a missing session (or runtime) must stay a failure,
  // reported by explain() with AWS's own message.
  await clients.data.send(new StopRuntimeSessionCommand({
    agentRuntimeArn: runtime.runtimeArn,
    qualifier: options.qualifier,
    runtimeSessionId: sessionId,
  }));
  console.log(`stopped session ${sessionId} on ${runtime.runtimeArn} (endpoint ${options.qualifier})`);
  if (options.sessionId === undefined) {
    console.log('note: this was the keepalive\'s session; its next run (within minutes) starts it again on the current image.');
  }
});
