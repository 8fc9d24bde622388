import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type RequestHandler } from 'express';
import { requestContextFields, type RequestContext } from '../log/index.js';
import { createInvocationHandler, type InvocationDeps } from './invocation-handler.js';
import { InvocationError, jsonErrorHandler } from './invocation-errors.js';

export interface RuntimeServerOptions extends InvocationDeps {
  readonly port: number;
  /** Records the AgentCore session id of the latest invocation. */
  readonly onSessionId: (sessionId: string) => void;
}

export interface RuntimeServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

const sessionHeader = 'x-amzn-bedrock-agentcore-runtime-session-id';
const requestHeader = 'x-amzn-bedrock-agentcore-runtime-request-id';
const bodyLimitBytes = 1024 * 1024;

/** The AgentCore HTTP contract: GET /ping and POST /invocations on 0.0.0.0. */
export async function startRuntimeServer(options: RuntimeServerOptions): Promise<RuntimeServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/ping', (_request, response) => {
    const { status, timeOfLastUpdate } = options.health.current();
    response.json({ status, time_of_last_update: timeOfLastUpdate });
  });

  const handleInvocation = createInvocationHandler(options);
  app.post(
    '/invocations',
    logInvocation(options),
    // Any content type is read as JSON: operators curl without headers, AgentCore sends application/json.
    express.json({ limit: bodyLimitBytes, strict: false, type: () => true }),
    handleInvocation,
  );

  app.all(['/ping', '/invocations'], (request) => {
    throw new InvocationError(405, `method ${request.method} not allowed here`);
  });
  app.use((request) => {
    throw new InvocationError(404, `no route for ${request.method} ${request.path}`);
  });
  app.use(jsonErrorHandler(options.logger));

  const server = createServer(app);
  // Long SSE answers must not be cut by Node's default 5-minute request timeout.
  server.requestTimeout = 15 * 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info('runtime server listening', { port });
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

/**
 * One log line per invocation, stamped with the runtime's session and request ids; the same ids go
 * to the handlers as `response.locals.logFields`, for the lines of the work they start.
 */
function logInvocation(options: RuntimeServerOptions): RequestHandler {
  return (request, response, next) => {
    const sessionId = request.get(sessionHeader);
    if (sessionId !== undefined) options.onSessionId(sessionId);
    const startedAt = performance.now();
    const logFields = requestContextFields(requestContextOf(request));
    response.locals.logFields = logFields;
    response.on('finish', () => {
      const rejected: unknown = response.locals.errorMessage;
      options.logger.child(logFields).info('invocation served', {
        status: response.statusCode,
        latencyMs: Math.round(performance.now() - startedAt),
        ...(typeof rejected === 'string' ? { reason: rejected } : {}),
      });
    });
    next();
  };
}

function requestContextOf(request: Request): RequestContext {
  const sessionId = request.get(sessionHeader);
  const requestId = request.get(requestHeader);
  return { ...(sessionId === undefined ? {} : { sessionId }), ...(requestId === undefined ? {} : { requestId }) };
}
