// Runtime session ids: AgentCore routes every invocation with the same id to the same microVM,
// and refuses ids outside 33-256 characters. Shared by the stack, the keepalive and the scripts.
import { randomUUID } from 'node:crypto';

export const SESSION_ID_MIN_LENGTH = 33;
export const SESSION_ID_MAX_LENGTH = 256;

/** Undefined when valid; otherwise says what is wrong and what the limits are. */
export function sessionIdProblem(sessionId: string): string | undefined {
  if (sessionId.length < SESSION_ID_MIN_LENGTH || sessionId.length > SESSION_ID_MAX_LENGTH) {
    return `a runtime session id must be ${SESSION_ID_MIN_LENGTH}-${SESSION_ID_MAX_LENGTH} characters, got ${sessionId.length} ("${sessionId}")`;
  }
  return undefined;
}

export class SessionIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionIdError';
  }
}

export function assertSessionId(sessionId: string, source: string): string {
  const problem = sessionIdProblem(sessionId);
  if (problem !== undefined) throw new SessionIdError(`${source}: ${problem}`);
  return sessionId;
}

/** A fresh id that sorts by creation time and says what it is in logs: 59 characters. */
export function newSessionId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `bridge-${stamp}-${randomUUID().replace(/-/g, '')}`;
}
