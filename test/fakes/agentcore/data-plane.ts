// The AgentCore data plane as @aws-sdk/client-bedrock-agentcore speaks it: InvokeAgentRuntime
// (`POST /runtimes/{arn}/invocations?qualifier=`) forwarded to a real bot's /invocations with the
// session and request id headers, its answer streamed back; and StopRuntimeSession.
// Which bot serves a session is a hook, so a later runtime emulator can start one per session.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { sendError } from './http.js';
import { latestVersion, record } from './state.js';
import type { AgentCoreState, SessionRecord } from './state.js';

export const SESSION_HEADER = 'x-amzn-bedrock-agentcore-runtime-session-id';
export const REQUEST_HEADER = 'x-amzn-bedrock-agentcore-runtime-request-id';

/** What the hooks learn about a session: its id, and the runtime version (with its environment) it runs. */
export interface SessionContext {
  readonly session: SessionRecord;
  readonly environment: Record<string, string>;
}

export interface DataPlaneHooks {
  /** Base URL of the bot serving this session (undefined: the container is down). */
  sessionTarget(context: SessionContext): Promise<string | undefined> | string | undefined;
  onStopSession?(context: SessionContext): Promise<void> | void;
  /** How long a forwarded invocation may take before the fake answers 504. */
  readonly invokeTimeoutMs: number;
}

export function dataPlaneHandler(state: AgentCoreState, hooks: DataPlaneHooks) {
  return async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const [root, arn, operation] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const qualifier = url.searchParams.get('qualifier') ?? 'DEFAULT';
    const sessionId = headerOf(req, SESSION_HEADER);
    record(state, { service: 'agentcore', operation: operation === 'invocations' ? 'InvokeAgentRuntime' : 'StopRuntimeSession',
      request: { arn, qualifier, sessionId, body: body.toString('utf8') } });
    if (root !== 'runtimes' || req.method !== 'POST') return sendError(res, 404, 'UnknownOperationException', url.pathname);
    if (arn !== state.runtimeArn) return sendError(res, 404, 'ResourceNotFoundException', `Runtime ${arn} not found`);
    const endpoint = state.endpoints.get(qualifier);
    if (endpoint === undefined) return sendError(res, 404, 'ResourceNotFoundException', `Endpoint ${qualifier} not found`);
    if (sessionId === undefined || sessionId.length < 33 || sessionId.length > 256) {
      return sendError(res, 400, 'ValidationException', 'runtimeSessionId must be between 33 and 256 characters');
    }
    if (operation === 'stopruntimesession') return stopSession(state, hooks, res, sessionId);
    if (operation !== 'invocations') return sendError(res, 404, 'UnknownOperationException', url.pathname);

    const session = openSession(state, sessionId, qualifier, endpoint.liveVersion);
    session.invocations += 1;
    const context = contextOf(state, session);
    const target = await hooks.sessionTarget(context);
    if (target === undefined) return sendError(res, 424, 'RuntimeClientError', 'The runtime container for this session is not running');
    await forward(res, target, context, body, req, hooks.invokeTimeoutMs);
  };
}

/** A stopped or unknown session id starts a fresh microVM on the endpoint's live version. */
function openSession(state: AgentCoreState, sessionId: string, qualifier: string, version: string): SessionRecord {
  const existing = state.sessions.get(sessionId);
  if (existing !== undefined && existing.stoppedAt === undefined) return existing;
  const session: SessionRecord = { sessionId, version, qualifier, startedAt: Date.now(), invocations: 0 };
  state.sessions.set(sessionId, session);
  return session;
}

function contextOf(state: AgentCoreState, session: SessionRecord): SessionContext {
  const version = state.versions.find((v) => v.version === session.version) ?? latestVersion(state);
  return { session, environment: { ...version.configuration.environmentVariables } };
}

async function forward(res: ServerResponse, target: string, context: SessionContext, body: Buffer, req: IncomingMessage, timeoutMs: number): Promise<void> {
  let answer: Response;
  try {
    answer = await fetch(new URL('/invocations', target), {
      method: 'POST',
      headers: {
        'content-type': headerOf(req, 'content-type') ?? 'application/json',
        accept: headerOf(req, 'accept') ?? '*/*',
        [SESSION_HEADER]: context.session.sessionId,
        [REQUEST_HEADER]: randomUUID(),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    if (timedOut) return sendError(res, 504, 'InternalServerException', 'The runtime did not answer in time');
    return sendError(res, 424, 'RuntimeClientError', `The runtime container could not be reached: ${String(error)}`);
  }
  if (!answer.ok) {
    // AgentCore wraps a container's error status instead of passing it through.
    const text = await answer.text();
    return sendError(res, 424, 'RuntimeClientError', `Received error (${answer.status}) from runtime: ${text.slice(0, 500)}`);
  }
  res.writeHead(200, {
    'content-type': answer.headers.get('content-type') ?? 'application/json',
    [SESSION_HEADER]: context.session.sessionId,
  });
  if (answer.body === null) return void res.end();
  Readable.fromWeb(answer.body).pipe(res);
}

async function stopSession(state: AgentCoreState, hooks: DataPlaneHooks, res: ServerResponse, sessionId: string): Promise<void> {
  const session = state.sessions.get(sessionId);
  if (session === undefined || session.stoppedAt !== undefined) {
    return sendError(res, 404, 'ResourceNotFoundException', `Session ${sessionId} not found`);
  }
  session.stoppedAt = Date.now();
  await hooks.onStopSession?.(contextOf(state, session));
  res.writeHead(200, { 'content-type': 'application/json', [SESSION_HEADER]: sessionId });
  res.end('{}');
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
