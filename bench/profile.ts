// Summarises a V8 .cpuprofile (from the inspector's Profiler) by self time: hottest functions and
// the modules they live in (our src/ files, or node_modules packages).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
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
    const module = moduleOf(url);
    const key = `${functionName || '(anonymous)'}  ${module}${url === '' ? '' : `:${lineNumber + 1}`}`;
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

function moduleOf(url: string): string {
  if (url === '') return '(native/vm)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith('node:')) return url;
  const ours = /\/(dist|src)\/(.+)$/.exec(url);
  return ours?.[2] !== undefined ? `src/${ours[2]}` : url.replace(/^file:\/\//, '');
}
