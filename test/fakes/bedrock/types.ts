// Public shapes of the fake Bedrock Runtime: what tests record, script and receive.
import type { IncomingHttpHeaders } from 'node:http';
import type { RecordedGuardrailCall } from './apply-guardrail.js';

export type BedrockOperation = 'converse' | 'converseStream';

/** One Converse/ConverseStream call as it reached the fake (recorded before faults and validation). */
export interface RecordedBedrockRequest {
  operation: BedrockOperation;
  /** Decoded from the path, e.g. `anthropic.claude-3-haiku-20240307-v1:0` or an inference profile ARN. */
  modelId: string;
  /** The parsed JSON body (`messages`, `system`, `toolConfig`, `inferenceConfig`, ...). */
  body: ConverseBody;
  headers: IncomingHttpHeaders;
  /** '2.0' when the client spoke h2c, '1.1' otherwise. */
  httpVersion: string;
  /**
   * True once the client closed its stream or connection before the answer was finished (its
   * timeout or cancellation); a held request is then dropped. Not set by the fake's own close().
   */
  clientGone: boolean;
}

/** The request body, loosely typed: the fake validates it rather than trusting a type. */
export interface ConverseBody {
  messages?: unknown;
  system?: unknown;
  toolConfig?: unknown;
  guardrailConfig?: unknown;
  [key: string]: unknown;
}

export interface FakeUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** What a responder returns; the fake turns it into a Converse reply or ConverseStream frames. */
export interface FakeReply {
  text?: string;
  /** Stream these deltas verbatim; otherwise `text` is cut into ~10-character deltas. */
  chunks?: string[];
  toolUse?: { name: string; input: unknown; toolUseId?: string };
  /** Defaults to 'tool_use' with a toolUse, else 'end_turn'. */
  stopReason?: string;
  /** Overrides the computed usage field by field. */
  usage?: Partial<FakeUsage>;
}

export type FakeResponder = (request: RecordedBedrockRequest) => FakeReply | Promise<FakeReply>;

export interface FakeLatency {
  /** Before the first text delta (after `messageStart`), or before a Converse reply. */
  firstChunkMs: number;
  /** Between later deltas; a Converse reply waits this once per further delta it would have had. */
  perChunkMs: number;
}

export interface FakeBedrockOptions {
  respond?: FakeResponder;
  latency?: Partial<FakeLatency>;
  /** When given, any other model id gets 400 ValidationException, as an unknown model does. */
  models?: string[];
  /** Model ids that get 403 AccessDeniedException, as a model without access granted (or IAM) does. */
  deniedModels?: string[];
  /** When given, ApplyGuardrail for any other guardrail id gets 404 ResourceNotFoundException. */
  guardrails?: string[];
}

/** Event-stream exception names, as they appear in `:exception-type`. */
export type StreamExceptionType =
  | 'throttlingException'
  | 'modelStreamErrorException'
  | 'internalServerException'
  | 'validationException'
  | 'serviceUnavailableException';

export interface HttpFault {
  status: number;
  /** Goes to `x-amzn-errortype`, e.g. 'ServiceUnavailableException'. */
  type: string;
  message?: string;
}

export type Fault =
  | { kind: 'http'; fault: HttpFault }
  | { kind: 'streamException'; type: StreamExceptionType; afterChunks: number; message?: string }
  | { kind: 'cut'; afterChunks: number; mode: 'end' | 'reset' }
  | { kind: 'guardrail'; text: string };

/** Returned by `holdNext`: the held requests wait (recorded, nothing answered) until `release()`. */
export interface FakeHold {
  /** Lets every request this hold has caught, and any it catches later, go on. Idempotent. */
  release(): void;
  /** How many requests are waiting on this hold right now (a request whose client went away is not). */
  readonly waiting: number;
  /** Resolves once `count` requests (default: all n) have reached the hold point. */
  reached(count?: number): Promise<void>;
}

export interface HoldOptions {
  /**
   * ConverseStream only: send `messageStart` and this many text deltas before holding, so the
   * caller has a partial answer in hand. Default 0 for Converse; for ConverseStream, unset means
   * hold before any response byte (the SDK's `send()` then stays pending).
   */
  afterChunks?: number;
}

/**
 * The running fake. Fault controls (`throttleNext`, `failNext`, `streamExceptionNext`,
 * `cutStreamNext`, `guardrailNext`) append to one queue; each arriving request of either
 * operation takes the next entry, in order of arrival.
 */
export interface FakeBedrock {
  /** `http://127.0.0.1:PORT`: give it to the client as `endpoint` or `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`. */
  readonly url: string;
  /** Every Converse/ConverseStream call in arrival order, including throttled and invalid ones. */
  readonly requests: RecordedBedrockRequest[];
  /** Every ApplyGuardrail call in arrival order. */
  readonly guardrailCalls: RecordedGuardrailCall[];
  /** Stops listening and destroys open sockets and h2 sessions; held requests are dropped. */
  close(): Promise<void>;
  /** Replaces the responder; `undefined` restores the default one. */
  setResponder(respond: FakeResponder | undefined): void;
  setLatency(latency: Partial<FakeLatency>): void;
  /** The next n requests get 429 ThrottlingException (which the SDK retries). */
  throttleNext(n?: number): void;
  /**
   * The next `count` requests for this model id (all of them by default; 0 stops it) get 429
   * ThrottlingException, whatever the shared fault queue holds, which they leave untouched: the
   * way to have a primary model throttled for good while a fallback model answers.
   */
  throttleModel(modelId: string, count?: number): void;
  /** The next n requests get this HTTP status and `x-amzn-errortype`. */
  failNext(n: number, fault: HttpFault): void;
  /**
   * The next n ConverseStream answers send `afterChunks` deltas, then an exception frame, then
   * end. A Converse call consuming one gets the matching HTTP error instead (429, 424, 500, ...).
   */
  streamExceptionNext(n: number, options: { type: StreamExceptionType; afterChunks?: number; message?: string }): void;
  /**
   * The next n ConverseStream answers stop after `afterChunks` deltas with no messageStop or
   * metadata: 'end' closes the body cleanly (what a dropped connection looks like over h2),
   * 'reset' sends RST_STREAM (h2) or destroys the socket (HTTP/1.1). A Converse call consuming
   * one gets half a JSON body ('end') or the reset.
   */
  cutStreamNext(n: number, options?: { afterChunks?: number; mode?: 'end' | 'reset' }): void;
  /** The next n requests are answered with `text` and stopReason 'guardrail_intervened'. */
  guardrailNext(n: number, options?: { text?: string }): void;
  /**
   * The next n requests are recorded and then wait, unanswered, until `release()` on the handle
   * (or `close()`). Await `handle.reached()` to know they are in flight. A held request takes its
   * fault-queue entry on arrival and meets that fault once released.
   */
  holdNext(n?: number, options?: HoldOptions): FakeHold;
  /** Resolves with `requests` once at least `count` have arrived; rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedBedrockRequest[]>;
}

export type { RecordedGuardrailCall } from './apply-guardrail.js';
