export { startRuntimeServer, type RuntimeServer, type RuntimeServerOptions } from './runtime-server.js';
export { HealthMonitor, pingStatusOf, isOutage, type PingStatus, type HealthSources, type HealthInputs, type PlatformHealthView } from './health.js';
export { StatusReport, type StatusSources, type AgentStatsView, type ChatPlatformName } from './status-report.js';
export { TaskRegistry } from './task-registry.js';
export { SessionRoles, type SessionRole, type RoleAction, type HandoverPayload, type HandoverResult, type TakeoverResult } from './session-roles.js';
export { ProcessStats, type ProcessSnapshot, type LoopDelay } from './process-stats.js';
