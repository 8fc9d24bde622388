import type { Tool, ToolConfiguration } from '@aws-sdk/client-bedrock-runtime';

/** A tool the model may call; `run` gets the model's JSON input and returns JSON. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the input object. */
  readonly inputSchema: Record<string, unknown>;
  run(input: unknown): Promise<unknown>;
}

export type ToolOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Bounds a tool call so a stuck tool cannot hold a conversation. */
const toolTimeoutMs = 10_000;

export class ToolRegistry {
  readonly #tools = new Map<string, AgentTool>();

  constructor(tools: readonly AgentTool[] = []) {
    for (const tool of tools) this.#tools.set(tool.name, tool);
  }

  toToolConfiguration(): ToolConfiguration | undefined {
    if (this.#tools.size === 0) return undefined;
    const tools: Tool[] = [...this.#tools.values()].map((tool) => ({
      toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema as never } },
    }));
    return { tools };
  }

  async run(name: string, input: unknown): Promise<ToolOutcome> {
    const tool = this.#tools.get(name);
    if (tool === undefined) return { ok: false, error: `unknown tool "${name}"` };
    try {
      const value = await Promise.race([
        tool.run(input),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${toolTimeoutMs} ms`)), toolTimeoutMs).unref()),
      ]);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
