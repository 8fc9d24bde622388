import { AsyncLocalStorage } from 'node:async_hooks';

/** Ids of the AgentCore invocation a piece of work belongs to, stamped on each log line. */
export interface RequestContext {
  readonly sessionId?: string;
  readonly requestId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
