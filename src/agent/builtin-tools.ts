import type { AgentTool } from './tool-registry.js';

/** The real current time, optionally in an IANA time zone. */
export const currentTimeTool: AgentTool = {
  name: 'current_time',
  description: 'Returns the current date and time (ISO 8601 UTC, and in the given IANA time zone if one is passed).',
  inputSchema: {
    type: 'object',
    properties: { time_zone: { type: 'string', description: 'IANA time zone, e.g. Europe/Berlin' } },
  },
  run(input: unknown) {
    const now = new Date();
    const zone = typeof input === 'object' && input !== null ? (input as { time_zone?: unknown }).time_zone : undefined;
    const result: Record<string, string> = { utc: now.toISOString() };
    if (typeof zone === 'string' && zone !== '') {
      try {
        result[zone] = new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(now);
      } catch {
        result.error = `unknown time zone "${zone}"`;
      }
    }
    return Promise.resolve(result);
  },
};

/** Lets the model report the bot's own state (platforms, uptime, version). */
export function bridgeStatusTool(readStatus: () => unknown): AgentTool {
  return {
    name: 'bridge_status',
    description: "Returns this chat bot's own status: uptime, image version, chat platform connections and model usage.",
    inputSchema: { type: 'object', properties: {} },
    run: () => Promise.resolve(readStatus()),
  };
}
