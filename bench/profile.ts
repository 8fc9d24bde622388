// Summarises a V8 .cpuprofile (from the inspector's Profiler) by self time: hottest functions and
// the modules they live in (our src/ files, or node_modules packages). Frames in the bundle are
// mapped back through its source maps, so bundled packages are told apart from our code.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export function summarizeProfile(raw: unknown, top = 25): string {
  const profile = raw as CpuProfile;
  const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const msPerHit = totalHits === 0 ? 0 : (profile.endTime - profile.startTime) / 1000 / totalHits;
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const original = originalOf(url, lineNumber, node.callFrame.columnNumber ?? 0);
    const module = moduleOf(original?.source ?? url);
    const line = original?.line ?? lineNumber;
    const key = `${functionName || '(anonymous)'}  ${original === undefined ? module : original.source.replace(/^(\.\.\/)+/, '')}${url === '' ? '' : `:${line + 1}`}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byModule.set(module, (byModule.get(module) ?? 0) + hits);
  }
  const list = (map: Map<string, number>, n: number): string[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, hits]) => `  ${((hits / totalHits) * 100).toFixed(1).padStart(5)}%  ${(hits * msPerHit).toFixed(0).padStart(6)} ms  ${key}`);
  return [`self time by module (${(totalHits * msPerHit).toFixed(0)} ms sampled):`, ...list(byModule, 15), 'hottest functions (self time):', ...list(byFunction, top)].join('\n');
}

const sourceMaps = new Map<string, SourceMap | null>();

/** Where a bundle frame came from, through the .map file beside the bundle (none for other files). */
function originalOf(url: string, line: number, column: number): { source: string; line: number } | undefined {
  if (!url.startsWith('file://') || !url.endsWith('.js')) return undefined;
  let map = sourceMaps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    sourceMaps.set(url, map);
  }
  const entry = map?.findEntry(line, column);
  if (entry === undefined || !('originalSource' in entry)) return undefined;
  return { source: entry.originalSource, line: entry.originalLine };
}

function moduleOf(url: string): string {
  if (url === '') return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/(dist|src)\/(.+)$/.exec(url);
  return ours?.[2] !== undefined ? `src/${ours[2]}` : url.replace(/^file:\/\//, '');
}
