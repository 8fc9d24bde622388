// Socket Mode: single-use connection tickets, hello, server pings, envelope delivery and acks, faults.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { AckRecord, ConnectionInfo, ConnectionState, DisconnectReason, Envelope, SlackObserver } from './types.js';
import type { Waiters } from './wait.js';

interface Connection {
  id: number;
  ws: WebSocket;
  state: ConnectionState;
  openedAt: number;
  pingTimer?: NodeJS.Timeout;
  closeTimer?: NodeJS.Timeout;
}

export interface SocketModeOptions {
  appId: string;
  /** 0 turns server pings off; @slack/socket-mode only watches for them after the first one arrives. */
  serverPingIntervalMs: number;
  /**
   * Slack redelivers an envelope nobody acked (retry_attempt + 1, reason `timeout`), to any live
   * socket, up to three times; 0 turns this off.
   */
  ackRetryMs: number;
  waiters: Waiters;
  observer?: SlackObserver;
}

export class SocketModeServer {
  readonly acks: AckRecord[] = [];
  /** Every envelope frame written to a socket, in order, with the connection it went to. */
  readonly sent: Array<{ envelope: Envelope; connectionId: number; at: number }> = [];
  readonly #options: SocketModeOptions;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #connections = new Map<number, Connection>();
  readonly #tickets = new Set<string>();
  readonly #sentAt = new Map<string, { at: number; connectionId: number }>();
  #queue: Envelope[] = [];
  #baseUrl = '';
  #nextId = 1;
  #roundRobin = 0;
  #opened = 0;
  #refusing = false;
  #refusingWhile: () => boolean = () => false;
  #pinging = true;
  #pongs = 0;
  #stopped = false;
  #queueWhileDisconnected = true;
  #loseNextAck = false;

  constructor(options: SocketModeOptions) {
    this.#options = options;
  }

  listenOn(baseUrl: string): void {
    this.#baseUrl = baseUrl;
  }

  /** What apps.connections.open hands out; like Slack's, each ticket opens one socket only. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    return `${this.#baseUrl}/link/?ticket=${ticket}&app_id=${this.#options.appId}`;
  }

  get opened(): number {
    return this.#opened;
  }

  /** Answers to our pings: once one arrives, the client has seen a ping and armed its serverPingTimeout. */
  get pongs(): number {
    return this.#pongs;
  }

  /** Sockets that get events: open, not silent, not told to disconnect. */
  get liveCount(): number {
    return this.#live().length;
  }

