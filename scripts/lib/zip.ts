// The work tree as a zip for CodeBuild's S3 source (CodeBuild reads zip, not tar). A few dozen
// lines of zip writing instead of a dependency; the Docker build applies .dockerignore itself, so
// this only leaves out what is large and never needed to build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** Never uploaded: dependencies, build output, VCS data and local secrets. */
export const SOURCE_EXCLUDES = ['node_modules', '.git', 'dist', 'infra/cdk.out', 'coverage', '.env'];

export function collectSourceFiles(root: string, excludes: readonly string[] = SOURCE_EXCLUDES): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = relative(root, path).split(sep).join('/');
      if (excludes.some((x) => name === x || name.startsWith(`${x}/`)) || /\.log$/.test(name)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(name);
    }
  };
  walk(root);
  return found.sort();
}

export function zipFiles(root: string, names: readonly string[]): Buffer {
  return createZip(names.map((name) => ({ name, data: readFileSync(join(root, name)), mode: statSync(join(root, name)).mode })));
}

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  readonly mode?: number;
}

export function createZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    // Shared part of the local and central headers: version 2.0, UTF-8 names, deflate, fixed date.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0);
    common.writeUInt16LE(0x0800, 2);
    common.writeUInt16LE(8, 4);
    common.writeUInt16LE(0, 6); // time 00:00
    common.writeUInt16LE((2020 - 1980) << 9 | 1 << 5 | 1, 8); // 2020-01-01: stable bytes for a stable tree
    common.writeUInt32LE(crc, 10);
    common.writeUInt32LE(compressed.length, 14);
    common.writeUInt32LE(entry.data.length, 18);
    common.writeUInt16LE(name.length, 22);
    common.writeUInt16LE(0, 24);
    const local = Buffer.concat([u32(0x04034b50), common, name, compressed]);
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(((entry.mode ?? 0o100644) & 0xffff) << 16 >>> 0, 4); // unix mode in external attributes
    tail.writeUInt32LE(offset, 8);
    // Central entry: made by unix 2.0, the shared part, no comment, then disk/attributes/offset.
    centrals.push(Buffer.concat([u32(0x02014b50), u16(0x0314), common, Buffer.alloc(2), tail, name]));
    locals.push(local);
    offset += local.length;
  }
  const central = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(central.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, central, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value, 0);
  return b;
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value, 0);
  return b;
}
