// npm run test:recycle [-- --mode rotation|plain] (or RECYCLE_MODE): runs the recycle test and
// ends with exactly one line on stdout:
//   recycles: N, redeploys: R, messages: M, lost: L, doubled: D, longest_gap_ms: G
// Progress and details go to stderr; --report FILE writes every message and session as JSON,
// --logs DIR every bot process's output. Exit code 1 when an answer was lost or doubled, or the run did
// not get through its recycles and redeploy: in rotation mode nothing may be late either way, in plain
// mode (no rotation) catch-up must still answer everything, only late.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { RecycleMode } from './recycle.js';

// Set before the AWS SDK loads (it warns about Node 20 at import time).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { DEFAULT_SCALE, resultLine, runRecycle } = await import('./recycle.js');
const { values } = parseArgs({ options: { mode: { type: 'string' }, quiet: { type: 'boolean' }, report: { type: 'string' }, logs: { type: 'string' } } });
const mode = (values.mode ?? process.env.RECYCLE_MODE ?? 'rotation') as RecycleMode;
if (mode !== 'rotation' && mode !== 'plain') {
  console.error(`--mode must be rotation or plain, got "${String(mode)}"`);
  process.exit(2);
}
// A hung run must not hang CI: the cap plus time to clean up.
const hardStop = setTimeout(() => {
  console.error('recycle test: hard time limit reached');
  process.exit(3);
}, DEFAULT_SCALE.capMs + 90_000);
hardStop.unref();

const progress = values.quiet === true ? () => undefined : (line: string) => console.error(line);
try {
  const result = await runRecycle(mode, DEFAULT_SCALE, progress, values.logs);
  console.error(`mode ${mode}: ${JSON.stringify({ normal_latency_ms: result.normalLatencyMs, duration_ms: result.durationMs, ...result.details })}`);
  if (values.report !== undefined) writeFileSync(values.report, `${JSON.stringify(result, null, 2)}\n`);
  console.log(resultLine(result));
  const incomplete = result.recycles < DEFAULT_SCALE.recycles || result.redeploys < 1;
  process.exitCode = result.lost > 0 || result.doubled > 0 || incomplete ? 1 : 0;
} catch (error) {
  console.error(`recycle test failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
}
// Child processes and sockets are closed by runRecycle; do not wait on stray timers.
setTimeout(() => process.exit(), 2000).unref();
