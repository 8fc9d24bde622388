export { BedrockAgent } from './bedrock-agent.js';
export { ToolRegistry, type AgentTool, type ToolOutcome } from './tool-registry.js';
export { currentTimeTool, bridgeStatusTool } from './builtin-tools.js';
export { ModelError, ModelThrottledError, ModelCutError, toModelError } from './model-errors.js';
export { toConverseMessages } from './converse-messages.js';
export type { ChatAgent, ChatRequest, ChatResult, ChatTurn, UsageTotals, AgentStats } from './types.js';
