import { InStreamError } from './converse-stream.js';
import { throttleNames } from './model-errors.js';

/** The primary is out of capacity or down: another model may well answer. */
const unavailableNames: ReadonlySet<string> = new Set([...throttleNames, 'ModelNotReadyException', 'InternalServerException']);

/**
 * Whether a failure that outlasted the SDK's retries (and ours inside a stream) means the model
 * is unavailable rather than that the request is wrong. Access, validation and a stream cut
 * after text are not: another model would fail the same way, or the user already saw text.
 */
export function isModelUnavailable(error: unknown): boolean {
  const cause = error instanceof InStreamError ? error.cause : error;
  if (!(cause instanceof Error)) return false;
  if (unavailableNames.has(cause.name)) return true;
  const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && (status === 429 || status >= 500);
}
