// The controller's settings (from the Lambda's environment), its injected clients, and its errors.
import type { BotAnswer, DataPlaneClient, RuntimeTarget } from './runtime-client.js';
import type { RotationRecord, StateStore } from './rotation-state.js';
import { assertSessionId } from './session-id.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type LogLine = (entry: Record<string, unknown>) => void;

export interface RotationConfig {
  readonly runtimeArn: string;
  readonly qualifier: string;
  /** The session to keep alive before the state store has ever been written (the stack's SESSION_ID). */
  readonly seedSessionId: string;
  /** The runtime's lifecycleConfiguration.maxLifetime. */
  readonly maxLifetimeMs: number;
  /** Rotate once the current session's uptime reaches maxLifetime minus this. */
  readonly rotateBeforeMs: number;
  /** From the start of a rotation until the successor must report ready, or it is abandoned. */
  readonly standbyTimeoutMs: number;
  /** Between polls of a successor in standby and of a draining session. */
  readonly pollMs: number;
  /** A handed-over session is stopped after this even if it never says drained. */
  readonly drainTimeoutMs: number;
  /** How long the run that rotated waits for the old session to drain (later runs check again). */
  readonly drainWaitMs: number;
  /** How long a run's lease lasts without a write; longer than the Lambda timeout. */
  readonly leaseMs: number;
  readonly handoverAttempts: number;
  readonly takeoverAttempts: number;
  /** After the 1st, 2nd, 3rd (and later) unhealthy rotation that did not help, wait this long before the next. */
  readonly unhealthyBackoffMs: readonly number[];
}

export interface RotationDeps {
  readonly client: DataPlaneClient;
  readonly store: StateStore;
  readonly config: RotationConfig;
  readonly log: LogLine;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly newSessionId?: () => string;
  /** Epoch ms after which the run starts no new waiting (the Lambda's remaining time). */
  readonly deadline?: number;
  /** Who holds the lease; random per run by default. */
  readonly owner?: string;
}

export type RunOutcome = 'skipped' | 'kept_alive' | 'rotated' | 'rotation_pending';

export interface RunReport {
  readonly outcome: RunOutcome;
  readonly sessionId: string;
  readonly answer?: BotAnswer;
  readonly rotation?: RotationRecord;
  readonly stopped: readonly string[];
}

export class RotationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationConfigError';
  }
}

/** A rotation was abandoned (the old session stays current) or cannot finish yet; the Lambda reports an error. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

export const ROTATION_DEFAULTS = {
  maxLifetimeSeconds: 28800,
  rotateBeforeSeconds: 900,
  standbyTimeoutSeconds: 150,
  pollSeconds: 3,
  drainTimeoutSeconds: 300,
  drainWaitSeconds: 45,
  leaseSeconds: 420,
  handoverAttempts: 3,
  takeoverAttempts: 3,
  unhealthyBackoffSeconds: [300, 900, 3600],
} as const;

/**
 * The runtime, endpoint (default DEFAULT) and session the Lambda environment names: the plain
 * keepalive's target, the controller's seed. A bad ARN throws `ConfigError`, a bad SESSION_ID a SessionIdError.
 */
export function targetFromEnv(env: Env, ConfigError: new (message: string) => Error = RotationConfigError): RuntimeTarget {
  const runtimeArn = env.AGENTCORE_RUNTIME_ARN ?? '';
  if (!runtimeArn.startsWith('arn:')) throw new ConfigError(`AGENTCORE_RUNTIME_ARN must be the runtime ARN, got "${runtimeArn}"`);
  return { runtimeArn, qualifier: env.AGENTCORE_QUALIFIER || 'DEFAULT', sessionId: assertSessionId(env.SESSION_ID ?? '', 'SESSION_ID') };
}

/** The controller's settings from the Lambda environment (seconds; fractions allowed). */
export function rotationConfigFromEnv(env: Env): RotationConfig {
  const { runtimeArn, qualifier, sessionId: seedSessionId } = targetFromEnv(env);
  const seconds = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') return fallback * 1000;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new RotationConfigError(`${key} must be a positive number of seconds, got "${raw}"`);
    return Math.round(value * 1000);
  };
  const count = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new RotationConfigError(`${key} must be a whole number of at least 1, got "${raw}"`);
    return value;
  };
  const secondsList = (key: string, fallback: readonly number[]): number[] => {
    const raw = env[key];
    if (raw === undefined || raw.trim() === '') return fallback.map((value) => value * 1000);
    const values = raw.split(',').map((part) => Number(part.trim()));
    if (values.some((value) => !Number.isFinite(value) || value < 0)) {
      throw new RotationConfigError(`${key} must be comma-separated seconds (e.g. 300,900,3600), got "${raw}"`);
    }
    return values.map((value) => Math.round(value * 1000));
  };
  const config: RotationConfig = {
    runtimeArn,
    qualifier,
    seedSessionId,
    maxLifetimeMs: seconds('MAX_LIFETIME_SECONDS', ROTATION_DEFAULTS.maxLifetimeSeconds),
    rotateBeforeMs: seconds('ROTATE_BEFORE_SECONDS', ROTATION_DEFAULTS.rotateBeforeSeconds),
    standbyTimeoutMs: seconds('STANDBY_TIMEOUT_SECONDS', ROTATION_DEFAULTS.standbyTimeoutSeconds),
    pollMs: seconds('ROTATION_POLL_SECONDS', ROTATION_DEFAULTS.pollSeconds),
    drainTimeoutMs: seconds('DRAIN_TIMEOUT_SECONDS', ROTATION_DEFAULTS.drainTimeoutSeconds),
    drainWaitMs: seconds('DRAIN_WAIT_SECONDS', ROTATION_DEFAULTS.drainWaitSeconds),
    leaseMs: seconds('LEASE_SECONDS', ROTATION_DEFAULTS.leaseSeconds),
    handoverAttempts: count('HANDOVER_ATTEMPTS', ROTATION_DEFAULTS.handoverAttempts),
    takeoverAttempts: count('TAKEOVER_ATTEMPTS', ROTATION_DEFAULTS.takeoverAttempts),
    unhealthyBackoffMs: secondsList('UNHEALTHY_BACKOFF_SECONDS', ROTATION_DEFAULTS.unhealthyBackoffSeconds),
  };
  if (config.rotateBeforeMs >= config.maxLifetimeMs) {
    throw new RotationConfigError(`ROTATE_BEFORE_SECONDS (${config.rotateBeforeMs / 1000}) must be less than MAX_LIFETIME_SECONDS (${config.maxLifetimeMs / 1000})`);
  }
  return config;
}
