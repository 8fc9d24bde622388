// The bot as `npm start` and the image run it: `npm run <script>` in a copy of exactly what the
// Dockerfile's build stage copies (so the build needs nothing else from the tree), with the
// repository's node_modules linked in. builtBridge() keeps one bundle per source state under
// node_modules/.cache/, shared by every test process, the bench and the recycle test.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Node's flags for the bridge, as the Dockerfile's ENTRYPOINT and `npm start` run it (a test checks all three agree). */
export const BRIDGE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=60'] as const;
/** What the Dockerfile's build stage copies before `npm run build`. */
export const BUILD_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'] as const;
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'bridge-build');
/** Older builds than this are removed when a new one is made (sources changed since). */
const KEEP_MS = 24 * 60 * 60 * 1000;

/**
 * Copies the build inputs into `dir`, links node_modules and runs `npm run <script>` there;
 * resolves with the entry, `<dir>/dist/main.js`.
 */
export async function stageBuild(dir: string, script: 'bundle' | 'build', timeoutMs = 180_000): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const input of BUILD_INPUTS) await cp(join(REPO_ROOT, input), join(dir, input), { recursive: true });
  await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const { code, output } = await run('npm', ['run', script, '--silent'], dir, timeoutMs);
  if (code !== 0) throw new Error(`npm run ${script} exited ${code}:\n${output}`);
  return join(dir, 'dist', 'main.js');
}

let built: Promise<string> | undefined;

/** The bundle `npm start` runs, built once per source state (about a second with esbuild). */
export function builtBridge(): Promise<string> {
  built ??= buildOnce();
  return built;
}

async function buildOnce(): Promise<string> {
  const dir = join(CACHE, await inputsHash());
  const entry = join(dir, 'dist', 'main.js');
  if (await exists(entry)) return entry;
  // Built aside, then renamed into place: a concurrent test process sees a whole build or none.
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  try {
    await stageBuild(staging, 'bundle');
    await rename(staging, dir).catch(async (error: unknown) => {
      if (!(await exists(entry))) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  await pruneOldBuilds(dir);
  return entry;
}

async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) {
    const path = join(REPO_ROOT, input);
    const files = (await stat(path)).isDirectory()
      ? (await readdir(path, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
      : [path];
    for (const file of files.sort()) hash.update(`${relative(REPO_ROOT, file)}\0`).update(await readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function pruneOldBuilds(keep: string): Promise<void> {
  for (const name of await readdir(CACHE)) {
    const path = join(CACHE, name);
    if (path === keep) continue;
    const { mtimeMs } = await stat(path);
    if (Date.now() - mtimeMs > KEEP_MS) await rm(path, { recursive: true, force: true });
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** Asynchronous on purpose: fakes may live in this process, and a blocking spawn would starve them. */
export function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
