import { z } from 'zod';
import { InvocationError } from './invocation-errors.js';

const identifier = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `${what} is required` : `${what} must be a string`) })
    .min(1, `${what} must not be empty`)
    .max(200, `${what} must be at most 200 characters`)
    .regex(/^[\w.:@-]+$/, `${what} may only contain letters, digits and . _ : @ -`);

const prompt = (maxChars: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'prompt is required' : 'prompt must be a string') })
    .refine((value) => value.trim().length > 0, 'prompt must not be empty')
    .refine((value) => value.length <= maxChars, `prompt must be at most ${maxChars} characters`);

/** What `handover` returned on the old session, passed as is; each platform checks its own part. */
const handoverPayload = z
  .object(
    {
      slack: z.null({ message: 'slack must be null (Slack passes no state)' }).optional(),
      discord: z.record(z.string(), z.unknown(), { message: 'discord must be an object or null' }).nullable().optional(),
    },
    { error: (issue) => (issue.input === undefined ? 'handover is required (send {} when there is nothing to hand over)' : 'handover must be an object') },
  )
  .strict();

export const invocationActions = ['keepalive', 'status', 'chat', 'start_task', 'check_status', 'standby', 'handover', 'takeover'] as const;

export function invocationSchema(maxPromptChars: number) {
  return z.discriminatedUnion('action', [
    z.object({ action: z.literal('keepalive') }),
    z.object({ action: z.literal('status') }),
    z.object({ action: z.literal('chat'), prompt: prompt(maxPromptChars), conversation_id: identifier('conversation_id').optional() }),
    z.object({ action: z.literal('start_task'), prompt: prompt(maxPromptChars), task_id: identifier('task_id').optional() }),
    z.object({ action: z.literal('check_status'), task_id: identifier('task_id') }),
    z.object({ action: z.literal('standby') }),
    z.object({ action: z.literal('handover') }),
    z.object({ action: z.literal('takeover'), handover: handoverPayload }),
  ]);
}

export type Invocation = z.output<ReturnType<typeof invocationSchema>>;

/**
 * Validates a parsed body. A body without `action` but with a `prompt` is a chat,
 * as AgentCore's own examples send it.
 */
export function parseInvocation(body: unknown, schema: ReturnType<typeof invocationSchema>): Invocation {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvocationError(400, 'body must be a JSON object, e.g. {"action":"status"} or {"prompt":"..."}');
  }
  const record = body as Record<string, unknown>;
  const action = record.action ?? ('prompt' in record ? 'chat' : undefined);
  if (action === undefined) throw new InvocationError(400, `missing "action" (one of ${invocationActions.join(', ')}) or "prompt"`);
  if (typeof action !== 'string') throw new InvocationError(400, 'action must be a string');
  if (!(invocationActions as readonly string[]).includes(action)) {
    throw new InvocationError(400, `unknown action "${action.slice(0, 50)}"; expected one of ${invocationActions.join(', ')}`);
  }
  const parsed = schema.safeParse({ ...record, action });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    const message = issue?.message ?? 'invalid request';
    throw new InvocationError(400, message.startsWith(field) || field === '' ? message : `${field}: ${message}`);
  }
  return parsed.data;
}
