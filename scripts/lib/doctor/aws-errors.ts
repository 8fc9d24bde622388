// The AWS failures every doctor check can meet (no credentials, no region, bad or expired
// credentials, no route to the endpoint), each with its fix. Service-specific ones stay with
// their check.
import { describeError } from './report.js';

export interface Problem {
  readonly detail: string;
  readonly fix: string;
}

/** A fix for what is wrong with the caller's AWS setup rather than with the thing checked, if that is it. */
export function awsSetupProblem(error: unknown, service: string, endpointVariable: string): Problem | undefined {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return { detail: 'no AWS credentials found', fix: 'set AWS_PROFILE (after aws sso login or aws configure), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' };
  }
  if (/Region is missing/i.test(message)) return { detail: 'no AWS region set', fix: 'set AWS_REGION (the region the bot runs in)' };
  if (['UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId'].includes(name)) {
    return { detail: `AWS refused the credentials (${name})`, fix: 'refresh or correct the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN)' };
  }
  const code = networkCode(error);
  if (code !== undefined) {
    return { detail: `could not reach ${service} (${code})`, fix: `check the network path to AWS and AWS_REGION, or ${endpointVariable} if it is set` };
  }
  return undefined;
}

/** The HTTP status and message of an AWS service exception, for a ✗ that shows what AWS said. */
export function awsSaid(error: unknown): string {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined ? describeError(error) : `${describeError(error)} (HTTP ${status})`;
}

function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return code;
    if ((current as { name?: unknown }).name === 'TimeoutError') return 'timed out';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
