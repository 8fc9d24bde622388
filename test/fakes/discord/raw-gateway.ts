// A bare Gateway client for protocol tests: raw `ws`, so every frame and close code is visible.
import { EventEmitter, once } from 'node:events';
import zlib from 'node:zlib';
import WebSocket from 'ws';

export interface Payload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

export class RawGateway {
  readonly received: Payload[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #cursor = 0;
  #stream = Buffer.alloc(0);
  #inflatedLength = 0;
  #isClosed = false;
  readonly #events = new EventEmitter();

  private constructor(
    readonly ws: WebSocket,
    private readonly zlibStream: boolean,
  ) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.#isClosed = true;
        resolve({ code, reason: reason.toString() });
        this.#events.emit('payload');
      }),
    );
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary) => {
      for (const text of this.#decode(data, isBinary)) this.received.push(JSON.parse(text) as Payload);
      this.#events.emit('payload');
    });
  }

  static async open(gatewayUrl: string, query = '?v=10&encoding=json'): Promise<RawGateway> {
    const ws = new WebSocket(`${gatewayUrl}${query}`);
    const client = new RawGateway(ws, query.includes('compress=zlib-stream'));
    await once(ws, 'open');
    return client;
  }

  #decode(data: Buffer, isBinary: boolean): string[] {
    if (!isBinary) return [data.toString('utf8')];
    if (!this.zlibStream) return [zlib.inflateSync(data).toString('utf8')];
    // One zlib context spans the connection: inflate everything so far and keep the new tail.
    this.#stream = Buffer.concat([this.#stream, data]);
    const all = zlib.inflateSync(this.#stream, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.#inflatedLength);
    this.#inflatedLength = all.length;
    return [fresh.toString('utf8')];
  }

  send(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }

  identify(token: string, intents: number, extra: Record<string, unknown> = {}): void {
    this.send(2, { token, intents, properties: { os: 'linux', browser: 'raw', device: 'raw' }, ...extra });
  }

  /** The next payload after the last one returned that matches; earlier non-matching ones are skipped. */
  async next(predicate: (p: Payload) => boolean = () => true, timeoutMs = 3000): Promise<Payload> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((p, i) => i >= this.#cursor && predicate(p));
      if (index >= 0) {
        this.#cursor = index + 1;
        return this.received[index] as Payload;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#isClosed) {
        throw new Error(`no matching payload; got ${JSON.stringify(this.received.slice(this.#cursor).map((p) => [p.op, p.t]))}`);
      }
      await once(this.#events, 'payload', { signal: AbortSignal.timeout(left) }).catch(() => undefined);
    }
  }

  dispatch(event: string, timeoutMs?: number): Promise<Payload> {
    return this.next((p) => p.op === 0 && p.t === event, timeoutMs);
  }

  close(code = 1000): Promise<{ code: number; reason: string }> {
    this.ws.close(code);
    return this.closed;
  }
}
