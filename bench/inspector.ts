// A minimal Chrome DevTools Protocol client over the `ws` package, for a bot started with
// `--inspect=127.0.0.1:0`: heap after a forced GC, the process's own CPU time and event-loop delay,
// CPU profiles of chosen phases and heap snapshots.
import WebSocket from 'ws';

export interface HeapReading {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** process.cpuUsage() of the bot, in microseconds. */
export interface CpuUsage {
  readonly user: number;
  readonly system: number;
}

/** Event-loop delay as perf_hooks.monitorEventLoopDelay measured it (ms). */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** The bot's histogram lives on globalThis under this name while the bench watches its event loop. */
const LOOP_DELAY_GLOBAL = '__benchLoopDelay';

export class Inspector {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #onChunk: ((chunk: string) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: WebSocket.RawData) => this.#onMessage(data));
    ws.on('close', () => this.#failAll(new Error('inspector socket closed')));
    ws.on('error', (error) => this.#failAll(error));
  }

  static connect(url: string, timeoutMs = 5000): Promise<Inspector> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 512 * 1024 * 1024 });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`inspector at ${url} did not open within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new Inspector(ws));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`inspector ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap figures after a full GC (twice: weak references and finalizers need a second pass). */
  async heapAfterGc(): Promise<HeapReading> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const usage = await this.memoryUsage();
    return { heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers };
  }

  /** Evaluates an expression in the bot (it must produce a JSON string) and parses the result. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result?: { value?: unknown }; exceptionDetails?: { text?: string } };
    if (result.exceptionDetails !== undefined) throw new Error(`inspector: ${expression} threw ${result.exceptionDetails.text ?? ''}`);
    return JSON.parse(String(result.result?.value)) as T;
  }

  /** process.cpuUsage() inside the bot (µs, user and system). */
  cpuUsage(): Promise<CpuUsage> {
    return this.evaluate<CpuUsage>('JSON.stringify(process.cpuUsage())');
  }

  /** process.memoryUsage() inside the bot, without forcing a GC. */
  memoryUsage(): Promise<HeapReading & { rss: number }> {
    return this.evaluate('JSON.stringify(process.memoryUsage())');
  }

  /** Starts a fresh event-loop delay histogram in the bot (its timer runs every `resolutionMs`). */
  async startLoopDelay(resolutionMs = 10): Promise<void> {
    const g = `globalThis.${LOOP_DELAY_GLOBAL}`;
    await this.evaluate(`(${g}?.disable(), ${g} = process.getBuiltinModule('node:perf_hooks').monitorEventLoopDelay({ resolution: ${resolutionMs} }), ${g}.enable(), 'true')`);
  }

  /** Stops the histogram and reads it. */
  async stopLoopDelay(): Promise<LoopDelay> {
    const g = `globalThis.${LOOP_DELAY_GLOBAL}`;
    const ns = await this.evaluate<{ p50: number; p99: number; max: number }>(`(${g}.disable(), JSON.stringify({ p50: ${g}.percentile(50), p99: ${g}.percentile(99), max: ${g}.max }))`);
    return { p50: ns.p50 / 1e6, p99: ns.p99 / 1e6, max: ns.max / 1e6 };
  }

  /** A heap snapshot (.heapsnapshot text, for Chrome DevTools' Memory tab). */
  async heapSnapshot(): Promise<string> {
    const chunks: string[] = [];
    this.#onChunk = (chunk) => chunks.push(chunk);
    try {
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, 120_000);
    } finally {
      this.#onChunk = undefined;
    }
    return chunks.join('');
  }

  async startProfile(samplingIntervalUs = 200): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.send('Profiler.start');
  }

  /** The .cpuprofile JSON (write it to a file and open it in Chrome DevTools, or summarise it). */
  async stopProfile(): Promise<unknown> {
    const result = (await this.send('Profiler.stop', {}, 60_000)) as { profile?: unknown };
    await this.send('Profiler.disable');
    return result.profile;
  }

  close(): void {
    this.#ws.close();
  }

  #onMessage(data: WebSocket.RawData): void {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const message = JSON.parse(text) as { id?: number; method?: string; params?: { chunk?: string }; result?: unknown; error?: { message?: string } };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk' && message.params?.chunk !== undefined) this.#onChunk?.(message.params.chunk);
    if (message.id === undefined) return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return;
    this.#pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(new Error(`inspector: ${message.error.message ?? 'error'}`));
    else pending.resolve(message.result);
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}
