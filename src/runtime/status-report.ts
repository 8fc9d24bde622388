import type { Bridge, HistoryStats, PlatformConnection } from '../core/index.js';
import type { HealthMonitor } from './health.js';
import type { ProcessSnapshot } from './process-stats.js';
import type { TaskRegistry } from './task-registry.js';

/** The agent figures status shows (structurally the agent's own stats). */
export interface AgentStatsView {
  readonly modelId: string;
  readonly requests: number;
  readonly errors: number;
  readonly inFlight: number;
  /** Null (or absent) when no fallback model is configured. */
  readonly fallbackModelId?: string | null;
  readonly guardrailInterventions?: number;
  readonly fallbackAnswers?: number;
  readonly timeouts?: number;
  readonly usage: {
    readonly inputTokens: number;
    readonly outputTokens: number;
    readonly cacheReadInputTokens: number;
    readonly cacheWriteInputTokens: number;
  };
}

export type ChatPlatformName = 'slack' | 'discord';

export interface StatusSources {
  readonly imageVersion: string;
  readonly startedAt: number;
  readonly bridge: Bridge;
  readonly connections: Readonly<Record<ChatPlatformName, PlatformConnection>>;
  /** Extra per-platform figures an adapter reports (catch-up, liveness...). */
  readonly platformDetails?: Partial<Record<ChatPlatformName, () => Record<string, unknown>>>;
  readonly agentStats: () => AgentStatsView;
  readonly tasks: TaskRegistry;
  readonly health: HealthMonitor;
  readonly sessionId: () => string | null;
  /** The session's part in a rotation (idle, standby, taking_over, active, draining, drained). */
  readonly role: () => string;
  /** Memory and event-loop delay of this process. */
  readonly process?: () => ProcessSnapshot;
  /** What conversation history holds against its budget. */
  readonly history?: () => HistoryStats;
  /** Epoch ms that role began. */
  readonly roleSince?: () => number;
}

/** Builds the wire shapes of the keepalive and status actions (snake_case lives here only). */
export class StatusReport {
  constructor(private readonly sources: StatusSources) {}

  keepalive(): Record<string, unknown> {
    const { connections } = this.sources;
    return {
      ...this.#header(),
      platforms: { slack: connections.slack.state, discord: connections.discord.state },
    };
  }

  full(): Record<string, unknown> {
    const agent = this.sources.agentStats();
    const tasks = this.sources.tasks.counts();
    return {
      ...this.#header(),
      ...(this.sources.roleSince === undefined ? {} : { role_since: new Date(this.sources.roleSince()).toISOString() }),
      platforms: { slack: this.#platform('slack'), discord: this.#platform('discord') },
      agent: {
        model_id: agent.modelId,
        requests: agent.requests,
        errors: agent.errors,
        in_flight: agent.inFlight,
        fallback_model_id: agent.fallbackModelId ?? null,
        fallback_answers: agent.fallbackAnswers ?? 0,
        guardrail_interventions: agent.guardrailInterventions ?? 0,
        timeouts: agent.timeouts ?? 0,
        usage: {
          input_tokens: agent.usage.inputTokens,
          output_tokens: agent.usage.outputTokens,
          cache_read_input_tokens: agent.usage.cacheReadInputTokens,
          cache_write_input_tokens: agent.usage.cacheWriteInputTokens,
        },
      },
      bridge: { in_flight: this.sources.bridge.inFlight, queued: this.sources.bridge.queued, accepting: this.sources.bridge.accepting },
      tasks: { running: tasks.running, finished: tasks.finished },
      ...this.#memory(),
    };
  }

  #memory(): Record<string, unknown> {
    const process = this.sources.process?.();
    const history = this.sources.history?.();
    const loop = process?.eventLoopDelayMs;
    return {
      ...(process === undefined || loop === undefined
        ? {}
        : {
            process: {
              rss_bytes: process.rssBytes,
              heap_used_bytes: process.heapUsedBytes,
              heap_total_bytes: process.heapTotalBytes,
              external_bytes: process.externalBytes,
              array_buffers_bytes: process.arrayBuffersBytes,
              event_loop_delay_ms: { window_seconds: loop.windowSeconds, p50: loop.p50, p99: loop.p99, max: loop.max, worst_p99: loop.worstP99, worst_max: loop.worstMax },
            },
          }),
      ...(history === undefined
        ? {}
        : {
            history: {
              conversations: history.conversations,
              text_bytes: history.textBytes,
              file_bytes: history.fileBytes,
              held_bytes: history.heldBytes,
              budget_bytes: history.budgetBytes,
              files_dropped: history.filesDropped,
              conversations_dropped: history.conversationsDropped,
              conversations_evicted: history.conversationsEvicted,
            },
          }),
    };
  }

  /** A few plain lines for a person (the /status command), readable in Slack and Discord alike. */
  summary(): string {
    const agent = this.sources.agentStats();
    const uptime = formatDuration(Date.now() - this.sources.startedAt);
    const lines = [`Bot status: up ${uptime}, image ${this.sources.imageVersion}, ${this.sources.health.current().status}`];
    for (const name of ['slack', 'discord'] as const) {
      const snapshot = this.sources.connections[name].snapshot();
      const counters = this.sources.bridge.counters(name);
      lines.push(
        snapshot.state === 'disabled'
          ? `- ${name}: not configured`
          : `- ${name}: ${snapshot.state}, ${counters.received} messages, ${counters.answered} answered, ${counters.failed} failed, ${snapshot.reconnects} reconnects`,
      );
    }
    lines.push(`- model ${agent.modelId}: ${agent.requests} requests, ${agent.errors} errors, ${agent.usage.inputTokens} tokens in, ${agent.usage.outputTokens} out`);
    return lines.join('\n');
  }

  #header(): Record<string, unknown> {
    const health = this.sources.health.current();
    return {
      status: 'running',
      role: this.sources.role(),
      uptime_seconds: Math.floor((Date.now() - this.sources.startedAt) / 1000),
      image_version: this.sources.imageVersion,
      session_id: this.sources.sessionId(),
      ping_status: health.status,
      time_of_last_update: health.timeOfLastUpdate,
    };
  }

  #platform(name: ChatPlatformName): Record<string, unknown> {
    const snapshot = this.sources.connections[name].snapshot();
    const counters = this.sources.bridge.counters(name);
    // The adapter's figures first, so none of its keys can hide the connection's or the bridge's.
    return {
      ...(this.sources.platformDetails?.[name]?.() ?? {}),
      state: snapshot.state,
      since: snapshot.since,
      connected_since: snapshot.connectedSince,
      reconnects: snapshot.reconnects,
      last_error: snapshot.lastError,
      messages_received: counters.received,
      replies_sent: counters.answered,
      replies_failed: counters.failed,
      duplicates_dropped: counters.duplicates,
      ignored: counters.ignored,
      rate_limited: counters.rateLimited,
      queue_full: counters.queueFull,
      refusals_not_posted: counters.refusalsNotPosted,
      in_flight: counters.inFlight,
    };
  }
}

function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
