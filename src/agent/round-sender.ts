import { ConverseCommand, ConverseStreamCommand, type BedrockRuntimeClient, type ConverseCommandInput, type ConverseStreamCommandInput } from '@aws-sdk/client-bedrock-runtime';
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AgentConfig } from '../config/index.js';
import { converseInput, converseStreamInput, type RoundRequest } from './converse-request.js';
import { InStreamError, readConverseStream, type RoundResult } from './converse-stream.js';
import { iterateUntilAborted, type Deadline } from './deadline.js';
import { ModelCutError } from './model-errors.js';

/**
 * The SDK's default HTTP/2 handler gives every event stream its own connection,
 * so each answer would pay a TCP and TLS handshake; ConverseStream works over
 * HTTP/1.1, where keep-alive reuses connections.
 */
export function keepAliveHandler(): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  });
}

/**
 * One attempt at a round. `signal` carries the caller's cancellation and every deadline; aborting
 * it makes the SDK destroy the request (and its socket), and the SDK retries nothing after that.
 * `idle` is restarted on each sign of life from the model.
 */
export type SendAttempt = (emit: (delta: string) => void, signal: AbortSignal, idle: Deadline) => Promise<RoundResult>;

/** The round's request, built once for all its attempts, and how to send it. */
export function roundSender(config: AgentConfig, client: BedrockRuntimeClient, round: RoundRequest): SendAttempt {
  if (config.streaming) {
    const input = converseStreamInput(config, round);
    return (emit, signal, idle) => streamRound(client, input, emit, signal, idle);
  }
  const input = converseInput(config, round);
  return (emit, signal) => converseRound(client, input, emit, signal);
}

/** Converse sends nothing until the whole answer is written, so the idle bound covers the whole call. */
async function converseRound(client: BedrockRuntimeClient, input: ConverseCommandInput, emit: (delta: string) => void, signal: AbortSignal): Promise<RoundResult> {
  const output = await client.send(new ConverseCommand(input), { abortSignal: signal });
  const content = output.output?.message?.content ?? [];
  const text = content.map((block) => block.text ?? '').join('');
  if (text !== '') emit(text);
  return { content, stopReason: output.stopReason, usage: output.usage };
}

/** The idle bound runs from the request to its headers, then from event to event. */
async function streamRound(
  client: BedrockRuntimeClient,
  input: ConverseStreamCommandInput,
  emit: (delta: string) => void,
  signal: AbortSignal,
  idle: Deadline,
): Promise<RoundResult> {
  const output = await client.send(new ConverseStreamCommand(input), { abortSignal: signal });
  idle.restart();
  if (output.stream === undefined) throw new InStreamError(new ModelCutError('ConverseStream returned no stream'));
  return readConverseStream(iterateUntilAborted(output.stream, signal, () => idle.restart()), emit);
}
