// npm run status: asks the running bot for its status through AgentCore and prints a summary.
import { runActionCli } from './lib/action-cli.js';

await runActionCli('status', process.argv.slice(2), process.env);
