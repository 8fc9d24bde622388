// Builds and runs the processes under test: the real bot (the bundle `npm start` runs, run as the
// image runs it, with source maps on), the model-call baseline (bench/baseline-bot.ts) and the
// fixed-reply floor (bench/floor-bot.ts), both esbuild output, each with the inspector on 127.0.0.1
// unless asked not to.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { inheritedEnv, REPO_ROOT, stopChild } from '../test/fakes/agentcore/bot-process.js';
import { BRIDGE_NODE_FLAGS, builtBridge } from '../test/helpers/built-bridge.js';
import { Inspector, type HeapReading } from './inspector.js';

export type BotKind = 'bridge' | 'baseline' | 'floor';

export interface Builds {
  readonly entries: Record<BotKind, string>;
  /** Where the bridge came from: the shared `npm start` bundle, or the entry given. */
  readonly note: string;
  /** Removes the temporary directory (synchronously, so it also works on the way out). */
  cleanup(): void;
}

/**
 * The bridge: `bridgeEntry` when given (another build to compare; a .ts entry runs through tsx), else
 * the bundle `npm start` builds (test/helpers/built-bridge.ts, shared with the tests). The baseline
 * and the floor: esbuild output (their packages load from node_modules).
 */
export async function buildBots(bridgeEntry?: string): Promise<Builds> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const bridge = bridgeEntry ?? (await builtBridge());
  const note = bridgeEntry === undefined ? `bridge: the npm start bundle (${bridge})` : `bridge from ${bridgeEntry}`;
  const bundle = async (name: string): Promise<string> => {
    const outfile = join(dir, `${name}.js`);
    await build({ entryPoints: [join(REPO_ROOT, 'bench', `${name}.ts`)], outfile, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
    return outfile;
  };
  const [baseline, floor] = await Promise.all([bundle('baseline-bot'), bundle('floor-bot')]);
  return { entries: { bridge, baseline, floor }, note, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface BotProcess {
  readonly kind: BotKind;
  readonly pid: number;
  /** HTTP port of the bridge's runtime server (unused by the baseline). */
  readonly port: number;
  /** performance.now() just before spawn(). */
  readonly spawnedAt: number;
  /** Last lines of stdout and stderr, for error messages. */
  readonly output: string[];
  readonly exited: Promise<number | null>;
  rssBytes(): Promise<number>;
  /** The process's peak RSS so far (VmHWM): what AgentCore bills memory by. */
  peakRssBytes(): Promise<number>;
  /** User + system CPU time of the process so far (µs): process.cpuUsage() inside it, through the inspector. */
  cpuUs(): Promise<number>;
  heap(): Promise<HeapReading>;
  inspector(): Promise<Inspector>;
  stop(graceMs?: number): Promise<number | null>;
}

/** Besides the tokens and AWS settings startBot strips too: the bench sets these itself. */
const ALSO_STRIPPED = ['LOG_LEVEL', 'PORT', 'NODE_OPTIONS'];
const OUTPUT_KEPT = 60;

/** Node's arguments for an entry: the bridge's flags as the image runs it (the bare bots run node's defaults); tsx for a .ts entry. */
function nodeArgs(kind: BotKind, entry: string, inspect: boolean): string[] {
  return [...(inspect ? ['--inspect=127.0.0.1:0'] : []), ...(kind === 'bridge' ? BRIDGE_NODE_FLAGS : []), ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry];
}

async function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
}

export async function startBotProcess(kind: BotKind, entry: string, env: Record<string, string>, inspect = true): Promise<BotProcess> {
  const port = await freePort();
  const inherited = inheritedEnv(ALSO_STRIPPED);
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, nodeArgs(kind, entry, inspect), {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (line: string): void => {
    output.push(line);
    if (output.length > OUTPUT_KEPT) output.shift();
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.stdout === null || child.stderr === null || child.pid === undefined) throw new Error(`could not spawn ${kind}`);
  createInterface({ input: child.stdout }).on('line', keep);
  const inspectorUrl = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      keep(line);
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    if (!inspect) reject(new Error(`${kind} was started without the inspector`));
    void exited.then((code) => reject(new Error(`${kind} exited ${code} during start:\n${output.join('\n')}`)));
  });
  const pid = child.pid;
  let inspector: Promise<Inspector> | undefined;
  const connect = (): Promise<Inspector> => (inspector ??= inspectorUrl.then((url) => Inspector.connect(url)));
  if (inspect) await inspectorUrl;
  else inspectorUrl.catch(() => undefined);
  return {
    kind,
    pid,
    port,
    spawnedAt,
    output,
    exited,
    rssBytes: () => procStatusBytes(pid, 'VmRSS'),
    peakRssBytes: () => procStatusBytes(pid, 'VmHWM'),
    cpuUs: async () => {
      const usage = await (await connect()).cpuUsage();
      return usage.user + usage.system;
    },
    heap: async () => (await connect()).heapAfterGc(),
    inspector: connect,
    stop: async (graceMs = 15_000) => {
      if (inspector !== undefined) (await inspector.catch(() => undefined))?.close();
      return stopChild(child, exited, graceMs);
    },
  };
}
