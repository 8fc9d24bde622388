export { BedrockAgent } from './bedrock-agent.js';
export { ToolRegistry, type AgentTool, type ToolOutcome } from './tool-registry.js';
export { currentTimeTool, bridgeStatusTool } from './builtin-tools.js';
export { ModelError, ModelThrottledError, ModelCutError, toModelError } from './model-errors.js';
export { toConverseMessages, type PromptOptions } from './converse-messages.js';
export {
  planAttachments,
  checkDownloaded,
  describeSkipped,
  isSkipped,
  type AttachmentPlan,
  type AcceptedFile,
  type CheckedAttachment,
  type FileMetadata,
  type SkippedDownload,
  type SkippedFile,
} from './attachments/index.js';
export type { PromptCachingMode } from './prompt-caching.js';
export type { ChatAgent, ChatAttachment, ChatRequest, ChatResult, ChatTurn, UsageTotals, AgentStats } from './types.js';
