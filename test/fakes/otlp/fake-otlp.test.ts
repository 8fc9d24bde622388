// Proves the OTLP fake is as strict as the AWS endpoints where it matters: unsigned, wrongly
// signed, signed-for-another-service and non-protobuf requests are refused; a signed protobuf
// export is accepted and decoded.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createHash, createHmac } from 'node:crypto';
import { startFakeOtlp, type FakeOtlp } from './index.js';

const credentials = { accessKeyId: 'AKIDFAKEOTLPTEST0000', secretAccessKey: 'fake-otlp-secret' };
let otlp: FakeOtlp;
before(async () => (otlp = await startFakeOtlp({ credentials })));
after(() => otlp.close());

class Sha256 {
  readonly #hash;
  constructor(secret?: unknown) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as string);
  }
  update(data: Uint8Array): void {
    this.#hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
  reset(): void {}
}

function oneSpan(): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.getTracer('t').startSpan('probe', { attributes: { answer: 42 } }).end();
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
}

async function post(path: string, body: Uint8Array, options: { sign?: { secret: string; service: string }; contentType?: string } = {}): Promise<number> {
  const url = new URL(otlp.url);
  let headers: Record<string, string> = { host: url.host, 'content-type': options.contentType ?? 'application/x-protobuf' };
  if (options.sign !== undefined) {
    const signer = new SignatureV4({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: options.sign.secret }, region: 'us-east-1', service: options.sign.service, sha256: Sha256 });
    headers = (await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: {}, headers, body })).headers;
  }
  return new Promise((resolve, reject) => {
    const req = request(`${otlp.url}${path}`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

test('refuses what X-Ray would refuse, accepts and decodes a signed export', async () => {
  const body = oneSpan();
  assert.equal(await post('/v1/traces', body), 403, 'unsigned');
  assert.equal(await post('/v1/traces', body, { sign: { secret: 'wrong-secret', service: 'xray' } }), 403, 'wrong key');
  assert.equal(await post('/v1/traces', body, { sign: { secret: credentials.secretAccessKey, service: 'monitoring' } }), 403, 'signed for CloudWatch metrics');
  assert.equal(await post('/v1/traces', body, { sign: { secret: credentials.secretAccessKey, service: 'xray' }, contentType: 'application/json' }), 415);
  assert.equal(otlp.spans().length, 0);
  assert.equal(await post('/v1/traces', body, { sign: { secret: credentials.secretAccessKey, service: 'xray' } }), 200);
  assert.deepEqual(otlp.spans().map((s) => [s.name, s.attributes.answer]), [['probe', 42]]);
  assert.equal(await post('/v1/traces', new Uint8Array([0x0a, 0xff]), { sign: { secret: credentials.secretAccessKey, service: 'xray' } }), 400, 'malformed body');
});
