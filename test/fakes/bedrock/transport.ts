// One port for both HTTP versions: the SDK's default handler speaks h2c with prior knowledge,
// other clients HTTP/1.1, and there is no ALPN on cleartext to tell them apart, so we sniff.
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** One request/response pair, the same shape whichever HTTP version carried it. */
export interface Exchange {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  httpVersion: string;
  readBody(): Promise<Buffer>;
  respond(status: number, headers: Record<string, string>): void;
  /** Resolves once the bytes left for the socket, so a reset that follows cannot swallow them. */
  write(chunk: Uint8Array): Promise<void>;
  end(chunk?: Uint8Array | string): void;
  /** h2: RST_STREAM with INTERNAL_ERROR; HTTP/1.1 has no stream to reset, so the socket goes. */
  reset(): void;
  /** True once the peer or `close()` ended the exchange; writing then is pointless. */
  readonly gone: boolean;
  /** True once the status line went out; after that an error can only cut the response. */
  readonly started: boolean;
  /** Aborted when the client closes its stream or socket before the answer was finished. */
  readonly clientGone: AbortSignal;
}

export interface SniffingServer {
  url: string;
  close(): Promise<void>;
}

export async function startSniffingServer(handle: (exchange: Exchange) => void): Promise<SniffingServer> {
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  const h1 = http.createServer((req, res) => handle(fromHttp1(req, res)));
  const h2 = http2.createServer();
  h2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
  });
  h2.on('stream', (stream, headers) => handle(fromHttp2(stream, headers)));

  const server = net.createServer((socket) => {
    // As AWS's endpoints do: without it a keep-alive HTTP/1.1 client waits out Nagle (~40 ms) per answer.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client vanishing mid-answer is a scenario under test, not a crash of the fake.
    socket.on('error', () => undefined);
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, H2_PREFACE.length);
      const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && seen.length < H2_PREFACE.length) return;
      socket.off('data', onData);
      socket.pause();
      // The chosen server must read the bytes we peeked at as if they had never been taken.
      socket.unshift(seen);
      // http2 drains that buffer itself on the next tick, and resuming first would spill it to
      // nobody; the HTTP/1.1 parser only listens, so it needs the socket flowing again.
      if (isH2) {
        h2.emit('connection', socket);
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      h1.closeAllConnections();
      await closed;
    },
  };
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function fromHttp1(req: http.IncomingMessage, res: http.ServerResponse): Exchange {
  res.on('error', () => undefined);
  const clientGone = new AbortController();
  let resetByUs = false;
  // 'close' comes after a finished answer too; only an unfinished one we did not cut means the client left.
  res.on('close', () => {
    if (!res.writableFinished && !resetByUs) clientGone.abort();
  });
  return {
    clientGone: clientGone.signal,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: req.headers,
    httpVersion: req.httpVersion,
    readBody: () => readAll(req),
    respond: (status, headers) => void res.writeHead(status, headers),
    write: (chunk) => new Promise((resolve) => res.write(chunk, () => resolve())),
    end: (chunk) => void (chunk === undefined ? res.end() : res.end(chunk)),
    reset: () => {
      resetByUs = true;
      res.socket?.destroy();
    },
    get gone() {
      return res.destroyed || res.writableEnded || req.socket.destroyed;
    },
    get started() {
      return res.headersSent;
    },
  };
}

function fromHttp2(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): Exchange {
  stream.on('error', () => undefined);
  const clientGone = new AbortController();
  let resetByUs = false;
  // A client's RST_STREAM (even NO_ERROR, what its close() sends) comes as 'aborted', and the
  // writable side then counts as finished by 'close'; a dropped session comes as 'close' alone.
  stream.on('aborted', () => clientGone.abort());
  stream.on('close', () => {
    if (!stream.writableFinished && !resetByUs) clientGone.abort();
  });
  return {
    clientGone: clientGone.signal,
    method: String(headers[':method'] ?? 'GET'),
    path: String(headers[':path'] ?? '/'),
    headers,
    httpVersion: '2.0',
    readBody: () => readAll(stream),
    respond: (status, outHeaders) => stream.respond({ ':status': status, ...outHeaders }),
    write: (chunk) => new Promise((resolve) => stream.write(chunk, () => resolve())),
    end: (chunk) => void (chunk === undefined ? stream.end() : stream.end(chunk)),
    // Not stream.close(code): that ends the writable side first, so the client sees END_STREAM,
    // a clean end, and ignores the RST_STREAM behind it. destroy(error) sends INTERNAL_ERROR alone.
    reset: () => {
      resetByUs = true;
      stream.destroy(new Error('stream reset by the fake'));
    },
    get gone() {
      return stream.destroyed || stream.closed || stream.writableEnded;
    },
    get started() {
      return stream.headersSent;
    },
  };
}
