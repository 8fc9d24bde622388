// Reads `.env` the way an operator who keeps settings there expects: the environment wins, the
// file fills in what is unset. The values go into the env given (process.env) because the AWS SDK
// reads its region, credentials and AWS_ENDPOINT_URL_* from there. Node's own parser
// (util.parseEnv, Node 20.12+), so no dependency.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as util from 'node:util';
import { fail, pass, skip } from './report.js';
import type { CheckResult } from './report.js';

export interface EnvFileResult {
  readonly result: CheckResult;
  /** The variables the file set (those the environment did not already have). */
  readonly filled: ReadonlySet<string>;
  readonly file: string;
}

export function applyEnvFile(path: string, env: NodeJS.ProcessEnv): EnvFileResult {
  const file = resolve(path);
  const filled = new Set<string>();
  if (!existsSync(file)) return { result: skip('.env', `no ${file}; using the environment only`), filled, file };
  const parseEnv = (util as { parseEnv?: (content: string) => NodeJS.Dict<string> }).parseEnv;
  if (parseEnv === undefined) {
    return { result: fail('.env', `${file} was not read: this Node (${process.version}) has no util.parseEnv`, 'use Node 20.12 or later, or export the variables yourself'), filled, file };
  }
  let parsed: NodeJS.Dict<string>;
  try {
    parsed = parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    return { result: fail('.env', `${file} could not be read (${(error as Error).message})`, 'fix its syntax (KEY=value lines) or pass --dotenv <path>'), filled, file };
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (value === undefined || env[key] !== undefined) continue;
    env[key] = value;
    filled.add(key);
  }
  const total = Object.keys(parsed).length;
  const detail = `${file}: ${filled.size} of ${total} variables used (a variable set in the environment wins over the file)`;
  return { result: pass('.env', detail), filled, file };
}
