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
  readonly #windowMs: number;
  readonly #busy: () => boolean;
  #sampling = false;
  #activeThisWindow = false;
  #last = { p50: 0, p99: 0, max: 0 };
  #worst = { worstP99: 0, worstMax: 0 };

  /**
   * The sampler only runs while there is work (`noteActivity`, or `busy` at a window's end): its
   * 10 ms tick woke an idle process 100 times a second, about 25 CPU-s an hour of a billed session
   * spent measuring nothing. An idle window keeps the previous figures.
   */
  constructor(options: { windowMs?: number; busy?: () => boolean } = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#busy = options.busy ?? (() => false);
    this.#loop = monitorEventLoopDelay({ resolution: resolutionMs });
    this.#timer = setInterval(() => this.#roll(), this.#windowMs);
    this.#timer.unref();
  }

  /** Work arrived: sample from now until a window passes with none. */
  noteActivity(): void {
    this.#activeThisWindow = true;
    if (this.#sampling) return;
    this.#sampling = true;
    this.#loop.enable();
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
        windowSeconds: this.#windowMs / 1000,
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
    if (this.#sampling && !this.#activeThisWindow && !this.#busy()) {
      loop.disable();
      this.#sampling = false;
    }
    this.#activeThisWindow = false;
  }
}

/** libuv records the whole interval between its ticks; the delay is what exceeds the tick. */
function toMs(ns: number): number {
  return Math.max(0, Math.round((ns / nsPerMs - resolutionMs) * 10) / 10);
}
