/** Public types of the agent: what a caller passes in and gets back. */

/** A file the model should see, already downloaded and checked against Bedrock's limits. */
export interface ChatAttachment {
  /** image: an image block; document: a document block; text: inlined into the turn's text. */
  readonly kind: 'image' | 'document' | 'text';
  /** File name as the user gave it (the agent sanitises it for Converse). */
  readonly name: string;
  /**
   * Converse format: png|jpeg|gif|webp for images; pdf|csv|doc|docx|xls|xlsx|html|txt|md for
   * documents; for inlined text the fence language (json, python, ...) or 'text'.
   */
  readonly format: string;
  readonly bytes: Uint8Array;
}

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  /** Files of a user turn, kept so later turns can refer to them (within the history bounds). */
  readonly attachments?: readonly ChatAttachment[];
}

export interface ChatRequest {
  readonly conversationKey: string;
  /** Earlier turns, oldest first; the request's own user turn is `prompt`. */
  readonly history: readonly ChatTurn[];
  readonly prompt: string;
  /** Files sent with this turn. */
  readonly attachments?: readonly ChatAttachment[];
  /** Called with each piece of answer text as the model writes it. */
  readonly onDelta: (text: string) => void;
  readonly signal: AbortSignal;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

export interface ChatResult {
  /** The model's whole answer (what history keeps). */
  readonly text: string;
  readonly usage: UsageTotals;
  /** Short notes for the user about the turn (cut at the length limit, skipped files). */
  readonly notices?: readonly string[];
  /** The model that wrote the answer (the fallback when the primary was unavailable). */
  readonly modelId?: string;
  /**
   * A guardrail blocked the input or the answer; `text` is the guardrail's message. Only the
   * newest user input is evaluated on each call, so a blocked turn kept in history would reach
   * the model unchecked next time: callers should not keep it.
   */
  readonly guardrailIntervened?: boolean;
}

/** Anything that answers a chat turn; the core depends on this, not on Bedrock. */
export interface ChatAgent {
  reply(request: ChatRequest): Promise<ChatResult>;
}

export interface AgentStats {
  readonly modelId: string;
  /** Null when no BEDROCK_FALLBACK_MODEL_ID is set. */
  readonly fallbackModelId: string | null;
  requests: number;
  errors: number;
  inFlight: number;
  /** Turns a guardrail blocked (input or answer). */
  guardrailInterventions: number;
  /** Turns the fallback model answered because the primary was unavailable. */
  fallbackAnswers: number;
  /** Turns ended by a deadline: the model silent past the idle timeout, or the turn past its bound. */
  timeouts: number;
  readonly usage: UsageTotals;
}
