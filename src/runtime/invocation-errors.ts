import type { ErrorRequestHandler, Response } from 'express';
import { BridgeError } from '../errors.js';
import type { Logger } from '../log/index.js';

/** A request the runtime refuses, with the HTTP status and the JSON error it answers. */
export class InvocationError extends BridgeError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`http_${status}`, message);
  }
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly message?: string;
  readonly limit?: number;
}

/** Maps every failure to `{"error": ...}` once; a 500 never carries internal details. */
export function toHttpError(error: unknown): InvocationError {
  if (error instanceof InvocationError) return error;
  if (error instanceof BridgeError && error.code === 'invalid_handover') return new InvocationError(400, error.message);
  const parserError = error as BodyParserError;
  switch (parserError.type) {
    case 'entity.parse.failed':
      return new InvocationError(400, `malformed JSON body: ${parserError.message ?? 'parse error'}`);
    case 'entity.too.large':
      return new InvocationError(413, `body too large: the limit is ${parserError.limit ?? 'exceeded'} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new InvocationError(415, 'unsupported body encoding; send UTF-8 JSON');
    case 'request.aborted':
      return new InvocationError(400, 'request aborted by the client');
    default:
      if (error instanceof RangeError) return new InvocationError(400, 'malformed JSON body: nested too deeply');
      if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
        return new InvocationError(parserError.status, 'bad request');
      }
      return new InvocationError(500, 'internal error');
  }
}

/** The request's session and request ids, as the runtime server put them on `response.locals`. */
export function logFieldsOf(response: Response): Record<string, string> {
  const fields: unknown = response.locals.logFields;
  return typeof fields === 'object' && fields !== null ? (fields as Record<string, string>) : {};
}

export function jsonErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const httpError = toHttpError(error);
    if (httpError.status >= 500) logger.error('invocation failed', { ...logFieldsOf(response), error });
    response.locals.errorMessage = httpError.message;
    response.status(httpError.status).json({ error: httpError.message });
  };
}
