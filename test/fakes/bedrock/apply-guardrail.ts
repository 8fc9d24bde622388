// ApplyGuardrail (`POST /guardrail/{id}/version/{version}/apply`, restJson1): a text checked
// against a guardrail with no model involved. Identifier and version are validated with the
// patterns Converse's guardrailConfig uses; a guardrail the account does not have is a 404
// ResourceNotFoundException (the errors listed in ApplyGuardrailCommand.d.ts of the SDK).
import type { Exchange } from './transport.js';
import { GUARDRAIL_ID, GUARDRAIL_VERSION } from './validate-request.js';
import { isRecord } from './validate.js';
import { sendError } from './wire.js';

const ROUTE = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/;

/** One ApplyGuardrail call as it reached the fake. */
export interface RecordedGuardrailCall {
  guardrailIdentifier: string;
  guardrailVersion: string;
  body: unknown;
}

export function matchApplyGuardrail(path: string): { guardrailIdentifier: string; guardrailVersion: string } | undefined {
  const match = ROUTE.exec(path.split('?')[0] ?? '');
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { guardrailIdentifier: decodeURIComponent(match[1]), guardrailVersion: decodeURIComponent(match[2]) };
}

/** Answers with action NONE; `known` (when given) lists the guardrail ids or ARNs that exist. */
export function answerApplyGuardrail(exchange: Exchange, call: RecordedGuardrailCall, known: readonly string[] | undefined): void {
  const { guardrailIdentifier: id, guardrailVersion: version, body } = call;
  if (!GUARDRAIL_ID.test(id)) return sendError(exchange, 400, 'ValidationException', `The value at guardrailIdentifier failed to satisfy constraint: Member must satisfy regular expression pattern: ${GUARDRAIL_ID.source}`);
  if (!GUARDRAIL_VERSION.test(version)) return sendError(exchange, 400, 'ValidationException', `The value at guardrailVersion failed to satisfy constraint: Member must satisfy regular expression pattern: ${GUARDRAIL_VERSION.source}`);
  const problem = contentProblem(body);
  if (problem !== undefined) return sendError(exchange, 400, 'ValidationException', problem);
  if (known !== undefined && !known.includes(id)) return sendError(exchange, 404, 'ResourceNotFoundException', `The guardrail ${id} version ${version} was not found.`);
  exchange.respond(200, { 'content-type': 'application/json' });
  exchange.end(JSON.stringify({
    usage: { topicPolicyUnits: 1, contentPolicyUnits: 1, wordPolicyUnits: 1, sensitiveInformationPolicyUnits: 1, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 },
    action: 'NONE',
    outputs: [],
    assessments: [],
  }));
}

function contentProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'The request body is not a JSON object.';
  if (body.source !== 'INPUT' && body.source !== 'OUTPUT') return 'The value at source must be one of INPUT, OUTPUT.';
  const content = body.content;
  if (!Array.isArray(content) || content.length === 0) return 'The content field must hold at least one block.';
  return undefined;
}
