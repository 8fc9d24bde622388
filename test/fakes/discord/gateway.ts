// Gateway v10 over `ws`: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, and the faults tests ask for.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { type Writer, perPayloadWriter, plainWriter, zlibStreamWriter } from './compression.js';
import { asRecord } from './http.js';
import { type Conn, Intent, Session, VALID_INTENTS, shapeForIntents } from './sessions.js';
import type { DiscordStore } from './store.js';
import type { CloseRecord, DiscordObserver, GatewayCounts, GatewayOpRecord, SessionInfo, UpgradeRecord } from './types.js';

export const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Presence: 3, Voice: 4, Resume: 6, Reconnect: 7, RequestMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

const CLOSE_REASONS: Record<number, string> = {
  4000: 'Unknown error.', 4001: 'Unknown opcode.', 4002: 'Error while decoding payload.', 4003: 'Not authenticated.',
  4004: 'Authentication failed.', 4005: 'Already authenticated.', 4007: 'Invalid seq.', 4008: 'Rate limited.',
  4009: 'Session timed out.', 4010: 'Invalid shard.', 4011: 'Sharding required.', 4012: 'Invalid API version.',
  4013: 'Invalid intent(s).', 4014: 'Disallowed intent(s).',
};
// After these the session cannot be resumed: the client has to IDENTIFY (or give up).
const SESSION_ENDING = new Set([4004, 4007, 4009, 4010, 4011, 4012, 4013, 4014]);
// Discord's limit on what a client may send in one payload.
const MAX_INBOUND_BYTES = 4096;

export interface GatewayConfig {
  store: DiscordStore;
  token: string;
  heartbeatIntervalMs: number;
  disallowedIntents: number;
  sessionTimeoutMs: number;
  url: () => string;
  /** A 5xx the edge answers upgrades with during an outage. */
  outageStatus: () => number | undefined;
  changed: () => void;
  observer?: DiscordObserver;
}

interface LiveConn extends Conn {
  readonly socket: Duplex;
  readonly zlibStream: boolean;
  write: Writer;
  endWriter: () => void;
  closedBy: 'server' | undefined;
}

export class FakeGateway {
  readonly sessions = new Map<string, Session>();
  readonly ops: GatewayOpRecord[] = [];
  readonly closes: CloseRecord[] = [];
  readonly counts: GatewayCounts = { connections: 0, identifies: 0, readies: 0, resumes: 0, invalidSessions: 0, heartbeats: 0 };
  /** Every WebSocket upgrade request: its query string and whether it was let in. */
  readonly upgrades: UpgradeRecord[] = [];
  refusing = false;
  readonly #conns = new Set<LiveConn>();
  readonly #wss = new WebSocketServer({ noServer: true });
  #closed = false;

  constructor(private readonly config: GatewayConfig) {}

