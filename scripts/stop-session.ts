// npm run stop-session: StopRuntimeSession for --session-id, or the keepalive's current session.
// AgentCore starts a fresh microVM for a stopped id on its next invocation, so stopping the
// keepalive's own session is a restart within one keepalive period, not a shutdown.
import { StopRuntimeSessionCommand } from '@aws-sdk/client-bedrock-agentcore';
import { currentSessionId, makeClients, resolveRuntime } from './lib/aws.js';
import { parseFlags, runCli } from './lib/cli.js';
import type { ExplainContext } from './lib/cli.js';
import { ACTION_USAGE } from './lib/action-cli.js';
import { loadOptions } from './lib/options.js';

const context: { -readonly [K in keyof ExplainContext]: ExplainContext[K] } = {};
await runCli(async () => {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help === true) return void console.log(`npm run stop-session -- [flags]\n${ACTION_USAGE}`);
  const options = loadOptions(flags, process.env);
  context.region = options.region;
  context.runtime = options.runtimeArn ?? options.runtimeId;
  const clients = makeClients(options.region);
  const runtime = await resolveRuntime(options, clients.control);
  const sessionId = await currentSessionId(options, clients);
  await clients.data.send(new StopRuntimeSessionCommand({
    agentRuntimeArn: runtime.runtimeArn,
    qualifier: options.qualifier,
    runtimeSessionId: sessionId,
  }));
  console.log(`stopped session ${sessionId} on ${runtime.runtimeArn} (endpoint ${options.qualifier})`);
  if (options.sessionId === undefined) {
    console.log('note: this was the keepalive\'s session; its next run (within minutes) starts it again on the current image.');
  }
}, () => context);
