// Gateway transport compression. `compress=zlib-stream` is one zlib context for the whole connection, each
// payload ending in a sync flush (the 00 00 ff ff suffix clients look for). IDENTIFY's `compress: true`
// instead deflates payloads one by one. discord.js asks for zlib-stream only when zlib-sync is installed.
import zlib from 'node:zlib';
import type { WebSocket } from 'ws';

export type Writer = (text: string) => void;

export function plainWriter(ws: WebSocket): Writer {
  return (text) => {
    if (ws.readyState === ws.OPEN) ws.send(text);
  };
}

export function perPayloadWriter(ws: WebSocket): Writer {
  return (text) => {
    if (ws.readyState === ws.OPEN) ws.send(zlib.deflateSync(text), { binary: true });
  };
}

/** Frames leave in the order written: each waits for the previous flush, since the zlib stream is shared. */
export function zlibStreamWriter(ws: WebSocket): { write: Writer; end: () => void } {
  const deflate = zlib.createDeflate({ chunkSize: 65_535 });
  let queue = Promise.resolve();
  const write: Writer = (text) => {
    queue = queue.then(
      () =>
        new Promise<void>((resolve) => {
          deflate.write(text);
          deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            // Paused mode: everything this flush produced is buffered by the time its callback runs.
            const chunks: Buffer[] = [];
            for (let chunk = deflate.read() as Buffer | null; chunk; chunk = deflate.read() as Buffer | null) chunks.push(chunk);
            if (ws.readyState === ws.OPEN && chunks.length > 0) ws.send(Buffer.concat(chunks), { binary: true });
            resolve();
          });
        }),
    );
  };
  return { write, end: () => deflate.destroy() };
}