  connections(): ConnectionInfo[] {
    return [...this.#connections.values()].map(({ id, state, openedAt }) => ({ id, state, openedAt }));
  }

  /** Upgrades are rejected with 503 while refusing, as an unreachable Slack edge would. */
  refuse(on: boolean): void {
    this.#refusing = on;
  }

  /** Refuses upgrades (503) while `during()` holds, e.g. for an outage's length. */
  refuseWhile(during: () => boolean): void {
    this.#refusingWhile = during;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (this.#refusing || this.#refusingWhile()) return reject(socket, '503 Service Unavailable');
    if (url.pathname.replace(/\/$/, '') !== '/link' || !this.#tickets.delete(ticket)) {
      return reject(socket, '401 Unauthorized');
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
  }

  /** To one live socket, round-robin as Slack spreads payloads; queued while none is live. */
  deliver(envelope: Envelope, connectionId?: number): void {
    if (connectionId !== undefined) {
      const target = this.#connections.get(connectionId);
      if (target?.state !== 'live') throw new Error(`fake Slack: connection ${connectionId} is not live`);
      return this.#send(target, envelope);
    }
    const live = this.#live();
    const target = live[this.#roundRobin++ % Math.max(live.length, 1)];
    if (target !== undefined) this.#send(target, envelope);
    else if (this.#queueWhileDisconnected) this.#queue.push(envelope);
  }

  /**
   * Off: events sent while no socket is open are dropped, as when Slack has given up retrying
   * an app that stayed away (catch-up has to find them).
   */
  setQueueWhileDisconnected(on: boolean): void {
    this.#queueWhileDisconnected = on;
  }

  waitForAck(envelopeId: string, timeoutMs: number, unref = false): Promise<{ latencyMs: number }> {
    const probe = (): { latencyMs: number } | undefined => {
      const ack = this.acks.find((a) => a.envelopeId === envelopeId && a.latencyMs !== null);
      return ack?.latencyMs == null ? undefined : { latencyMs: ack.latencyMs };
    };
    return this.#options.waiters.wait(probe, timeoutMs, `an ack of envelope ${envelopeId}`, { unref });
  }

  /** No close frame: the client only learns from the TCP close, as after a network cut. */
  dropConnections(): void {
    for (const connection of this.#connections.values()) {
      connection.ws.terminate();
      this.#forget(connection);
    }
  }

  /** Slack's frame, then the server closes the socket if the client has not already. */
  sendDisconnect(reason: DisconnectReason, closeAfterMs = 1000): void {
    for (const connection of this.#live()) {
      connection.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake' } }));
      connection.state = 'draining';
      connection.closeTimer = setTimeout(() => connection.ws.close(1001, reason), closeAfterMs);
    }
    this.#options.waiters.notify();
  }

  /**
   * The next ack to arrive is lost with its connection: the socket is cut as the ack comes in, so
   * Slack never records it and redelivers the envelope (retry_attempt + 1) to another live socket,
   * as when a connection dies between an app's ack and Slack's edge.
   */
  loseNextAck(): void {
    this.#loseNextAck = true;
  }

  /** Stops (or restarts) server pings on every socket while pongs keep flowing: tests serverPingTimeout. */
  setServerPings(on: boolean): void {
    this.#pinging = on;
    for (const connection of this.#live()) {
      clearInterval(connection.pingTimer);
      this.#startPings(connection);
    }
  }

  /**
   * Silent sockets stay open but stop reading: no pongs, acks or close handshake, and no pings or
   * events from us — a half-open connection. Sockets opened later are healthy, as after a NAT drop.
   */
  setSilent(on: boolean): void {
    for (const connection of this.#connections.values()) {
      if (on && connection.state === 'live') {
        connection.state = 'silent';
        clearInterval(connection.pingTimer);
        connection.ws.pause();
      } else if (!on && connection.state === 'silent') {
        connection.state = 'live';
        connection.ws.resume();
        this.#startPings(connection);
      }
    }
    this.#flush();
    this.#options.waiters.notify();
  }

  /**
   * Closes with a close frame and waits (up to graceMs) for the handshake. @slack/socket-mode's
   * disconnect() sends its close frame without waiting; cut before the reply, its SlackWebSocket
   * leaks a 30 s close-handshake timer that keeps a test process alive.
   */
  async close(graceMs = 1000): Promise<void> {
    this.#stopped = true;
    const open = [...this.#connections.values()];
    let timer: NodeJS.Timeout | undefined;
    const closed = open.map(
      (connection) =>
        new Promise<void>((resolve) => {
          connection.ws.once('close', () => resolve());
          if (connection.state === 'silent') connection.ws.resume();
          connection.ws.close(1001, 'fake Slack closing');
        }),
    );
    await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    this.dropConnections();
    this.#wss.close();
    this.#tickets.clear();
    this.#queue = [];
  }

  #live(): Connection[] {
    return [...this.#connections.values()].filter((c) => c.state === 'live');
  }

  #accept(ws: WebSocket): void {
    const connection: Connection = { id: this.#nextId++, ws, state: 'live', openedAt: Date.now() };
    this.#connections.set(connection.id, connection);
    this.#opened += 1;
    ws.on('message', (data, isBinary) => this.#onFrame(connection, data, isBinary));
    ws.on('pong', () => {
      this.#pongs += 1;
      this.#options.waiters.notify();
    });
    ws.on('close', () => this.#forget(connection));
    ws.on('error', () => this.#forget(connection));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.#connections.size,
        debug_info: { host: 'fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.#options.appId },
      }),
    );
    this.#startPings(connection);
    this.#flush();
    this.#options.waiters.notify();
  }

  #startPings(connection: Connection): void {
    const interval = this.#options.serverPingIntervalMs;
    if (interval > 0 && this.#pinging) connection.pingTimer = setInterval(() => connection.ws.ping(), interval);
  }

  #onFrame(connection: Connection, data: RawData, isBinary: boolean): void {
    const arrivedAt = performance.now();
    if (isBinary || connection.state === 'silent') return;
    let frame: unknown;
    try {
      frame = JSON.parse(toBuffer(data).toString('utf8'));
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null) return;
    const { envelope_id: envelopeId, payload } = frame as { envelope_id?: unknown; payload?: unknown };
    if (typeof envelopeId !== 'string') return;
    if (this.#loseNextAck) {
      this.#loseNextAck = false;
      connection.ws.terminate();
      this.#forget(connection);
      return;
    }
    const sent = this.#sentAt.get(envelopeId);
    const at = Date.now();
    this.acks.push({ envelopeId, payload, latencyMs: sent === undefined ? null : at - sent.at, connectionId: connection.id, at });
    this.#options.observer?.ackReceived?.(envelopeId, arrivedAt);
    this.#options.waiters.notify();
  }

  #send(connection: Connection, envelope: Envelope): void {
    const at = Date.now();
    this.#sentAt.set(envelope.envelope_id, { at, connectionId: connection.id });
    this.sent.push({ envelope, connectionId: connection.id, at });
    connection.ws.send(JSON.stringify(envelope));
    this.#options.observer?.envelopeSent?.(envelope.envelope_id, performance.now());
    this.#retryIfUnacked(envelope);
  }

  #retryIfUnacked(envelope: Envelope): void {
    const attempt = envelope.retry_attempt ?? 0;
    if (this.#options.ackRetryMs <= 0 || envelope.type !== 'events_api' || attempt >= 3) return;
    setTimeout(() => {
      if (this.#stopped || this.acks.some((a) => a.envelopeId === envelope.envelope_id)) return;
      this.deliver({ ...envelope, retry_attempt: attempt + 1, retry_reason: 'timeout' });
    }, this.#options.ackRetryMs).unref();
  }

  #flush(): void {
    const waiting = this.#queue;
    this.#queue = [];
    for (const envelope of waiting) this.deliver(envelope);
  }

  #forget(connection: Connection): void {
    if (connection.state === 'closed') return;
    connection.state = 'closed';
    clearInterval(connection.pingTimer);
    clearTimeout(connection.closeTimer);
    this.#connections.delete(connection.id);
    this.#options.waiters.notify();
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

function reject(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}
