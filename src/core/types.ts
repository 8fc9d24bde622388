/**
 * The whole contract between the platform-neutral core and the chat adapters.
 * Adapters turn platform events into InboundMessage and implement ReplySink;
 * the core owns dedupe, ordering, history and the agent call.
 */

export type PlatformName = 'slack' | 'discord' | 'invocation';

/** A file attached to an inbound message, as the platform describes it; downloaded by the adapter, at most once. */
export interface InboundFile {
  readonly id: string;
  readonly name: string;
  readonly mimeType: string;
  /** What the platform says; checked again while reading. */
  readonly sizeBytes: number;
  /** Where the platform serves it (never a URL taken from message text). */
  readonly url: string;
}

export interface InboundMessage {
  readonly platform: PlatformName;
  /** Carries its platform, e.g. `slack:C123:1700000000.000100`; only the adapter that made it parses it. */
  readonly conversationKey: string;
  /** Unique per platform; the dedupe key (Slack event ts, Discord snowflake). */
  readonly messageId: string;
  readonly authorId: string;
  readonly authorName?: string;
  readonly authorIsBot: boolean;
  /** What the model sees as this user's turn (the bot's own mention already stripped). */
  readonly text: string;
  readonly files?: readonly InboundFile[];
  /** The message this one replies to (Discord replies), for context. */
  readonly replyToMessageId?: string;
  /** Epoch ms when the platform says the message was sent. */
  readonly sentAt: number;
  /** Set by catch-up: the reply should say briefly that it comes late. */
  readonly late?: boolean;
  /** Extra fields for this message's log lines, chosen by our code (the runtime's session and request ids). */
  readonly logFields?: Readonly<Record<string, string>>;
}

import type { ChatAgent, ChatAttachment, ChatTurn } from '../agent/types.js';

/** One turn of a conversation as the model sees it. */
export type ConversationTurn = ChatTurn;
export type { ChatAgent, ChatAttachment };

/**
 * How a platform shows one answer. The core calls start once, append for each
 * delta, then exactly one of finish or fail. Implementations never throw to the
 * core for a failed platform call: they log it and carry on.
 */
export interface ReplySink {
  /** The model starts thinking: show that the bot is working (reaction, typing). */
  start(): Promise<void>;
  /** More answer text arrived. May buffer; never awaited per token by the core. */
  append(delta: string): void;
  /** The answer is complete: write the final text and clear the working indicator. */
  finish(): Promise<void>;
  /** The answer failed: show a short honest line (after any partial text). */
  fail(userMessage: string): Promise<void>;
}

/** What the core needs from whoever delivered a message, to answer it. */
export interface ReplyChannel {
  openReply(message: InboundMessage): ReplySink;
  /**
   * Optional: earlier turns of this conversation from the platform itself, used
   * when the history store has none (after a restart). Oldest first, bounded.
   */
  loadEarlierTurns?(message: InboundMessage): Promise<ConversationTurn[]>;
  /**
   * Optional: slow preparation of the user's turn (resolving names, fetching
   * files), run inside the conversation's queue so turns keep their order.
   */
  prepareInput?(message: InboundMessage, signal: AbortSignal): Promise<PreparedInput>;
}

/** The user's turn as the model will see it. */
export interface PreparedInput {
  readonly text: string;
  /** Files downloaded for this turn (images, documents, inlined text). */
  readonly attachments?: readonly ChatAttachment[];
  /** Short notes for the user (e.g. what was skipped), shown after the answer. */
  readonly notices?: readonly string[];
}


/** The stages of one turn a trace shows, in order: queue wait and input preparation, history, model, reply. */
export type TurnPhase = 'receive' | 'history' | 'model' | 'reply';

/** How a traced turn ended (the refusals never reach the model). */
export type TurnOutcome = 'answered' | 'failed' | 'queue_full';

/**
 * Optional port for observing turns (tracing, metrics); the bridge calls it when it is given one
 * and does no work for it otherwise. Implementations never throw to the core.
 */
export interface TurnObserver {
  /** A message was accepted; its trace starts in the `receive` phase. */
  begin(message: InboundMessage): TurnTrace;
}

export interface TurnTrace {
  /** The turn moved on to `phase`; the previous phase ends. */
  phase(phase: TurnPhase): void;
  /** The model's first delta arrived. */
  firstToken(): void;
  /** The model that answered and what the turn used. */
  model(modelId: string | undefined, usage: { readonly inputTokens: number; readonly outputTokens: number }): void;
  /** The turn is over; `error` says why a failed one failed (its code or name is kept, never its text). */
  end(outcome: TurnOutcome, error?: unknown): void;
}
