// The docker CLI as the image checks use it: the engine engine.sh started (DOCKER_HOST comes from
// lib.sh), Debian's client, and errors that carry the command and its stderr.
import { type ChildProcess, execFile, spawn } from 'node:child_process';

const DOCKER = process.env.IMAGE_DOCKER ?? '/usr/bin/docker';

export interface DockerResult { code: number; stdout: string; stderr: string }

/** Runs `docker ...args`; resolves even on a non-zero exit (check `code`). */
export function docker(args: string[], timeoutMs = 120_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile(DOCKER, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `docker ...args` and returns stdout, throwing with the command and stderr on failure. */
export async function dockerOk(args: string[], timeoutMs?: number): Promise<string> {
  const result = await docker(args, timeoutMs);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** Every path in a container's filesystem (`docker export`, read on the host: no emulation). */
export async function exportedPaths(container: string): Promise<string[]> {
  const exporter = spawn(DOCKER, ['export', container], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lister = spawn('tar', ['-t'], { stdio: ['pipe', 'pipe', 'pipe'] });
  exporter.stdout.pipe(lister.stdin);
  let listing = '';
  let errors = '';
  lister.stdout.on('data', (chunk: Buffer) => (listing += chunk.toString('utf8')));
  exporter.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  lister.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('close', resolve));
  const [exportCode, tarCode] = await Promise.all([exited(exporter), exited(lister)]);
  if (exportCode !== 0 || tarCode !== 0) throw new Error(`docker export ${container} | tar -t failed (${exportCode}/${tarCode}): ${errors.trim()}`);
  return listing.split('\n').filter((line) => line !== '').map((line) => line.replace(/^\.?\//, '').replace(/\/$/, ''));
}
