// Starts the real bot (the bundle `npm start` runs, or any given entry) on 127.0.0.1 with PORT=0 and
// no platform tokens, and resolves once its "runtime server listening" log line names the port.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BRIDGE_NODE_FLAGS, builtBridge } from '../../helpers/built-bridge.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BotProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Every stdout/stderr line so far. */
  readonly output: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). */
  stop(graceMs?: number): Promise<number | null>;
}

export interface BotOptions {
  readonly env?: Record<string, string>;
  /** Node arguments; default runs the bundle as `npm start` does. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly startTimeoutMs?: number;
}

/** Variables that would give the bot real tokens or real AWS access in a test. */
const STRIPPED = /^(SLACK_|DISCORD_|BRIDGE_SECRET_ID$|AWS_|SESSION_ID$)/;

/** This process's environment without the variables above, nor any named in `alsoStripped`. */
export function inheritedEnv(alsoStripped: readonly string[] = []): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !STRIPPED.test(key) && !alsoStripped.includes(key)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). */
export async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export async function startBot(options: BotOptions = {}): Promise<BotProcess> {
  const inherited = inheritedEnv();
  const args = options.args ?? [...BRIDGE_NODE_FLAGS, await builtBridge()];
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...inherited, PORT: '0', LOG_LEVEL: 'info', AWS_EC2_METADATA_DISABLED: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start in time:\n${output.join('\n')}`)), options.startTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      const match = /"message":"runtime server listening".*?"port":(\d+)|"port":(\d+).*?"message":"runtime server listening"/.exec(line);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1] ?? match[2]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bot exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output,
    stop: (graceMs = 10_000) => stopChild(child, exited, graceMs),
  };
}