  /** Upgrade requests: `/?v=10&encoding=json[&compress=zlib-stream]`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const compress = url.searchParams.get('compress');
    const encoding = url.searchParams.get('encoding') ?? 'json';
    // The fake speaks JSON only; ETF or zstd would be garbage to the client, so refuse the upgrade outright.
    const supported = encoding === 'json' && (compress === null || compress === 'zlib-stream');
    const outage = this.config.outageStatus();
    const accepted = !this.refusing && outage === undefined && url.pathname === '/' && supported;
    this.upgrades.push({ at: Date.now(), query: url.search, accepted });
    this.config.changed();
    if (outage !== undefined) {
      socket.end(`HTTP/1.1 ${outage} Bad Gateway\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n`);
      return;
    }
    if (!accepted) {
      if (supported) return void socket.destroy();
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket, compress !== null, url.searchParams.get('v')));
  }

  #accept(ws: WebSocket, socket: Duplex, zlibStream: boolean, version: string | null): void {
    this.counts.connections += 1;
    const stream = zlibStream ? zlibStreamWriter(ws) : undefined;
    const conn: LiveConn = {
      id: this.counts.connections, ws, socket, zlibStream, session: null, silent: false, sentSeq: 0, closedBy: undefined,
      write: stream?.write ?? plainWriter(ws),
      endWriter: stream?.end ?? (() => undefined),
      // A silent socket writes nothing at all: no ACKs, dispatches, op 7 or op 9.
      send: (payload) => {
        if (conn.silent) return;
        conn.write(JSON.stringify(payload));
        const dispatch = payload as { op?: unknown; t?: unknown; d?: unknown };
        if (dispatch.op === Op.Dispatch) this.config.observer?.dispatchSent?.(String(dispatch.t), dispatch.d, performance.now());
      },
    };
    this.#conns.add(conn);
    ws.on('message', (data, isBinary) => this.#onMessage(conn, data, isBinary));
    ws.on('close', (code) => this.#onClose(conn, code));
    ws.on('error', () => undefined);
    conn.send({ op: Op.Hello, d: { heartbeat_interval: this.config.heartbeatIntervalMs }, s: null, t: null });
    if (version !== null && version !== '10') this.#close(conn, 4012);
    this.config.changed();
  }

  #onMessage(conn: LiveConn, data: RawData, isBinary: boolean): void {
    const text = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary || text.length > MAX_INBOUND_BYTES) return this.#close(conn, 4002);
    let payload: Record<string, unknown>;
    try {
      payload = asRecord(JSON.parse(text.toString('utf8')));
    } catch {
      return this.#close(conn, 4002);
    }
    const op = payload.op;
    const d = asRecord(payload.d);
    const { token: _token, ...withoutToken } = d;
    const detail = op === Op.Heartbeat ? { seq: payload.d, acked: !conn.silent } : op === Op.Identify || op === Op.Resume ? withoutToken : undefined;
    this.ops.push({ op: typeof op === 'number' ? op : -1, at: Date.now(), connection: conn.id, ...(detail === undefined ? {} : { detail }) });
    switch (op) {
      case Op.Heartbeat:
        this.counts.heartbeats += 1;
        conn.send({ op: Op.HeartbeatAck, d: null, s: null, t: null });
        break;
      case Op.Identify:
        this.#identify(conn, d);
        break;
      case Op.Resume:
        this.#resume(conn, d);
        break;
      case Op.Presence:
      case Op.Voice:
      case Op.RequestMembers:
        if (!conn.session) this.#close(conn, 4003);
        break;
      default:
        this.#close(conn, 4001);
    }
    this.config.changed();
  }

  #identify(conn: LiveConn, d: Record<string, unknown>): void {
    if (conn.session) return this.#close(conn, 4005);
    if (d.token !== this.config.token) return this.#close(conn, 4004);
    const intents = d.intents;
    if (typeof intents !== 'number' || (intents & ~VALID_INTENTS) !== 0) return this.#close(conn, 4013);
    if ((intents & this.config.disallowedIntents) !== 0) return this.#close(conn, 4014);
    // One shard is all the fake serves; /gateway/bot recommends exactly that.
    const shard = Array.isArray(d.shard) ? (d.shard as unknown[]) : [0, 1];
    if (shard[0] !== 0 || shard[1] !== 1) return this.#close(conn, 4010);
    // Payload compression only applies when the transport is not already a zlib stream.
    if (d.compress === true && !conn.zlibStream) conn.write = perPayloadWriter(conn.ws);
    const session = new Session(intents);
    this.sessions.set(session.id, session);
    this.#attach(conn, session);
    this.counts.identifies += 1;
    const { store } = this.config;
    session.push('READY', {
      v: 10, user: store.bot, user_settings: {}, relationships: [], private_channels: [], presences: [], guild_join_requests: [],
      guilds: [...store.guilds.keys()].map((id) => ({ id, unavailable: true })),
      session_id: session.id, session_type: 'normal', resume_gateway_url: this.config.url(), shard: [0, 1],
      application: { id: store.applicationId, flags: this.applicationFlags() },
      geo_ordered_rtc_regions: [], auth: {},
    });
    this.counts.readies += 1;
    if (intents & Intent.Guilds) for (const id of store.guilds.keys()) session.push('GUILD_CREATE', store.guildPayload(id) ?? {});
  }

  // The "_LIMITED" flags say a privileged intent is enabled in the portal, as for a bot in under 100 guilds.
  applicationFlags(): number {
    const enabled = (intent: number, flag: number): number => ((this.config.disallowedIntents & intent) === 0 ? flag : 0);
    return enabled(Intent.GuildPresences, 1 << 13) | enabled(Intent.GuildMembers, 1 << 15) | enabled(Intent.MessageContent, 1 << 19);
  }

  #resume(conn: LiveConn, d: Record<string, unknown>): void {
    if (conn.session) return this.#close(conn, 4005);
    if (d.token !== this.config.token) return this.#close(conn, 4004);
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    if (!session || session.invalid || !session.canReplayFrom(seq)) return this.#invalidSession(conn, false);
    if (seq > session.seq) {
      session.invalidate();
      return this.#close(conn, 4007);
    }
    // A session has one socket: a stale one still holding it is let go.
    const previous = session.conn as LiveConn | null;
    if (previous && previous !== conn) {
      previous.session = null;
      this.#close(previous, 4000);
    }
    conn.sentSeq = seq;
    this.#attach(conn, session);
    session.flush(conn);
    session.resumes += 1;
    this.counts.resumes += 1;
    session.push('RESUMED', {});
  }

  #attach(conn: LiveConn, session: Session): void {
    clearTimeout(session.expiry);
    session.conn = conn;
    conn.session = session;
  }

  #detach(conn: LiveConn, endSession: boolean): void {
    const session = conn.session;
    conn.session = null;
    if (!session || session.conn !== conn) return;
    session.conn = null;
    if (endSession) return session.invalidate();
    if (this.#closed) return;
    // Discord keeps a socketless session (and its missed events) for a few minutes, then drops it.
    session.expiry = setTimeout(() => {
      session.invalidate();
      this.config.changed();
    }, this.config.sessionTimeoutMs);
    session.expiry.unref();
  }

  #invalidSession(conn: LiveConn, resumable: boolean): void {
    this.counts.invalidSessions += 1;
    this.#detach(conn, !resumable);
    conn.send({ op: Op.InvalidSession, d: resumable, s: null, t: null });
  }

  #close(conn: LiveConn, code: number, reason = CLOSE_REASONS[code] ?? ''): void {
    conn.closedBy = 'server';
    if (SESSION_ENDING.has(code)) this.#detach(conn, true);
    conn.ws.close(code, reason);
  }

  #onClose(conn: LiveConn, code: number): void {
    this.#conns.delete(conn);
    conn.endWriter();
    const by = conn.closedBy ?? (code === 1005 || code === 1006 ? 'none' : 'client');
    this.closes.push({ connection: conn.id, code, at: Date.now(), by });
    // A client closing with 1000/1001 ends its session (and the bot shows offline); other codes keep it.
    this.#detach(conn, by === 'client' && (code === 1000 || code === 1001));
    this.config.changed();
  }

  /** Sends an event to every live session whose intents allow it, buffering it for socketless ones. */
  dispatch(event: string, data: Record<string, unknown>): void {
    for (const session of this.sessions.values()) {
      if (session.invalid) continue;
      const shaped = shapeForIntents(event, data, session.intents, this.config.store.bot.id);
      if (shaped) session.push(event, shaped);
    }
    this.config.changed();
  }

