export type {
  PlatformName,
  InboundMessage,
  InboundFile,
  ConversationTurn,
  ReplySink,
  ReplyChannel,
  PreparedInput,
  ChatAgent,
  TurnObserver,
  TurnTrace,
  TurnPhase,
  TurnOutcome,
} from './types.js';
export type { ChatPlatform, PlatformHandoverState } from './chat-platform.js';
export { InvalidHandoverError } from './invalid-handover-error.js';
export { Bridge, userMessageFor, lateAnswerPrefix, type BridgeOptions, type SubmitOutcome, type PlatformCounters } from './bridge.js';
export { ConversationHistory, trimTurns, fitToTokenBudget, keepRecentAttachments, type HistoryLimits, type HistoryStats } from './conversation-history.js';
export { ConversationQueue, type PushOutcome } from './conversation-queue.js';
export { RefusalThrottle, refusalKey } from './refusal-throttle.js';
export { RecentIds } from './recent-ids.js';
export { PlatformConnection, describeError, type PlatformState, type PlatformConnectionSnapshot, type StateChange } from './platform-connection.js';
export { StreamedReply, WriteDeferredError, type MessageWriter, type PostInfo, type StreamedReplyOptions, type StreamedReplyState } from './streamed-reply.js';
export { splitMessage, splitAll, openFenceAt, closingReserve, type MessageSplit } from './split-message.js';
export { TtlCache } from './ttl-cache.js';
