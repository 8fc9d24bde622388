/**
 * Every message of an answer carries Slack message metadata naming the user message it answers, so
 * "was this answered?" is read per message from Slack itself, across restarts and sessions (catch-up,
 * a claim's check), rather than guessed from the order of the bot's messages.
 */
export const answerEventType = 'bridge_answer';

export interface AnswerMetadata {
  readonly event_type: typeof answerEventType;
  readonly event_payload: { readonly answers: string; readonly part: number };
}

export function answerMetadata(answersTs: string, part: number): AnswerMetadata {
  return { event_type: answerEventType, event_payload: { answers: answersTs, part } };
}

/** The ts of the user message a bot message answers, if it says so. */
export function answeredTsOf(message: { readonly metadata?: unknown }): string | undefined {
  const metadata = message.metadata as { event_type?: unknown; event_payload?: { answers?: unknown } } | undefined;
  if (metadata?.event_type !== answerEventType) return undefined;
  const answers = metadata.event_payload?.answers;
  return typeof answers === 'string' ? answers : undefined;
}
