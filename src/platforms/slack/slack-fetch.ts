import http from 'node:http';
import https from 'node:https';
import type { webApi } from '@slack/bolt';

type FetchFunction = webApi.FetchFunction;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

export interface KeepAliveFetchOptions {
  /** A request with no answer for this long fails (WebClient then retries it as a request error). */
  readonly timeoutMs: number;
  readonly maxSockets?: number;
}

/**
 * The transport under our Slack WebClient (its `fetch` option): node's http(s) over keep-alive
 * agents instead of the global fetch, whose WHATWG machinery (a Request, a body stream, signals
 * and a Response per call) took about a third of every Web API call's CPU in the bench profile.
 * WebClient still serializes, queues, retries and maps errors; this only moves the bytes, and
 * answers with the part of a Response that WebClient reads. File uploads (a FormData body) keep
 * the global fetch.
 */
export function keepAliveFetch(options: KeepAliveFetchOptions): FetchFunction {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 }),
  };
  return (input, init = {}) => {
    if (init.body !== undefined && typeof init.body !== 'string') return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const agent = url.protocol === 'https:' ? agents['https:'] : agents['http:'];
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<FetchResponse>((resolve, reject) => {
      const request = send(url, { method: init.method ?? 'GET', headers: init.headers, agent, timeout: options.timeoutMs, ...(init.signal === undefined ? {} : { signal: init.signal }) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', reject);
        response.once('close', () => {
          if (!response.complete) reject(new Error(`the connection to ${url.host} closed mid-answer`));
        });
        response.once('end', () => resolve(new BufferedResponse(url.href, response.statusCode ?? 0, response.statusMessage ?? '', response.headers, Buffer.concat(chunks))));
      });
      request.once('timeout', () => request.destroy(new Error(`no answer from ${url.host} within ${options.timeoutMs} ms`)));
      request.once('error', reject);
      request.end(init.body);
    });
  };
}

/** What WebClient reads of a Response, over a body already read whole. */
class BufferedResponse implements FetchResponse {
  readonly headers: { get(name: string): string | null; entries(): Iterable<[string, string]> };

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    raw: http.IncomingHttpHeaders,
    private readonly body: Buffer,
  ) {
    this.headers = {
      get: (name) => {
        const value = raw[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
      entries: () => Object.entries(raw).map(([name, value]): [string, string] => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
    };
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer);
  }

  text(): Promise<string> {
    return Promise.resolve(this.body.toString('utf8'));
  }

  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
}
