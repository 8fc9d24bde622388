// Percentiles and small numeric helpers for the bench (nearest-rank percentiles, no interpolation).

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

const emptySummary: Summary = { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };

/** Nearest-rank percentile of already sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return emptySummary;
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v, 0);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, mean: total / sorted.length };
}

/** Rounds for display and JSON: 2 decimals under 10, 1 under 1000, whole above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) < 10 ? 100 : Math.abs(value) < 1000 ? 10 : 1;
  return Math.round(value * digits) / digits;
}

export function ratio(value: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(value) && Number.isFinite(baseline) ? value / baseline : Number.NaN;
}

export { sleep } from '../test/helpers/wait.js';
