// Runs an operator script (scripts/<name>.ts) as its own process, the way `npm run <name>` does,
// with a clean environment: no inherited AWS settings, and temp paths for the outputs and state
// files so the repository's own files are never read or written.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../fakes/agentcore/bot-process.js';

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Made on first use, so a process that only needs runNode (the bench) leaves no directory behind.
let scratch: string | undefined;
function scratchDir(): string {
  if (scratch === undefined) {
    const dir = (scratch = mkdtempSync(join(tmpdir(), 'bridge-scripts-')));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

export function scratchFile(name: string): string {
  return join(scratchDir(), name);
}

/** The parent's environment minus anything AWS, chat or session related. */
export function cleanEnv(): Record<string, string> {
  const keep = Object.entries(process.env).filter(([key]) => !/^(AWS_|SLACK_|DISCORD_|SESSION_ID$|AGENTCORE_|KEEPALIVE_|CDK_|BRIDGE_)/.test(key));
  return {
    ...(Object.fromEntries(keep) as Record<string, string>),
    CDK_OUTPUTS_FILE: scratchFile('no-outputs.json'),
    BRIDGE_DEPLOY_STATE_FILE: scratchFile('no-state.json'),
    AWS_EC2_METADATA_DISABLED: 'true',
    DEPLOY_POLL_INTERVAL_MS: '20',
  };
}

export function runScript(name: string, args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ScriptResult> {
  return runNode(['--import', 'tsx', `scripts/${name}.ts`, ...args], env, timeoutMs);
}

/** Asynchronous on purpose: the fakes live in this process, and a blocking spawn would starve them. */
export function runNode(args: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ScriptResult> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.once('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}