  closeAll(code: number, reason?: string): void {
    for (const conn of this.#conns) this.#close(conn, code, reason);
  }

  dropAll(): void {
    for (const conn of this.#conns) conn.ws.terminate();
  }

  sendReconnect(): void {
    for (const conn of this.#conns) conn.send({ op: Op.Reconnect, d: null, s: null, t: null });
  }

  invalidateSessions(resumable: boolean): void {
    for (const conn of this.#conns) if (conn.session) this.#invalidSession(conn, resumable);
    if (!resumable) for (const session of this.sessions.values()) session.invalidate();
    this.config.changed();
  }

  requestHeartbeat(): void {
    for (const conn of this.#conns) conn.send({ op: Op.Heartbeat, d: null, s: null, t: null });
  }

  /**
   * Silences the sockets open now (later ones are healthy). `halfOpen` also stops reading, so even the
   * client's close frame goes unanswered, like a dead TCP path; plain silence still completes a close.
   */
  setSilent(silent: boolean, halfOpen = false): void {
    for (const conn of this.#conns) {
      conn.silent = silent;
      if (silent && halfOpen) conn.socket.pause();
      if (!silent) {
        conn.socket.resume();
        conn.session?.flush(conn);
      }
    }
  }

  sessionInfo(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => ({
      id: s.id, seq: s.seq, intents: s.intents, connected: s.conn !== null, resumes: s.resumes, invalid: s.invalid, buffered: s.buffered,
    }));
  }

  close(): void {
    this.#closed = true;
    for (const conn of this.#conns) conn.ws.terminate();
    for (const session of this.sessions.values()) clearTimeout(session.expiry);
    this.#wss.close();
  }
}
