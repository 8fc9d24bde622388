import { BridgeError } from '../errors.js';
import type { DeadlineExceededError } from './deadline.js';

/** The model could not answer; `userMessage` is what the chat shows. */
export class ModelError extends BridgeError {
  constructor(code: string, message: string, userMessage: string, options?: { cause?: unknown }) {
    super(code, message, userMessage, options);
  }
}

/** Throttling or capacity that outlasted the SDK's retries. */
export class ModelThrottledError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_throttled', message, 'The model is over capacity right now, so I could not answer. Please try again in a minute.', options);
  }
}

/** The answer stream stopped before the model finished. */
export class ModelCutError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_stream_cut', message, '_(My answer was cut off by a model service error. Please ask again for the rest.)_', options);
  }
}

const timeoutLine = 'The model did not answer in time. Please try again.';

/**
 * What a user sees when one of our deadlines ended the turn: with nothing shown, that the model did
 * not answer; after some text, that the answer was cut off (the text stays above the line).
 */
export function modelTimeoutError(reason: DeadlineExceededError, textShown: boolean): ModelError {
  const seconds = Math.round(reason.ms / 1000);
  if (!textShown) return new ModelError('model_timeout', reason.message, timeoutLine, { cause: reason });
  if (reason.kind === 'idle') return new ModelCutError(`the answer stream went silent after some text: ${reason.message}`, { cause: reason });
  return new ModelError(
    'model_turn_timeout',
    reason.message,
    `_(My answer was cut off: it took longer than the ${seconds} seconds one answer may take. Please ask again for the rest.)_`,
    { cause: reason },
  );
}

/** Throttling and capacity errors by name (the service and the SDK use several). */
export const throttleNames: ReadonlySet<string> = new Set(['ThrottlingException', 'ServiceQuotaExceededException', 'ServiceUnavailableException', 'TooManyRequestsException']);

/** Maps an AWS SDK (or stream) failure to the ModelError the user should see. */
export function toModelError(error: unknown): Error {
  if (error instanceof ModelError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'AbortError') return error as Error;
  const cause = { cause: error };
  if (throttleNames.has(name) || /throttl/i.test(name)) return new ModelThrottledError(`${name}: ${message}`, cause);
  switch (name) {
    case 'ModelTimeoutException':
    case 'ModelNotReadyException':
    case 'TimeoutError':
      return new ModelError('model_timeout', `${name}: ${message}`, timeoutLine, cause);
    case 'AccessDeniedException':
      return new ModelError('model_access_denied', `${name}: ${message}`, 'I am not allowed to use the model right now (access denied). An operator needs to check model access and the IAM role.', cause);
    case 'ResourceNotFoundException':
      return new ModelError('model_not_found', `${name}: ${message}`, 'The configured model was not found. An operator needs to check BEDROCK_MODEL_ID.', cause);
    case 'ValidationException':
      return new ModelError('model_rejected', `${name}: ${message}`, 'The model could not process this request. If the conversation is very long, try starting a new thread.', cause);
    case 'CredentialsProviderError':
      return new ModelError('model_no_credentials', `${name}: ${message}`, 'I have no AWS credentials, so I cannot reach the model. An operator needs to configure them.', cause);
    default:
      if (/region is missing/i.test(message)) {
        return new ModelError('model_no_region', message, 'No AWS region is configured, so I cannot reach the model. An operator needs to set AWS_REGION.', cause);
      }
      return new ModelError('model_failed', `${name || 'Error'}: ${message}`, 'Sorry, the model service failed while answering. Please try again in a moment.', cause);
  }
}
