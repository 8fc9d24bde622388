import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Event-loop delay in ms over the last complete window, and the worst since start. */
export interface LoopDelay {
  readonly windowSeconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** The highest window p99 so far (libuv's histogram cannot be merged into a running one). */
  readonly worstP99: number;
  readonly worstMax: number;
}

export interface ProcessSnapshot {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  /** Memory outside the V8 heap owned by JS objects; file bytes (Uint8Array) live here. */
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  readonly eventLoopDelayMs: LoopDelay;
}

/** The sampler's own tick: 10 ms is Node's default; finer costs CPU for nothing an operator reads. */
const resolutionMs = 10;
const nsPerMs = 1e6;

/**
 * What the process costs, for the status action: memory from process.memoryUsage() and
 * event-loop delay from libuv's sampler. Figures are per window (the last complete one), so a
 * long-lived process still shows a recent stall, and the worst window since start, so a soak reads its worst.
 */
export class ProcessStats {
  readonly #loop: IntervalHistogram;
  readonly #timer: NodeJS.Timeout;
  #last = { p50: 0, p99: 0, max: 0 };
  #worst = { worstP99: 0, worstMax: 0 };

  constructor(private readonly windowMs = 10_000) {
    this.#loop = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#loop.enable();
    this.#timer = setInterval(() => this.#roll(), windowMs);
    this.#timer.unref();
  }

  snapshot(): ProcessSnapshot {
    const memory = process.memoryUsage();
    return {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      arrayBuffersBytes: memory.arrayBuffers,
      eventLoopDelayMs: {
        windowSeconds: this.windowMs / 1000,
        ...this.#last,
        ...this.#worst,
      },
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#loop.disable();
  }

  #roll(): void {
    const loop = this.#loop;
    // An empty histogram reports min/max as sentinels; keep the previous window's figures then.
    if (loop.count > 0) {
      const last = { p50: toMs(loop.percentile(50)), p99: toMs(loop.percentile(99)), max: toMs(loop.max) };
      this.#last = last;
      this.#worst = { worstP99: Math.max(this.#worst.worstP99, last.p99), worstMax: Math.max(this.#worst.worstMax, last.max) };
    }
    loop.reset();
  }
}

/** libuv records the whole interval between its ticks; the delay is what exceeds the tick. */
function toMs(ns: number): number {
  return Math.max(0, Math.round((ns / nsPerMs - resolutionMs) * 10) / 10);
}
