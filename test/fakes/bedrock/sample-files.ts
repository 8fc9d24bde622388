// Minimal files with real headers, for tests of what reaches the model: only the bytes the
// bot and the fake inspect (signature, dimensions) are real; the pixel data is not.

/** A PNG signature and IHDR chunk declaring width x height. */
export function pngBytes(width = 64, height = 48, padding = 32): Uint8Array {
  const bytes = new Uint8Array(33 + padding);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24);
  return bytes;
}

/** SOI, an APP0 segment, then SOF0 declaring width x height. */
export function jpegBytes(width = 64, height = 48): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof0, ...new Array<number>(12).fill(0), 0xff, 0xd9]);
}

export function gifBytes(width = 64, height = 48): Uint8Array {
  const bytes = new Uint8Array(20);
  bytes.set([...'GIF89a'].map((c) => c.charCodeAt(0)));
  const view = new DataView(bytes.buffer);
  view.setUint16(6, width, true);
  view.setUint16(8, height, true);
  return bytes;
}

/** RIFF/WEBP with a VP8X (extended), VP8L (lossless) or 'VP8 ' (lossy) first chunk. */
export function webpBytes(width = 64, height = 48, chunk: 'VP8X' | 'VP8L' | 'VP8 ' = 'VP8X'): Uint8Array {
  const bytes = new Uint8Array(40);
  const ascii = (text: string, at: number) => bytes.set([...text].map((c) => c.charCodeAt(0)), at);
  ascii('RIFF', 0);
  ascii('WEBP', 8);
  ascii(chunk, 12);
  const view = new DataView(bytes.buffer);
  if (chunk === 'VP8X') {
    for (const [at, value] of [[24, width - 1], [27, height - 1]] as const) {
      bytes.set([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff], at);
    }
  } else if (chunk === 'VP8L') {
    bytes[20] = 0x2f;
    view.setUint32(21, ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), true);
  } else {
    bytes.set([0x9d, 0x01, 0x2a], 23);
    view.setUint16(26, width, true);
    view.setUint16(28, height, true);
  }
  return bytes;
}

export function pdfBytes(body = 'hello'): Uint8Array {
  return new TextEncoder().encode(`%PDF-1.4\n% ${body}\n%%EOF\n`);
}
