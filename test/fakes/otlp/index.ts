// An OTLP/HTTP receiver as strict as the X-Ray and CloudWatch OTLP endpoints on what matters:
// POST /v1/traces and /v1/metrics with application/x-protobuf bodies (anything else is 415), a
// body that does not decode is 400, and with `credentials` every request must carry a SigV4
// Authorization for the right service (xray, monitoring) whose signature verifies (else 403).
// Records raw bodies too, so a test can grep everything the bot sent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import type { SourceData } from '@smithy/types';
import { decodeMetrics, decodeTraces, type DecodedMetric, type DecodedSpan } from './protobuf.js';

export type { DecodedMetric, DecodedPoint, DecodedSpan, Attributes } from './protobuf.js';

export interface FakeOtlpOptions {
  /** Require and verify SigV4 with these credentials; without, requests go unchecked. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region?: string;
}

export interface OtlpRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  readonly status: number;
}

export interface FakeOtlp {
  readonly url: string;
  readonly requests: OtlpRequest[];
  spans(): DecodedSpan[];
  /** The metrics of the latest export that carried `name` (exports are cumulative). */
  metric(name: string): DecodedMetric | undefined;
  waitFor<T>(check: () => T | undefined, timeoutMs?: number, what?: string): Promise<T>;
  /** Answers the next `count` requests with `status` (429, 503...). */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

const services: Record<string, string> = { '/v1/traces': 'xray', '/v1/metrics': 'monitoring' };

export async function startFakeOtlp(options: FakeOtlpOptions = {}): Promise<FakeOtlp> {
  const requests: OtlpRequest[] = [];
  const spans: DecodedSpan[] = [];
  const metricBatches: DecodedMetric[][] = [];
  const waiters = new Set<() => void>();
  let failures: { status: number; count: number } | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const path = request.url ?? '';
    const answer = (status: number, text = '') => {
      requests.push({ path, headers: request.headers, body, status });
      response.writeHead(status, { 'content-type': status === 200 ? 'application/x-protobuf' : 'text/plain' }).end(text);
      for (const wake of waiters) wake();
    };
    const service = services[path];
    if (request.method !== 'POST' || service === undefined) return answer(404, 'not found');
    if (request.headers['content-type'] !== 'application/x-protobuf') return answer(415, 'Unsupported Media Type');
    if (options.credentials !== undefined) {
      const problem = await signatureProblem(request, body, service, options.credentials, options.region ?? 'us-east-1');
      if (problem !== undefined) return answer(403, problem);
    }
    if (failures !== undefined && failures.count > 0) {
      failures.count -= 1;
      return answer(failures.status, 'injected failure');
    }
    try {
      if (service === 'xray') spans.push(...decodeTraces(body));
      else metricBatches.push(decodeMetrics(body));
    } catch (error) {
      return answer(400, `malformed OTLP body: ${String(error)}`);
    }
    // An empty ExportServiceResponse: full success.
    answer(200);
  };

  const sockets = new Set<Socket>();
  const server = createServer((request, response) => void handle(request, response));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    spans: () => [...spans],
    metric: (name) => [...metricBatches].reverse().flatMap((batch) => batch.filter((m) => m.name === name))[0],
    async waitFor(check, timeoutMs = 10_000, what = 'telemetry') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = check();
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`${what} did not arrive within ${timeoutMs} ms (${requests.length} requests: ${requests.map((r) => `${r.path} ${r.status}`).join(', ')})`);
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 200).unref();
        });
      }
    },
    failNext(status, count = 1) {
      failures = { status, count };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

const authorizationShape = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** What AWS would reject about this request's signature, or undefined when it verifies. */
async function signatureProblem(request: IncomingMessage, body: Buffer, service: string, credentials: { accessKeyId: string; secretAccessKey: string }, region: string): Promise<string | undefined> {
  const authorization = request.headers.authorization ?? '';
  const match = authorizationShape.exec(authorization);
  if (match === null) return `MissingAuthenticationToken: malformed or missing Authorization "${authorization.slice(0, 40)}"`;
  const [, keyId, , signedRegion, signedService, signedHeaders] = match;
  if (keyId !== credentials.accessKeyId) return 'InvalidClientTokenId';
  if (signedRegion !== region || signedService !== service) return `SignatureDoesNotMatch: signed for ${signedService}/${signedRegion}, expected ${service}/${region}`;
  const date = request.headers['x-amz-date'];
  if (typeof date !== 'string') return 'IncompleteSignature: no x-amz-date';
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? '').split(';')) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const host = request.headers.host ?? '';
  const [hostname, port] = host.split(':');
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256 });
  const expected = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: hostname ?? '', ...(port === undefined ? {} : { port: Number(port) }), path: request.url ?? '/', query: {}, headers, body: new Uint8Array(body) },
    { signingDate: parseAmzDate(date) },
  );
  return expected.headers.authorization === authorization ? undefined : 'SignatureDoesNotMatch: the signature does not verify';
}

function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m === null) return new Date(Number.NaN);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array));
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
  reset(): void {}
}
