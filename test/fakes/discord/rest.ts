// The REST front door: `/api/v10/...` with bot-token auth, rate-limit headers on every answer, every
// call recorded; `/attachments/...` serves what users "uploaded".
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, type ParsedBody, type RestResult, type Router, readBody, sendJson } from './http.js';
import { type Outages, outagePage } from './outages.js';
import type { RateLimiter } from './ratelimit.js';
import type { DiscordStore } from './store.js';
import type { DiscordObserver, RecordedCall } from './types.js';

const API_PREFIX = '/api/v10';

export interface RestConfig {
  store: DiscordStore;
  token: string;
  router: Router;
  limiter: RateLimiter;
  outages: Outages;
  calls: RecordedCall[];
  changed: () => void;
  observer?: DiscordObserver;
}

export async function handleRest(config: RestConfig, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.now();
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  if (url.pathname.startsWith('/attachments/')) return serveAttachment(config.store, url.pathname, res);
  if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
    return sendJson(res, 404, { message: '404: Not Found', code: 0 }, {});
  }
  // Matched and recorded decoded: discord.js sends `%40original` and percent-encoded emoji.
  const path = url.pathname.slice(API_PREFIX.length).split('/').map(decodeSegment).join('/');
  const outage = config.outages.restStatus(method, path);
  if (outage !== undefined) return answerOutage(config, req, res, { method, path, query: url.searchParams, status: outage });
  let parsed: ParsedBody = { body: undefined, files: [] };
  let status: number;
  let body: unknown;
  let headers: Record<string, string> = {};
  let result: RestResult | undefined;
  try {
    parsed = await readBody(req);
    config.observer?.restRequest?.({ method, path, body: parsed.body }, arrivedAt);
    const { route, params } = config.router.match(method, path);
    if (route.auth !== false && req.headers.authorization !== `Bot ${config.token}`) {
      throw new ApiError(401, 0, '401: Unauthorized');
    }
    const verdict = config.limiter.check(method, path);
    headers = verdict.headers;
    if (verdict.limited) {
      status = 429;
      body = verdict.limited;
    } else {
      result = await route.handle({ method, path, params, query: url.searchParams, body: parsed.body, files: parsed.files });
      status = result.status;
      body = result.body;
    }
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(500, 0, '500: Internal Server Error');
    if (!(error instanceof ApiError)) console.error('fake Discord: route failed', error);
    status = apiError.status;
    body = apiError.body;
  }
  sendJson(res, status, body, headers);
  config.calls.push({
    method, path, query: Object.fromEntries(url.searchParams), body: parsed.body, status, at: Date.now(),
    files: parsed.files.map(({ data: _data, ...file }) => file),
  });
  result?.after?.();
  config.changed();
}

/** During an outage the edge answers before Discord sees the request: no auth, no rate limit, nothing changes. */
async function answerOutage(config: RestConfig, req: IncomingMessage, res: ServerResponse, call: { method: string; path: string; query: URLSearchParams; status: number }): Promise<void> {
  const parsed = await readBody(req).catch(() => ({ body: undefined }));
  res.writeHead(call.status, { 'content-type': 'text/html' }).end(outagePage(call.status));
  config.calls.push({ method: call.method, path: call.path, query: Object.fromEntries(call.query), body: parsed.body, status: call.status, at: Date.now(), files: [] });
  config.changed();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function serveAttachment(store: DiscordStore, path: string, res: ServerResponse): void {
  const blob = store.blobs.get(path);
  if (!blob) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    return;
  }
  res.writeHead(200, { 'content-type': blob.contentType, 'content-length': String(blob.data.length) }).end(blob.data);
}
