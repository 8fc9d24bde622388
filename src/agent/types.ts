/** Public types of the agent: what a caller passes in and gets back. */

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface ChatRequest {
  readonly conversationKey: string;
  /** Earlier turns, oldest first; the request's own user turn is `prompt`. */
  readonly history: readonly ChatTurn[];
  readonly prompt: string;
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
}

/** Anything that answers a chat turn; the core depends on this, not on Bedrock. */
export interface ChatAgent {
  reply(request: ChatRequest): Promise<ChatResult>;
}

export interface AgentStats {
  readonly modelId: string;
  requests: number;
  errors: number;
  inFlight: number;
  readonly usage: UsageTotals;
}
