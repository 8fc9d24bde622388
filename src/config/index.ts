export {
  loadConfig,
  type Config,
  type SlackConfig,
  type DiscordConfig,
  type AgentConfig,
  type BridgeLimits,
  type SelfHealingConfig,
  type EnvSource,
  type LoadConfigOptions,
} from './load-config.js';
export { ConfigError } from './config-error.js';
export { defaultServiceName, type OtlpTarget, type TelemetryConfig } from './telemetry-config.js';
export { defaults, parseLogLevel } from './schema.js';
