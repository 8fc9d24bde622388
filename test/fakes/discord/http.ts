// HTTP plumbing for the REST side: Discord's error bodies, body parsing (JSON and multipart) and routing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedFile } from './types.js';

/** An error answered the way Discord does: `{ message, code }`, plus `errors` for 50035. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: object,
  ) {
    super(message);
  }

  get body(): object {
    return { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const notFound = (what: string, code: number): ApiError => new ApiError(404, code, `Unknown ${what}`);

/** 50035 with one field error, e.g. `invalidForm('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.')`. */
export function invalidForm(field: string, code: string, message: string): ApiError {
  const errors: Record<string, unknown> = {};
  let node = errors;
  for (const part of field.split('.')) {
    const next: Record<string, unknown> = {};
    node[part] = next;
    node = next;
  }
  node._errors = [{ code, message }];
  return new ApiError(400, 50035, 'Invalid Form Body', errors);
}

export interface UploadedFile extends RecordedFile {
  data: Buffer;
}

export interface ParsedBody {
  body: unknown;
  files: UploadedFile[];
}

export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) return readMultipart(raw, type);
  try {
    return { body: JSON.parse(raw.toString('utf8')) as unknown, files: [] };
  } catch {
    throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

// discord.js sends files as multipart with the JSON in `payload_json`; the Fetch API parser is enough here.
async function readMultipart(raw: Buffer, type: string): Promise<ParsedBody> {
  const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
  let body: unknown;
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'payload_json') body = JSON.parse(value) as unknown;
      continue;
    }
    const data = Buffer.from(await value.arrayBuffer());
    files.push({ field, filename: value.name, contentType: value.type || 'application/octet-stream', size: data.length, data });
  }
  return { body, files };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export interface RestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  files: UploadedFile[];
}

export interface RestResult {
  status: number;
  body?: unknown;
  /** Runs after the response is written: gateway dispatches follow the REST answer, as on Discord. */
  after?: () => void;
}

export interface Route {
  method: string;
  pattern: string;
  /** Interaction callbacks and webhook-token routes need no bot token, as on Discord. */
  auth?: boolean;
  handle: (ctx: RestContext) => RestResult | Promise<RestResult>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export class Router {
  readonly #routes: CompiledRoute[] = [];

  add(...routes: Route[]): void {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.pattern.replace(/:(\w+)/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      this.#routes.push({ ...route, regex: new RegExp(`^${source}$`), names });
    }
  }

  /** The route and its params (the path arrives decoded); a path known under another method is a 405 like Discord's. */
  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } {
    let pathMatched = false;
    for (const route of this.#routes) {
      const found = route.regex.exec(path);
      if (!found) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = found[i + 1] ?? ''));
      return { route, params };
    }
    throw pathMatched ? new ApiError(405, 0, '405: Method Not Allowed') : new ApiError(404, 0, '404: Not Found');
  }
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
