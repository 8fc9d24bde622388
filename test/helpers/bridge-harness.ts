// Starts the real bridge (in-process or as a child process) against the project's fakes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { startApp, type RunningApp } from '../../src/app.js';
import { BRIDGE_NODE_FLAGS, builtBridge } from './built-bridge.js';
import { eventually } from './wait.js';

export { awsTestEnv } from './env.js';
export { eventually } from './wait.js';

export interface LogLines {
  readonly lines: string[];
  /** Parsed JSON log records. */
  records(): Record<string, unknown>[];
  /** Resolves with the first record matching, waiting for it if needed. */
  waitFor(predicate: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function logLines(): LogLines & { push(chunk: string): void } {
  const lines: string[] = [];
  let partial = '';
  const waiters: (() => void)[] = [];
  const records = () => lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  return {
    lines,
    records,
    push(chunk: string) {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.trim() !== ''));
      for (const wake of waiters.splice(0)) wake();
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records().find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no log record matched within ${timeoutMs} ms; last lines:\n${lines.slice(-15).join('\n')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
    },
  };
}

export interface InProcessBridge {
  readonly app: RunningApp;
  readonly url: string;
  readonly logs: LogLines;
  stop(): Promise<void>;
}

/**
 * Runs the bridge in this process. The AWS SDK reads its endpoint, region and
 * credential variables from process.env, so those are set there too.
 */
export async function startBridge(env: Record<string, string>): Promise<InProcessBridge> {
  for (const [key, value] of Object.entries(env)) if (key.startsWith('AWS_')) process.env[key] = value;
  const logs = logLines();
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  const app = await startApp({ env: { PORT: '0', LOG_LEVEL: 'debug', ...env }, logStream: stream });
  return { app, url: `http://127.0.0.1:${app.port}`, logs, stop: () => app.stop('test') };
}

/** A bridge with one platform enabled, on fakes that outlive its restarts. */
export interface BridgeRig {
  bridge: InProcessBridge;
  /** Starts a fresh bridge (empty in-memory state) on the same fakes. */
  restart(): Promise<InProcessBridge>;
  close(): Promise<void>;
}

/** Starts the bridge with `env`, waits for its only platform to connect, and closes `fakes` last. */
export async function startBridgeRig(env: Record<string, string>, connectTimeoutMs: number, fakes: Array<{ close(): Promise<void> }>): Promise<BridgeRig> {
  const launch = async () => {
    const bridge = await startBridge(env);
    await eventually(() => (bridge.app.platforms[0]?.connection.state === 'connected' ? true : undefined), connectTimeoutMs, 'platform connected');
    return bridge;
  };
  const rig: BridgeRig = {
    bridge: await launch(),
    async restart() {
      await rig.bridge.stop();
      rig.bridge = await launch();
      return rig.bridge;
    },
    async close() {
      await rig.bridge.stop();
      for (const fake of fakes) await fake.close();
    },
  };
  return rig;
}

export interface ChildBridge {
  readonly process: ChildProcessWithoutNullStreams;
  readonly logs: LogLines;
  /** Resolves once the server is listening; rejects if the process exits first. */
  readonly ready: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

/** Runs the bundle as `npm start` does (`node <BRIDGE_NODE_FLAGS> dist/main.js`) as a child process. */
export async function spawnBridge(env: Record<string, string>): Promise<ChildBridge> {
  const child = spawn(process.execPath, [...BRIDGE_NODE_FLAGS, await builtBridge()], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs = logLines();
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => logs.push(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = Promise.race([
    logs.waitFor((r) => r.message === 'runtime server listening', 20_000).then((r) => `http://127.0.0.1:${String(r.port)}`),
    exited.then(({ code }) => Promise.reject(new Error(`bridge exited with ${code} before listening; stderr:\n${stderr}\nstdout:\n${logs.lines.join('\n')}`))),
  ]);
  ready.catch(() => undefined);
  return { process: child, logs, ready, exited, stderr: () => stderr };
}

/** POSTs a JSON invocation and returns status and parsed body. */
export async function invoke(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function ping(url: string): Promise<{ status: string; time_of_last_update: number }> {
  const response = await fetch(`${url}/ping`);
  return (await response.json()) as { status: string; time_of_last_update: number };
}
