// npm run keepalive: what the scheduled Lambda does, by hand (starts the session if it is down).
import { runActionCli } from './lib/action-cli.js';

await runActionCli('keepalive', process.argv.slice(2), process.env);
