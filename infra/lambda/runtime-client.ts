// One InvokeAgentRuntime call with a bot action, and the checks on its answer. Shared by the
// keepalive Lambda and the operator scripts so both judge "the bot is running" the same way.
import { InvokeAgentRuntimeCommand, StopRuntimeSessionCommand } from '@aws-sdk/client-bedrock-agentcore';
import type { BedrockAgentCoreClient } from '@aws-sdk/client-bedrock-agentcore';
import { assertSessionId } from './session-id.js';

/**
 * keepalive/status report (and activate an idle session); standby/handover/takeover move a session
 * through a rotation: standby (Slack only, Discord held back), handover (stop taking events, hand
 * the Discord gateway session over, drain), takeover (resume the handed-over gateway session).
 */
export type BotAction = 'keepalive' | 'status' | 'standby' | 'handover' | 'takeover';

/** Which runtime, which endpoint, which session. */
export interface RuntimeTarget {
  readonly runtimeArn: string;
  readonly qualifier: string;
  readonly sessionId: string;
}

/** What the bot's /invocations answers (only the fields every action shares are typed). */
export interface BotAnswer {
  readonly status: string;
  readonly uptime_seconds?: number;
  readonly image_version?: string;
  readonly session_id?: string;
  readonly ping_status?: string;
  readonly platforms?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export type DataPlaneClient = Pick<BedrockAgentCoreClient, 'send'>;

/** The runtime answered, but not with a running bot (or not with JSON at all). */
export class RuntimeAnswerError extends Error {
  constructor(message: string, readonly body?: string) {
    super(message);
    this.name = 'RuntimeAnswerError';
  }
}

/** `fields` go into the payload next to `action` (takeover's `handover`). */
export async function invokeAction(
  client: DataPlaneClient, target: RuntimeTarget, action: BotAction, fields: Readonly<Record<string, unknown>> = {},
): Promise<BotAnswer> {
  assertSessionId(target.sessionId, 'runtime session id');
  const response = await client.send(new InvokeAgentRuntimeCommand({
    agentRuntimeArn: target.runtimeArn,
    qualifier: target.qualifier,
    runtimeSessionId: target.sessionId,
    contentType: 'application/json',
    accept: 'application/json',
    payload: new TextEncoder().encode(JSON.stringify({ action, ...fields })),
  }));
  const body = response.response === undefined ? '' : await response.response.transformToString();
  if (response.statusCode !== undefined && response.statusCode >= 400) {
    throw new RuntimeAnswerError(`the bot answered ${action} with HTTP ${response.statusCode}: ${body.slice(0, 300)}`, body);
  }
  return parseAnswer(action, body);
}

/**
 * StopRuntimeSession. 'not_running' when AgentCore has no such session (already ended by idleness,
 * its maximum lifetime or an earlier stop): for a caller that wants it gone, that is success too.
 */
export async function stopSession(client: DataPlaneClient, target: RuntimeTarget): Promise<'stopped' | 'not_running'> {
  assertSessionId(target.sessionId, 'runtime session id');
  try {
    await client.send(new StopRuntimeSessionCommand({
      agentRuntimeArn: target.runtimeArn,
      qualifier: target.qualifier,
      runtimeSessionId: target.sessionId,
    }));
    return 'stopped';
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return 'not_running';
    throw error;
  }
}

export function parseAnswer(action: BotAction, body: string): BotAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RuntimeAnswerError(`the bot's ${action} answer is not JSON: ${body.slice(0, 300)}`, body);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { status?: unknown }).status !== 'string') {
    throw new RuntimeAnswerError(`the bot's ${action} answer has no status: ${body.slice(0, 300)}`, body);
  }
  return parsed as BotAnswer;
}

/** Throws unless the bot says it is running: anything else must reach the Errors metric. */
export function assertRunning(answer: BotAnswer): BotAnswer {
  if (answer.status !== 'running') {
    throw new RuntimeAnswerError(`the bot is not running: status=${answer.status}`, JSON.stringify(answer));
  }
  return answer;
}
