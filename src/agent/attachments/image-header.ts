/**
 * Reads an image's real format and size from its first bytes. Platforms report the mime type
 * the uploader's browser guessed; Converse (and Claude behind it) rejects an image whose bytes
 * do not match the format given, and any side over 8,000 px.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export interface ImageInfo {
  readonly format: ImageFormat;
  /** Undefined when the header is cut short or malformed. */
  readonly width: number | undefined;
  readonly height: number | undefined;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((value, i) => bytes[at + i] === value);
const ascii = (bytes: Uint8Array, at: number, text: string): boolean => startsWith(bytes, [...text].map((c) => c.charCodeAt(0)), at);

/** The format the bytes really are, or undefined when they are no image Converse takes. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return 'gif';
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'webp';
  return undefined;
}

export function readImageInfo(bytes: Uint8Array): ImageInfo | undefined {
  const format = sniffImageFormat(bytes);
  if (format === undefined) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = format === 'png' ? pngSize(view) : format === 'gif' ? gifSize(view) : format === 'webp' ? webpSize(bytes, view) : jpegSize(view);
  return { format, width: size?.[0], height: size?.[1] };
}

type Size = [width: number, height: number] | undefined;

// IHDR is always the first chunk: width and height big-endian at 16 and 20.
function pngSize(view: DataView): Size {
  return view.byteLength >= 24 ? [view.getUint32(16), view.getUint32(20)] : undefined;
}

// Logical screen descriptor right after the 6-byte signature, little-endian.
function gifSize(view: DataView): Size {
  return view.byteLength >= 10 ? [view.getUint16(6, true), view.getUint16(8, true)] : undefined;
}

// The first chunk after "RIFF....WEBP" says lossy (VP8), lossless (VP8L) or extended (VP8X).
function webpSize(bytes: Uint8Array, view: DataView): Size {
  if (ascii(bytes, 12, 'VP8X') && view.byteLength >= 30) return [1 + uint24(view, 24), 1 + uint24(view, 27)];
  if (ascii(bytes, 12, 'VP8L') && view.byteLength >= 25) {
    const bits = view.getUint32(21, true);
    return [1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff)];
  }
  if (ascii(bytes, 12, 'VP8 ') && view.byteLength >= 30) return [view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff];
  return undefined;
}

function uint24(view: DataView, at: number): number {
  return view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getUint8(at + 2) << 16);
}

// Walks the marker segments to the first start-of-frame (SOF0-SOF15 except DHT, JPG and DAC).
function jpegSize(view: DataView): Size {
  let at = 2;
  while (at + 9 <= view.byteLength) {
    if (view.getUint8(at) !== 0xff) return undefined;
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return [view.getUint16(at + 7), view.getUint16(at + 5)];
    }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2;
      continue;
    }
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}

/** Documents whose container has a signature: a file claiming the format must carry it. */
export function documentMagicMatches(format: string, bytes: Uint8Array): boolean {
  switch (format) {
    case 'pdf':
      return ascii(bytes, 0, '%PDF-');
    case 'docx':
    case 'xlsx':
      return startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]);
    case 'doc':
    case 'xls':
      return startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    default:
      return true;
  }
}
