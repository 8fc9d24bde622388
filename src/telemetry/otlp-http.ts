import { createHash, createHmac } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import type { OtlpTarget } from '../config/index.js';

/** What one POST achieved; `retryable` follows the OTLP/HTTP rules (429, 502, 503, 504, network errors). */
export type PostResult = { ok: true } | { ok: false; retryable: boolean; reason: string };

/**
 * Posts OTLP/HTTP bodies to one target, SigV4-signed when the target says so (the X-Ray and
 * CloudWatch OTLP endpoints accept nothing else from an IAM role). Credentials come from the AWS
 * SDK's default chain, the same one every client in the bot uses (the runtime role on AgentCore).
 */
export class OtlpPoster {
  readonly #url: URL;
  readonly #signer: SignatureV4 | undefined;
  readonly #agent: HttpAgent;

  constructor(
    private readonly target: OtlpTarget,
    private readonly timeoutMs: number,
  ) {
    this.#url = new URL(target.url);
    this.#agent = this.#url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#signer =
      target.signing === null
        ? undefined
        : new SignatureV4({ credentials: defaultProvider(), region: target.signing.region, service: target.signing.service, sha256: NodeSha256 });
  }

  async post(body: Uint8Array): Promise<PostResult> {
    try {
      const headers = await this.#headers(body);
      const status = await this.#send(body, headers);
      if (status >= 200 && status < 300) return { ok: true };
      return { ok: false, retryable: [429, 502, 503, 504].includes(status), reason: `HTTP ${status}` };
    } catch (error) {
      return { ok: false, retryable: true, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  async #headers(body: Uint8Array): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...this.target.headers, 'content-type': 'application/x-protobuf', host: this.#url.host };
    if (this.#signer === undefined) return headers;
    const signed = await this.#signer.sign({
      method: 'POST',
      protocol: this.#url.protocol,
      hostname: this.#url.hostname,
      ...(this.#url.port === '' ? {} : { port: Number(this.#url.port) }),
      path: this.#url.pathname,
      query: {},
      headers,
      body,
    });
    return signed.headers;
  }

  #send(body: Uint8Array, headers: Record<string, string>): Promise<number> {
    const send = this.#url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(this.#url, { method: 'POST', headers: { ...headers, 'content-length': String(body.byteLength) }, agent: this.#agent, timeout: this.timeoutMs }, (response) => {
        // The body (an ExportServiceResponse, maybe with partialSuccess) is not needed; drain it.
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
        response.once('error', reject);
      });
      request.once('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.once('error', reject);
      request.end(body);
    });
  }
}

/** SHA-256 for the signer from node:crypto (the AWS SDK's own hash packages are not top-level dependencies). */
class NodeSha256 implements Checksum {
  readonly #hash;

  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }

  reset(): void {
    throw new Error('not resettable');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
