// Bytes on the wire: AWS event-stream frames for ConverseStream, JSON for Converse, and the
// error shape the SDK's restJson1 parser maps to exception classes.
import { randomUUID } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { PlannedReply } from './reply.js';
import type { Exchange } from './transport.js';
import type { Fault, FakeLatency, StreamExceptionType } from './types.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
type MessageHeaders = Parameters<EventStreamCodec['encode']>[0]['headers'];

function frame(headers: Record<string, string>, payload: unknown): Uint8Array {
  const tagged: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) tagged[name] = { type: 'string', value };
  return codec.encode({ headers: tagged, body: fromUtf8(JSON.stringify(payload)) });
}

export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, payload);
}

export function exceptionFrame(type: StreamExceptionType, message: string): Uint8Array {
  return frame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }, { message });
}

export function sendError(exchange: Exchange, status: number, type: string, message: string): void {
  exchange.respond(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'x-amzn-requestid': randomUUID(),
  });
  exchange.end(JSON.stringify({ message }));
}

// What a Converse call gets when a stream-only fault was queued for it: the HTTP error the
// service gives for the same condition outside a stream.
export const HTTP_EQUIVALENT: Record<StreamExceptionType, { status: number; type: string }> = {
  throttlingException: { status: 429, type: 'ThrottlingException' },
  modelStreamErrorException: { status: 424, type: 'ModelErrorException' },
  internalServerException: { status: 500, type: 'InternalServerException' },
  validationException: { status: 400, type: 'ValidationException' },
  serviceUnavailableException: { status: 503, type: 'ServiceUnavailableException' },
};

export function converseBody(plan: PlannedReply, latencyMs: number): string {
  const content: unknown[] = [];
  if (plan.text !== undefined) content.push({ text: plan.text });
  if (plan.toolUse) {
    const { toolUseId, name, input } = plan.toolUse;
    content.push({ toolUse: { toolUseId, name, input } });
  }
  return JSON.stringify({
    output: { message: { role: 'assistant', content } },
    stopReason: plan.stopReason,
    usage: plan.usage,
    metrics: { latencyMs },
  });
}

interface Step {
  bytes: Uint8Array;
  isDelta: boolean;
  /** Faults and holds strike only before a delta or before messageStop. */
  isCheckpoint: boolean;
}

function steps(plan: PlannedReply, latencyMs: () => number): Step[] {
  const out: Step[] = [];
  const push = (type: string, payload: unknown, isDelta = false, isCheckpoint = isDelta): void => {
    out.push({ bytes: eventFrame(type, payload), isDelta, isCheckpoint });
  };
  push('messageStart', { role: 'assistant' });
  let index = 0;
  if (plan.text !== undefined) {
    for (const text of plan.textChunks) push('contentBlockDelta', { contentBlockIndex: index, delta: { text } }, true);
    push('contentBlockStop', { contentBlockIndex: index });
    index += 1;
  }
  if (plan.toolUse) {
    const { toolUseId, name, inputChunks } = plan.toolUse;
    push('contentBlockStart', { contentBlockIndex: index, start: { toolUse: { toolUseId, name } } });
    for (const input of inputChunks) push('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input } } }, true);
    push('contentBlockStop', { contentBlockIndex: index });
  }
  push('messageStop', { stopReason: plan.stopReason }, false, true);
  // Built lazily so latencyMs is measured when the metadata frame is actually sent.
  out.push({
    get bytes() {
      return eventFrame('metadata', { usage: plan.usage, metrics: { latencyMs: latencyMs() } });
    },
    isDelta: false,
    isCheckpoint: false,
  });
  return out;
}

export interface StreamScript {
  fault: Extract<Fault, { kind: 'streamException' | 'cut' }> | undefined;
  /** A hold to honour once this many deltas are out. */
  hold: { afterChunks: number; wait: () => Promise<void> } | undefined;
  latency: FakeLatency;
  /** Abortable delay: rejects when the fake closes. */
  pause: (ms: number) => Promise<void>;
  startedAt: number;
}

export async function writeStream(exchange: Exchange, plan: PlannedReply, script: StreamScript): Promise<void> {
  exchange.respond(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': randomUUID() });
  let deltas = 0;
  let { hold } = script;
  const { fault } = script;
  for (const step of steps(plan, () => Date.now() - script.startedAt)) {
    if (step.isDelta) await script.pause(deltas === 0 ? script.latency.firstChunkMs : script.latency.perChunkMs);
    if (step.isCheckpoint && hold && deltas >= hold.afterChunks) {
      await hold.wait();
      hold = undefined;
    }
    if (step.isCheckpoint && fault && deltas >= fault.afterChunks) {
      applyStreamFault(exchange, fault);
      return;
    }
    if (exchange.gone) return;
    await exchange.write(step.bytes);
    if (step.isDelta) deltas += 1;
  }
  exchange.end();
}

function applyStreamFault(exchange: Exchange, fault: NonNullable<StreamScript['fault']>): void {
  if (fault.kind === 'streamException') {
    exchange.end(exceptionFrame(fault.type, fault.message ?? defaultExceptionMessage(fault.type)));
  } else if (fault.mode === 'end') {
    exchange.end();
  } else {
    exchange.reset();
  }
}

export function defaultExceptionMessage(type: StreamExceptionType): string {
  switch (type) {
    case 'throttlingException':
      return 'Too many tokens, please wait before trying again.';
    case 'modelStreamErrorException':
      return 'The model stream encountered an error. Try your request again.';
    case 'validationException':
      return 'The request failed validation while the model was generating.';
    default:
      return 'The service encountered an internal error. Try your request again.';
  }
}
