import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Bridge, InboundMessage, SubmitOutcome } from '../core/index.js';
import type { Logger } from '../log/index.js';
import { CollectingReply, type ReplyOutcome } from './collecting-reply.js';
import type { HealthMonitor } from './health.js';
import { InvocationError, logFieldsOf } from './invocation-errors.js';
import { invocationSchema, parseInvocation, type Invocation } from './invocation-schema.js';
import type { SessionRoles } from './session-roles.js';
import type { StatusReport } from './status-report.js';
import type { TaskRegistry } from './task-registry.js';

export interface InvocationDeps {
  readonly bridge: Bridge;
  readonly tasks: TaskRegistry;
  readonly status: StatusReport;
  readonly health: HealthMonitor;
  readonly roles: SessionRoles;
  readonly maxPromptChars: number;
  readonly logger: Logger;
}

type ChatInvocation = Extract<Invocation, { action: 'chat' }>;

/** POST /invocations: operator actions, direct prompts (JSON or SSE) and background tasks. */
export function createInvocationHandler(deps: InvocationDeps) {
  const schema = invocationSchema(deps.maxPromptChars);
  return async (request: Request, response: Response): Promise<void> => {
    const invocation = parseInvocation(request.body, schema);
    deps.health.noteActivity();
    if (!rotationActions.has(invocation.action)) deps.roles.activate(`${invocation.action} invocation`);
    switch (invocation.action) {
      case 'keepalive':
        response.json(deps.status.keepalive());
        return;
      case 'status':
        response.json(deps.status.full());
        return;
      case 'chat':
        await chat(deps, invocation, request, response);
        return;
      case 'start_task': {
        const { record, created } = deps.tasks.start(invocation.task_id, () => runTask(deps, invocation.prompt, logFieldsOf(response)));
        response.status(created ? 202 : 200).json({ task_id: record.taskId, status: created ? 'started' : record.state });
        return;
      }
      case 'check_status': {
        const record = deps.tasks.get(invocation.task_id);
        if (record === undefined) throw new InvocationError(404, `no task with task_id "${invocation.task_id}" (finished tasks are kept for an hour)`);
        response.json({
          task_id: record.taskId,
          status: record.state,
          ...(record.result === undefined ? {} : { result: record.result }),
          ...(record.error === undefined ? {} : { error: record.error }),
        });
        return;
      }
      case 'standby':
        deps.roles.standby();
        response.json(deps.status.keepalive());
        return;
      case 'handover': {
        // Asked again (a retry, or the controller polling a draining session) it answers the same payload.
        const { payload, failed } = await deps.roles.handover();
        response.json({ status: 'draining', role: deps.roles.role, in_flight: deps.bridge.inFlight, handover: payload, ...failedField('handover_failed', failed) });
        return;
      }
      case 'takeover': {
        // A repeat while it runs, or after it finished, answers the same outcome (200), never a second resume or login.
        const { failed } = await deps.roles.takeover(invocation.handover);
        response.json({ ...deps.status.keepalive(), ...failedField('takeover_failed', failed) });
        return;
      }
    }
  };
}

/**
 * Actions that must not make an idle session take the platforms: the rotation
 * steps, and read-only looks (a status call to a stale session id must not
 * start a second Discord listener).
 */
const rotationActions = new Set(['standby', 'handover', 'takeover', 'status', 'check_status']);

/** Named only when something failed, so a clean rotation's answer keeps its shape. */
function failedField(name: string, platforms: readonly string[]): Record<string, readonly string[]> {
  return platforms.length === 0 ? {} : { [name]: platforms };
}

function toMessage(conversationKey: string, prompt: string, logFields: Readonly<Record<string, string>>): InboundMessage {
  return {
    platform: 'invocation',
    conversationKey,
    messageId: randomUUID(),
    authorId: 'operator',
    authorIsBot: false,
    text: prompt,
    sentAt: Date.now(),
    logFields,
  };
}

function refusal(outcome: SubmitOutcome): InvocationError {
  return outcome === 'queue_full'
    ? new InvocationError(429, 'too many prompts queued for this conversation; retry shortly')
    : new InvocationError(503, 'the bot is shutting down; retry on a new session');
}

async function chat(deps: InvocationDeps, invocation: ChatInvocation, request: Request, response: Response): Promise<void> {
  const conversationId = invocation.conversation_id ?? randomUUID();
  const streaming = (request.get('accept') ?? '').includes('text/event-stream');
  const abort = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) abort.abort();
  });
  const sink = new CollectingReply(streaming ? (delta) => writeEvent(response, { delta }) : undefined);
  const outcome = deps.bridge.submit(toMessage(`invocation:${conversationId}`, invocation.prompt, logFieldsOf(response)), { openReply: () => sink }, { signal: abort.signal });
  if (outcome !== 'accepted') throw refusal(outcome);
  if (streaming) {
    response.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    response.flushHeaders();
  }
  const result = await sink.done;
  if (streaming) {
    if (!result.ok) writeEvent(response, { error: result.error });
    response.end('data: [DONE]\n\n');
    return;
  }
  if (result.ok) response.json({ reply: result.text, conversation_id: conversationId });
  else response.status(502).json({ error: result.error, reply: result.text, conversation_id: conversationId });
}

function writeEvent(response: Response, data: Record<string, string>): void {
  if (!response.writableEnded) response.write(`data: ${JSON.stringify(data)}\n\n`);
}

async function runTask(deps: InvocationDeps, prompt: string, logFields: Readonly<Record<string, string>>): Promise<ReplyOutcome> {
  const sink = new CollectingReply();
  const outcome = deps.bridge.submit(toMessage(`invocation:task:${randomUUID()}`, prompt, logFields), { openReply: () => sink });
  if (outcome !== 'accepted') return { ok: false, text: '', error: refusal(outcome).message };
  return sink.done;
}
