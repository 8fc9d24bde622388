// The fake's state and request pipeline: record, hold, fault, validate, respond.
import { setTimeout as delay } from 'node:timers/promises';
import { answerApplyGuardrail, matchApplyGuardrail } from './apply-guardrail.js';
import type { RecordedGuardrailCall } from './apply-guardrail.js';
import { HoldGate } from './hold.js';
import { defaultResponder, FakeBedrockError, planReply } from './reply.js';
import type { PlannedReply, ReplyContext } from './reply.js';
import { startSniffingServer } from './transport.js';
import type { Exchange, SniffingServer } from './transport.js';
import type {
  FakeBedrock,
  FakeBedrockOptions,
  FakeLatency,
  Fault,
  FakeReply,
  FakeResponder,
  HoldOptions,
  HttpFault,
  RecordedBedrockRequest,
  StreamExceptionType,
} from './types.js';
import { isRecord, validateConverse } from './validate.js';
import { validateCachePoints, validateGuardrail } from './validate-request.js';
import { converseBody, HTTP_EQUIVALENT, sendError, writeStream } from './wire.js';

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream)$/;
const THROTTLE: HttpFault = { status: 429, type: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' };

export class FakeBedrockServer implements FakeBedrock {
  readonly requests: RecordedBedrockRequest[] = [];
  readonly guardrailCalls: RecordedGuardrailCall[] = [];
  #server: SniffingServer | undefined;
  readonly #faults: Fault[] = [];
  /** Throttles left per model id, apart from the shared fault queue. */
  readonly #modelThrottles = new Map<string, number>();
  readonly #holds: HoldGate[] = [];
  readonly #watchers = new Set<() => void>();
  readonly #closing = new AbortController();
  readonly #models: string[] | undefined;
  readonly #deniedModels: string[];
  readonly #guardrails: string[] | undefined;
  #respond: FakeResponder;
  #latency: FakeLatency;
  #toolUses = 0;
  readonly #context: ReplyContext = { cache: new Set(), nextToolUseId: () => `tooluse_fake${++this.#toolUses}` };

  constructor(options: FakeBedrockOptions) {
    this.#respond = options.respond ?? defaultResponder;
    this.#latency = { firstChunkMs: 0, perChunkMs: 0, ...options.latency };
    this.#models = options.models;
    this.#deniedModels = options.deniedModels ?? [];
    this.#guardrails = options.guardrails;
  }

  get url(): string {
    return this.#server?.url ?? '';
  }

  async listen(): Promise<this> {
    this.#server = await startSniffingServer((exchange) => this.#handle(exchange));
    return this;
  }

  #handle(exchange: Exchange): void {
    this.#serve(exchange).catch((error: unknown) => {
      if (this.#closing.signal.aborted || exchange.gone) return;
      if (exchange.started) return exchange.reset();
      if (error instanceof FakeBedrockError) return sendError(exchange, error.status, error.type, error.message);
      sendError(exchange, 500, 'InternalServerException', `The fake's responder failed: ${String(error)}`);
    });
  }

  async #serve(exchange: Exchange): Promise<void> {
    const startedAt = Date.now();
    const route = ROUTE.exec(exchange.path.split('?')[0] ?? '');
    const raw = await exchange.readBody();
    const guardrail = exchange.method === 'POST' ? matchApplyGuardrail(exchange.path) : undefined;
    if (guardrail !== undefined) {
      const call = { ...guardrail, body: parseBody(raw) };
      this.guardrailCalls.push(call);
      return answerApplyGuardrail(exchange, call, this.#guardrails);
    }
    if (exchange.method !== 'POST' || route?.[1] === undefined) {
      return sendError(exchange, 404, 'UnknownOperationException', `No Bedrock Runtime operation at ${exchange.method} ${exchange.path}.`);
    }
    const body = parseBody(raw);
    if (!isRecord(body)) return sendError(exchange, 400, 'SerializationException', 'The request body is not a JSON object.');
    const request: RecordedBedrockRequest = {
      operation: route[2] === 'converse' ? 'converse' : 'converseStream',
      modelId: decodeURIComponent(route[1]),
      body,
      headers: exchange.headers,
      httpVersion: exchange.httpVersion,
      clientGone: false,
    };
    this.#watchClientGone(exchange, request);
    this.requests.push(request);
    for (const check of this.#watchers) check();
    await this.#answer(exchange, request, startedAt);
  }

  async #answer(exchange: Exchange, request: RecordedBedrockRequest, startedAt: number): Promise<void> {
    const gate = this.#holds.find((g) => g.claim());
    if (this.#takeModelThrottle(request.modelId)) return sendError(exchange, THROTTLE.status, THROTTLE.type, THROTTLE.message ?? '');
    const fault = this.#faults.shift();
    const holdsMidStream = request.operation === 'converseStream' && gate?.afterChunks !== undefined;
    if (gate && !holdsMidStream) await this.#waitAt(gate, exchange);
    if (fault?.kind === 'http') {
      return sendError(exchange, fault.fault.status, fault.fault.type, fault.fault.message ?? `${fault.fault.type} (injected by the fake)`);
    }
    if (this.#deniedModels.includes(request.modelId)) {
      return sendError(exchange, 403, 'AccessDeniedException', 'You don\'t have access to the model with the specified model ID.');
    }
    const invalid = this.#models && !this.#models.includes(request.modelId)
      ? `The provided model identifier is invalid: ${request.modelId}.`
      : (validateConverse(request.body) ?? validateGuardrail(request.body, request.operation) ?? validateCachePoints(request.body, request.modelId));
    if (invalid !== undefined) return sendError(exchange, 400, 'ValidationException', invalid);
    // A guardrail stops the input before any model runs, so the responder is not consulted.
    const reply: FakeReply = fault?.kind === 'guardrail' ? { text: fault.text, stopReason: 'guardrail_intervened' } : await this.#respond(request);
    const plan = planReply(reply, request.body, request.modelId, this.#context);
    if (request.operation === 'converse') return this.#answerConverse(exchange, plan, fault, startedAt);
    const hold = holdsMidStream && gate ? { afterChunks: gate.afterChunks ?? 0, wait: () => this.#waitAt(gate, exchange) } : undefined;
    const streamFault = fault?.kind === 'streamException' || fault?.kind === 'cut' ? fault : undefined;
    const pause = (ms: number): Promise<void> => this.#pause(ms, exchange);
    return writeStream(exchange, plan, { fault: streamFault, hold, latency: this.#latency, pause, startedAt });
  }

  async #answerConverse(exchange: Exchange, plan: PlannedReply, fault: Fault | undefined, startedAt: number): Promise<void> {
    const deltas = plan.textChunks.length + (plan.toolUse?.inputChunks.length ?? 0);
    await this.#pause(this.#latency.firstChunkMs + this.#latency.perChunkMs * Math.max(0, deltas - 1), exchange);
    if (fault?.kind === 'streamException') {
      const { status, type } = HTTP_EQUIVALENT[fault.type];
      return sendError(exchange, status, type, fault.message ?? `${type} (injected by the fake)`);
    }
    if (fault?.kind === 'cut' && fault.mode === 'reset') return exchange.reset();
    const json = converseBody(plan, Date.now() - startedAt);
    exchange.respond(200, { 'content-type': 'application/json' });
    exchange.end(fault?.kind === 'cut' ? json.slice(0, json.length >> 1) : json);
  }

  /** Rejects (clearing its timer) when the fake closes or the client goes away. */
  #pause(ms: number, exchange: Exchange): Promise<void> {
    return ms > 0 ? delay(ms, undefined, { signal: AbortSignal.any([this.#closing.signal, exchange.clientGone]) }) : Promise.resolve();
  }

  async #waitAt(gate: HoldGate, exchange: Exchange): Promise<void> {
    // A client that gave up stops waiting here, so nothing of it is left behind.
    await gate.wait(exchange.clientGone);
    // close() releases every gate; what was held must not then be answered on a dead socket.
    this.#closing.signal.throwIfAborted();
  }

  /** Records a client leaving before its answer was finished (a timeout, a cancellation), but not our own close(). */
  #watchClientGone(exchange: Exchange, request: RecordedBedrockRequest): void {
    const mark = (): void => {
      if (!this.#closing.signal.aborted) request.clientGone = true;
    };
    if (exchange.clientGone.aborted) mark();
    else exchange.clientGone.addEventListener('abort', mark, { once: true });
  }

  #enqueue(n: number, fault: Fault): void {
    for (let i = 0; i < n; i += 1) this.#faults.push(fault);
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#server?.close();
    for (const gate of this.#holds) gate.release();
  }

  setResponder(respond: FakeResponder | undefined): void {
    this.#respond = respond ?? defaultResponder;
  }

  setLatency(latency: Partial<FakeLatency>): void {
    this.#latency = { ...this.#latency, ...latency };
  }

  throttleNext(n = 1): void {
    this.#enqueue(n, { kind: 'http', fault: THROTTLE });
  }

  throttleModel(modelId: string, count = Number.POSITIVE_INFINITY): void {
    this.#modelThrottles.set(modelId, count);
  }

  #takeModelThrottle(modelId: string): boolean {
    const left = this.#modelThrottles.get(modelId) ?? 0;
    if (left <= 0) return false;
    this.#modelThrottles.set(modelId, left - 1);
    return true;
  }

  failNext(n: number, fault: HttpFault): void {
    this.#enqueue(n, { kind: 'http', fault });
  }

  streamExceptionNext(n: number, { type, afterChunks = 0, message }: { type: StreamExceptionType; afterChunks?: number; message?: string }): void {
    this.#enqueue(n, { kind: 'streamException', type, afterChunks, ...(message === undefined ? {} : { message }) });
  }

  cutStreamNext(n: number, { afterChunks = 0, mode = 'end' }: { afterChunks?: number; mode?: 'end' | 'reset' } = {}): void {
    this.#enqueue(n, { kind: 'cut', afterChunks, mode });
  }

  guardrailNext(n: number, { text = 'Sorry, the model cannot answer this question.' }: { text?: string } = {}): void {
    this.#enqueue(n, { kind: 'guardrail', text });
  }

  holdNext(n = 1, { afterChunks }: HoldOptions = {}): HoldGate {
    const gate = new HoldGate(n, afterChunks);
    this.#holds.push(gate);
    return gate;
  }

  waitForRequests(count: number, timeoutMs = 5000): Promise<RecordedBedrockRequest[]> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.requests.length < count) return;
        this.#watchers.delete(check);
        clearTimeout(timer);
        resolve(this.requests);
      };
      const timer = setTimeout(() => {
        this.#watchers.delete(check);
        reject(new Error(`fake Bedrock saw ${this.requests.length} of ${count} requests within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#watchers.add(check);
      check();
    });
  }
}

function parseBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
