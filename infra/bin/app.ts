// `cdk synth` / `cdk deploy` entry (cdk.json runs it with tsx). Configuration errors print as a
// list of fixes instead of a stack trace.
import { buildApp } from '../lib/app.js';
import { StackConfigError } from '../lib/config.js';

try {
  buildApp().app.synth();
} catch (error) {
  if (!(error instanceof StackConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
