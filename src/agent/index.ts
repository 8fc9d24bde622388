export { BedrockAgent } from './bedrock-agent.js';
export { ToolRegistry, type AgentTool } from './tool-registry.js';
export { currentTimeTool, bridgeStatusTool } from './builtin-tools.js';
export { ModelError, ModelCutError } from './model-errors.js';
export { toConverseMessages } from './converse-messages.js';
export { planAttachments, checkDownloaded, describeSkipped, isSkipped, type FileMetadata, type SkippedDownload } from './attachments/index.js';
export type { PromptCachingMode } from './prompt-caching.js';
export type { ChatAgent, ChatAttachment, ChatRequest, ChatResult, ChatTurn, UsageTotals, AgentStats } from './types.js';
