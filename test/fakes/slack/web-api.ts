// The Web API's HTTP edge: parse a call as Slack does, record it, apply faults and token rules, dispatch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Outage } from './outage.js';
import { retryAfterSeconds, type RateLimiter } from './rate-limits.js';
import type { ApiCall, FailOptions, ResponseUrlPost, SlackObserver } from './types.js';
import type { Waiters } from './wait.js';

export type Args = Record<string, unknown>;
export type MethodBody = Record<string, unknown> & { ok: boolean };
export type TokenKind = 'bot' | 'app';

export interface MethodSpec {
  token: TokenKind;
  handle: (args: Args) => MethodBody;
}

interface Fault {
  error: string;
  options: FailOptions;
  remaining: number;
}

export interface WebApiDeps {
  tokens: Record<TokenKind, string>;
  /** Sent back as `x-oauth-scopes` on calls made with that token, as Slack does. */
  grantedScopes?: Record<TokenKind, readonly string[]>;
  methods: ReadonlyMap<string, MethodSpec>;
  waiters: Waiters;
  limiter: RateLimiter;
  outage: Outage;
  observer?: SlackObserver;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The WebClient form-encodes arrays and objects as JSON strings; Slack decodes them, so do we. */
function decodeFormValue(value: string): unknown {
  if (!/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

async function parseArgs(req: IncomingMessage, url: URL): Promise<Args> {
  const args: Args = Object.fromEntries(url.searchParams);
  const raw = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return args;
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? { ...args, ...(parsed as Args) } : args;
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form) if (typeof value === 'string') args[key] = decodeFormValue(value);
    return args;
  }
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) args[key] = decodeFormValue(value);
  return args;
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export class WebApi {
  readonly calls: ApiCall[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  readonly #deps: WebApiDeps;
  readonly #faults = new Map<string, Fault[]>();
  #revokedWith: string | undefined;

  constructor(deps: WebApiDeps) {
    this.#deps = deps;
  }

  failNext(method: string, error: string, options: FailOptions = {}): void {
    const queue = this.#faults.get(method) ?? [];
    queue.push({ error, options, remaining: options.times ?? 1 });
    this.#faults.set(method, queue);
  }

  clearFaults(method: string): void {
    this.#faults.delete(method);
  }

  /** Every token is refused from now on with `error`, as after an uninstall or a token rotation. */
  revokeTokens(error = 'invalid_auth'): void {
    this.#revokedWith = error;
  }

  restoreTokens(): void {
    this.#revokedWith = undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://fake');
    let args: Args;
    try {
      args = await parseArgs(req, url);
    } catch {
      send(res, 200, { ok: false, error: 'invalid_form_data' });
      return;
    }
    if (url.pathname.startsWith('/commands/')) {
      this.responseUrlPosts.push({ path: url.pathname, body: args, at: Date.now() });
      this.#deps.waiters.notify();
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '').replace(/\/$/, '');
    const { token: argToken, ...rest } = args;
    const token = bearer(req) ?? (typeof argToken === 'string' ? argToken : undefined);
    const call: ApiCall = { method, args: rest, token, at: Date.now() };
    this.calls.push(call);
    this.#deps.observer?.apiCall?.(call, arrivedAt);
    this.#deps.waiters.notify();
    const outage = this.#deps.outage.statusFor(method);
    if (outage !== undefined) {
      call.status = outage;
      send(res, outage, { ok: false, error: 'service_unavailable' });
      return;
    }
    // A fault a test staged comes first; then Slack's window, which it checks before the token.
    if (this.#sendFault(method, res)) return;
    const waitMs = this.#deps.methods.has(method) ? this.#deps.limiter.admit(method, rest) : 0;
    if (waitMs > 0) {
      call.status = 429;
      send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfterSeconds(waitMs)) });
      return;
    }
    send(res, 200, this.#answer(method, token, rest), this.#scopeHeader(token));
  }

  #scopeHeader(token: string | undefined): Record<string, string> {
    const { tokens, grantedScopes } = this.#deps;
    const kind = token === tokens.bot ? 'bot' : token === tokens.app ? 'app' : undefined;
    if (kind === undefined || grantedScopes === undefined || this.#revokedWith !== undefined) return {};
    return { 'x-oauth-scopes': grantedScopes[kind].join(',') };
  }

  #answer(method: string, token: string | undefined, args: Args): MethodBody {
    const spec = this.#deps.methods.get(method);
    if (spec === undefined) return { ok: false, error: 'unknown_method', req_method: method };
    if (token === undefined || token === '') return { ok: false, error: 'not_authed' };
    if (this.#revokedWith !== undefined) return { ok: false, error: this.#revokedWith };
    const { tokens } = this.#deps;
    if (token !== tokens.bot && token !== tokens.app) return { ok: false, error: 'invalid_auth' };
    if (token !== tokens[spec.token]) return { ok: false, error: 'not_allowed_token_type' };
    return spec.handle(args);
  }

  #sendFault(method: string, res: ServerResponse): boolean {
    const queue = this.#faults.get(method);
    const fault = queue?.[0];
    if (queue === undefined || fault === undefined) return false;
    fault.remaining -= 1;
    if (fault.remaining <= 0) queue.shift();
    const { status = 200, retryAfter } = fault.options;
    const headers: Record<string, string> = {};
    if (retryAfter !== undefined || status === 429) headers['retry-after'] = String(retryAfter ?? 1);
    send(res, status, { ok: false, error: fault.error }, headers);
    return true;
  }
}

export function str(args: Args, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function int(args: Args, key: string): number | undefined {
  const value = Number(args[key]);
  return args[key] === undefined || !Number.isInteger(value) ? undefined : value;
}

/** Slack reads booleans from forms as `true`/`1`. */
export function bool(args: Args, key: string): boolean {
  const value = args[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}
