// npm run doctor: checks the configuration the bot would use against Slack, Discord, Bedrock
// (and with --runtime the deployed AgentCore runtime); one line per check, exit 0 only when all work.
import { runDoctor } from './lib/doctor/run.js';

process.exitCode = await runDoctor(process.argv.slice(2), process.env);
