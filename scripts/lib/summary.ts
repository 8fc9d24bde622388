// Renders the bot's keepalive/status answer for a person: one line per platform, the agent's
// counters, uptime and image version. Unknown or missing fields print as "-" rather than failing,
// so an older or newer bot still gets a readable summary.
import type { BotAnswer } from '../../infra/lambda/runtime-client.js';

export interface SummaryContext {
  readonly runtimeArn: string;
  readonly qualifier: string;
  readonly sessionId: string;
}

type Fields = Record<string, unknown>;

export function formatSummary(answer: BotAnswer, context: SummaryContext): string {
  const lines = [
    row('runtime', `${context.runtimeArn} (endpoint ${context.qualifier})`),
    row('session', context.sessionId),
    row('bot', `${answer.status}, up ${formatUptime(answer.uptime_seconds)}, image ${show(answer.image_version)}, ping ${show(answer.ping_status)}`),
  ];
  for (const [name, platform] of Object.entries(answer.platforms ?? {})) lines.push(row(name, formatPlatform(platform)));
  if (isFields(answer.agent)) lines.push(row('agent', formatAgent(answer.agent)));
  if (isFields(answer.tasks)) lines.push(row('tasks', Object.entries(answer.tasks).map(([k, v]) => `${k} ${show(v)}`).join(', ')));
  return lines.join('\n');
}

export function formatUptime(seconds: unknown): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '-';
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : m > 0 ? `${m}m ${pad(s)}s` : `${s}s`;
}

/** Keepalive answers carry a bare state; status answers an object with counters. */
function formatPlatform(platform: unknown): string {
  if (!isFields(platform)) return show(platform);
  const parts = [show(platform.state)];
  if (platform.connected_since) parts.push(`connected since ${show(platform.connected_since)}`);
  else if (platform.since) parts.push(`since ${show(platform.since)}`);
  parts.push(
    `reconnects ${show(platform.reconnects)}`,
    `received ${show(platform.messages_received)}`,
    `replies ${show(platform.replies_sent)}`,
  );
  if (platform.last_error) parts.push(`last error: ${show(platform.last_error)}`);
  return parts.join(', ');
}

function formatAgent(agent: Fields): string {
  const usage = isFields(agent.usage) ? agent.usage : {};
  return [
    `model ${show(agent.model_id)}`,
    `requests ${show(agent.requests)}`,
    `errors ${show(agent.errors)}`,
    `in flight ${show(agent.in_flight)}`,
    `tokens in ${show(usage.input_tokens)} / out ${show(usage.output_tokens)}` +
      ` (cache read ${show(usage.cache_read_input_tokens)}, write ${show(usage.cache_write_input_tokens)})`,
  ].join(', ');
}

function row(label: string, value: string): string {
  return `${label.padEnd(9)} ${value}`;
}

function show(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
