// What one doctor check found, and how it is printed: one line per check, a fix on each failure,
// and never a secret (every token the run has seen is masked in every line, as a last guard).
import { Redactor } from '../../../src/log/index.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  readonly status: CheckStatus;
  /** What was checked, e.g. "slack bot token". */
  readonly label: string;
  readonly detail: string;
  /** For a failure: what to change, naming the variable or setting. */
  readonly fix?: string;
}

export const pass = (label: string, detail: string): CheckResult => ({ status: 'pass', label, detail });
export const fail = (label: string, detail: string, fix: string): CheckResult => ({ status: 'fail', label, detail, fix });
export const skip = (label: string, detail: string): CheckResult => ({ status: 'skip', label, detail });

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', skip: '–' };

export function formatResult(result: CheckResult, secrets: readonly string[]): string {
  const line = `${MARK[result.status]} ${result.label}: ${result.detail}${result.fix === undefined ? '' : ` — fix: ${result.fix}`}`;
  // The bot's own log redactor: the values given plus every token shape, whether loaded or not.
  const redactor = new Redactor();
  redactor.add(secrets);
  return redactor.redact(line);
}

/** The summary line and the exit code: 0 only when nothing failed. */
export function summarize(results: readonly CheckResult[]): { line: string; exitCode: number } {
  const failed = results.filter((r) => r.status === 'fail').length;
  const passed = results.filter((r) => r.status === 'pass').length;
  const neutral = results.length - failed - passed;
  const others = neutral === 0 ? '' : ` (${neutral} not configured or not checked)`;
  if (failed === 0) return { line: `All ${passed} ${passed === 1 ? 'check' : 'checks'} passed${others}.`, exitCode: 0 };
  return { line: `${failed} of ${failed + passed} checks failed${others}; fix the lines marked ✗ and run npm run doctor again.`, exitCode: 1 };
}

/** A short message for an unexpected error (a network failure, an SDK error), without a stack. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  return code === undefined ? `${error.name}: ${error.message}` : `${error.message} (${code})`;
}
