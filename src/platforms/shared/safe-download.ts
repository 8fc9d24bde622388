import { BridgeError } from '../../errors.js';

export interface SafeDownloadOptions {
  /** Hosts (host:port as in URL.host) a download, and each redirect, may go to. */
  readonly allowedHosts: ReadonlySet<string>;
  /** Sent to allowed hosts only (e.g. Slack's bot token). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** Why a download was refused; the message is the short reason shown to the user. */
export class DownloadError extends BridgeError {
  constructor(message: string) {
    super('download_refused', message);
  }
}

const maxRedirects = 3;

/**
 * Fetches a platform-hosted file: only from allowed hosts (redirects too),
 * bounded in size before and while reading, and in time.
 */
export async function safeDownload(url: string, options: SafeDownloadOptions): Promise<Uint8Array> {
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  let target = new URL(url);
  for (let hop = 0; hop <= maxRedirects; hop += 1) {
    if (!options.allowedHosts.has(target.host)) throw new DownloadError(`refused: ${target.host} is not the platform's file host`);
    const response = await fetch(target, { headers: options.headers ?? {}, redirect: 'manual', signal }).catch((error: unknown) => {
      throw new DownloadError(signal.aborted ? 'download timed out' : `download failed (${error instanceof Error ? error.message : String(error)})`);
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (location === null) throw new DownloadError('download failed (redirect without a location)');
      target = new URL(location, target);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new DownloadError(`download failed (HTTP ${response.status})`);
    }
    return readBounded(response, options.maxBytes);
  }
  throw new DownloadError('download failed (too many redirects)');
}

async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new DownloadError(`too big (${formatMegabytes(declared)})`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Node's fetch body is an async-iterable web stream; the DOM-less lib types do not say so.
  const body = (response.body ?? []) as unknown as AsyncIterable<Uint8Array>;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new DownloadError(`too big (over ${formatMegabytes(maxBytes)})`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}
