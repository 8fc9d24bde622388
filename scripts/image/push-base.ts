// Pushes the base image to the local registry as a real registry serves it: one gzip layer, a
// config and a manifest per platform, and a manifest list under the tag, so BuildKit picks the
// amd64 entry for the build stage and the arm64 entry for the run stage from one name.
// Usage: node --import tsx scripts/image/push-base.ts --registry URL --repository NAME --tag TAG
//   --node-version V --cache DIR --layer ARCH=ROOTFS.tar [--layer ...]
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

const MEDIA = {
  list: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

interface Blob { digest: string; size: number; mediaType: string }
interface Layer extends Blob { diffId: string; file: string }

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function hashing(hash: ReturnType<typeof createHash>, counter: { size: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      counter.size += chunk.length;
      done(null, chunk);
    },
  });
}

/** Gzips a rootfs tar once (cached beside its digests); the diff id is the uncompressed digest. */
async function gzipLayer(tarFile: string, cacheDir: string): Promise<Layer> {
  const file = join(cacheDir, `${basename(tarFile)}.gz`);
  const meta = `${file}.json`;
  if (existsSync(file) && existsSync(meta)) return JSON.parse(await readFile(meta, 'utf8')) as Layer;
  await mkdir(cacheDir, { recursive: true });
  const raw = createHash('sha256');
  const packed = createHash('sha256');
  const packedSize = { size: 0 };
  await pipeline(createReadStream(tarFile), hashing(raw, { size: 0 }), createGzip({ level: 1 }), hashing(packed, packedSize), createWriteStream(`${file}.partial`));
  await rename(`${file}.partial`, file);
  const layer: Layer = {
    mediaType: MEDIA.layer, file, size: packedSize.size,
    digest: `sha256:${packed.digest('hex')}`, diffId: `sha256:${raw.digest('hex')}`,
  };
  await writeFile(meta, JSON.stringify(layer));
  return layer;
}

class Registry {
  constructor(private readonly base: string, private readonly repository: string) {}

  private url(path: string): string {
    return `${this.base}/v2/${this.repository}/${path}`;
  }

  private async expect(response: Response, ok: number[], what: string): Promise<Response> {
    if (!ok.includes(response.status)) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
    return response;
  }

  async pushBlob(digest: string, body: Buffer): Promise<void> {
    const head = await fetch(this.url(`blobs/${digest}`), { method: 'HEAD' });
    if (head.status === 200) return;
    const started = await this.expect(await fetch(this.url('blobs/uploads/'), { method: 'POST' }), [202], 'start upload');
    const location = new URL(started.headers.get('location') ?? '', this.base);
    location.searchParams.set('digest', digest);
    await this.expect(await fetch(location, {
      method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' },
    }), [201], `upload ${digest}`);
  }

  async pushManifest(reference: string, mediaType: string, body: string): Promise<void> {
    await this.expect(await fetch(this.url(`manifests/${reference}`), {
      method: 'PUT', body, headers: { 'content-type': mediaType },
    }), [201], `manifest ${reference}`);
  }
}

/** The platform as the node image's own index lists it (arm64 images carry variant v8). */
function platformOf(arch: string): { architecture: string; os: string; variant?: string } {
  return arch === 'arm64' ? { architecture: 'arm64', os: 'linux', variant: 'v8' } : { architecture: arch, os: 'linux' };
}

async function pushPlatform(registry: Registry, arch: string, layer: Layer, nodeVersion: string) {
  const config = JSON.stringify({
    ...platformOf(arch),
    created: '1970-01-01T00:00:00Z',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${nodeVersion}`],
      Cmd: ['node'],
      WorkingDir: '/',
    },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: `scripts/image/base-image.sh: Debian bookworm essential + Node ${nodeVersion}` }],
  });
  const configBlob: Blob = { mediaType: MEDIA.config, digest: sha256(config), size: Buffer.byteLength(config) };
  await registry.pushBlob(layer.digest, await readFile(layer.file));
  await registry.pushBlob(configBlob.digest, Buffer.from(config));
  const manifest = JSON.stringify({
    schemaVersion: 2, mediaType: MEDIA.manifest, config: configBlob,
    layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
  });
  const digest = sha256(manifest);
  await registry.pushManifest(digest, MEDIA.manifest, manifest);
  return { mediaType: MEDIA.manifest, digest, size: Buffer.byteLength(manifest), platform: platformOf(arch) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      registry: { type: 'string' }, repository: { type: 'string' }, tag: { type: 'string' },
      'node-version': { type: 'string' }, cache: { type: 'string' }, layer: { type: 'string', multiple: true },
    },
  });
  const { registry: base, repository, tag, cache } = values;
  const nodeVersion = values['node-version'];
  const layers = values.layer ?? [];
  if (base === undefined || repository === undefined || tag === undefined || cache === undefined || nodeVersion === undefined || layers.length === 0) {
    throw new Error('usage: push-base.ts --registry URL --repository NAME --tag TAG --node-version V --cache DIR --layer ARCH=FILE...');
  }
  const registry = new Registry(base, repository);
  const manifests = [];
  for (const spec of layers) {
    const [arch, file] = spec.split('=');
    if (arch === undefined || file === undefined) throw new Error(`--layer wants ARCH=FILE, got ${spec}`);
    manifests.push(await pushPlatform(registry, arch, await gzipLayer(file, cache), nodeVersion));
  }
  const list = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.list, manifests });
  await registry.pushManifest(tag, MEDIA.list, list);
  process.stderr.write(`[image] pushed ${repository}:${tag} (${sha256(list)}) for ${manifests.map((m) => m.platform.architecture).join(', ')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[image] FAILED: pushing the base image: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
