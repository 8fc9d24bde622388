/** Ids of the AgentCore invocation a piece of work belongs to, stamped on its log lines. */
export interface RequestContext {
  readonly sessionId?: string;
  readonly requestId?: string;
}

/**
 * The context as child-logger bindings (`logger.child(requestContextFields(context))`), handed down
 * explicitly with the work. Not AsyncLocalStorage: once one store has run, Node 20 and 22 track
 * every promise in the process through async hooks, which cost about a sixth of the CPU of each
 * chat message in the bench, for every platform, to stamp lines of the few invocations.
 */
export function requestContextFields(context: RequestContext): Record<string, string> {
  return {
    ...(context.sessionId === undefined ? {} : { session_id: context.sessionId }),
    ...(context.requestId === undefined ? {} : { request_id: context.requestId }),
  };
}
