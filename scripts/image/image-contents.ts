// What the run image may hold, read from `docker inspect` and the exported filesystem on the host
// (no emulation, so these cost seconds). Each check throws with every offending path it found.
import { readFileSync } from 'node:fs';
import { BRIDGE_NODE_FLAGS } from '../../test/helpers/built-bridge.js';
import { docker, dockerOk, exportedPaths } from './docker-cli.js';

/** The command the image runs, as the Dockerfile's ENTRYPOINT and `npm start` give it (one list of flags). */
export const IMAGE_COMMAND = JSON.stringify(['node', ...BRIDGE_NODE_FLAGS, 'dist/main.js']);

export interface ImageFacts {
  readonly image: string;
  readonly sizeBytes: number;
  readonly paths: ReadonlySet<string>;
}

interface Lockfile { packages: Record<string, { dev?: boolean }> }
interface PackageJson { dependencies?: Record<string, string> }

/** Named in the issue; checked nested too, whatever the lockfile says. */
const FORBIDDEN_PACKAGES = ['typescript', 'tsx', 'eslint', 'aws-cdk', 'aws-cdk-lib', 'esbuild'];
/** Only these leave the Dockerfile's stages for /app. */
const APP_ENTRIES = new Set(['package.json', 'package-lock.json', 'dist', 'node_modules']);
const BUILD_TOOL = /^usr\/(local\/)?s?bin\/(gcc|g\+\+|cc|c\+\+|cpp|clang|clang\+\+|make|gmake|cmake|ld|as|python[0-9.]*|node-gyp)(-[0-9.]+)?$/;

function problem(what: string, found: string[]): void {
  if (found.length > 0) throw new Error(`${what}: ${found.slice(0, 20).join(', ')}${found.length > 20 ? ` and ${found.length - 20} more` : ''}`);
}

export async function readImageFacts(image: string): Promise<ImageFacts> {
  const size = Number((await dockerOk(['image', 'inspect', '--format', '{{.Size}}', image])).trim());
  const container = (await dockerOk(['create', '--platform', 'linux/arm64', image])).trim();
  try {
    return { image, sizeBytes: size, paths: new Set(await exportedPaths(container)) };
  } finally {
    await docker(['rm', '-f', container]);
  }
}

export async function checkImageConfig(image: string): Promise<void> {
  const format = '{{.Os}}/{{.Architecture}}|{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Env}}';
  const [platform, user, entrypoint, env] = (await dockerOk(['image', 'inspect', '--format', format, image])).trim().split('|');
  const wrong: string[] = [];
  if (platform !== 'linux/arm64') wrong.push(`platform ${platform}, want linux/arm64`);
  if (user !== '1000:1000') wrong.push(`user "${user}", want 1000:1000`);
  if (entrypoint !== IMAGE_COMMAND) wrong.push(`entrypoint ${entrypoint}, want ${IMAGE_COMMAND}`);
  if (env === undefined || !env.includes('"NODE_ENV=production"')) wrong.push(`env ${env} lacks NODE_ENV=production`);
  problem('image config', wrong);
}

/** /app is package.json, the lockfile, dist/ and node_modules: no src/, test/, .env or configs. */
export function checkAppTree(facts: ImageFacts): void {
  const top = [...facts.paths].filter((p) => p.startsWith('app/')).map((p) => p.split('/')[1]!);
  problem('unexpected entries in /app', [...new Set(top)].filter((entry) => entry !== '' && !APP_ENTRIES.has(entry)).map((e) => `/app/${e}`));
  if (!facts.paths.has('app/dist/main.js')) throw new Error('/app/dist/main.js is missing');
  problem('tests or TypeScript sources in /app/dist', [...facts.paths].filter((p) => p.startsWith('app/dist/') && /(\.test\.js|\.ts)$/.test(p) && !p.endsWith('.d.ts')));
  problem('.env files in the image', [...facts.paths].filter((p) => /(^|\/)\.env(\.|$)/.test(p)).map((p) => `/${p}`));
}

/** No package the lockfile marks dev-only, none of the named tools, and every runtime dependency. */
export function checkNodeModules(facts: ImageFacts, repoRoot: string): void {
  const lock = JSON.parse(readFileSync(`${repoRoot}/package-lock.json`, 'utf8')) as Lockfile;
  const pkg = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as PackageJson;
  const installed = [...facts.paths].filter((p) => p.startsWith('app/node_modules/') && p.endsWith('/package.json'))
    .map((p) => p.slice('app/'.length, -'/package.json'.length));
  const devOnly = new Set(Object.entries(lock.packages).filter(([path, entry]) => path !== '' && entry.dev === true).map(([path]) => path));
  problem('dev-only packages in /app/node_modules', installed.filter((path) => devOnly.has(path)));
  const named = new RegExp(`(^|/)node_modules/(${FORBIDDEN_PACKAGES.join('|')}|@esbuild/[^/]+|@typescript-eslint/[^/]+)$`);
  problem('build tools in /app/node_modules', installed.filter((path) => named.test(path)));
  problem('runtime dependencies missing from /app/node_modules', Object.keys(pkg.dependencies ?? {}).filter((name) => !installed.includes(`node_modules/${name}`)));
}

/** Like node:22-slim: a shell and node, but no compiler, make or python. */
export function checkSystemTools(facts: ImageFacts): void {
  problem('build tools in the image', [...facts.paths].filter((p) => BUILD_TOOL.test(p)).map((p) => `/${p}`));
  const needed = ['bin/sh', 'usr/local/bin/node', 'usr/local/bin/npm'];
  problem('missing from the image', needed.filter((p) => !facts.paths.has(p) && !facts.paths.has(`usr/${p}`)));
}
