// Public shapes of the fake Discord: what tests configure, drive and read back.
import type { APIMessage } from 'discord-api-types/v10';

/** A user as tests describe one; the fake fills in the rest of Discord's user object. */
export interface FakeUserSpec {
  id: string;
  username: string;
  bot?: boolean;
  globalName?: string;
}

export interface FakeChannelSpec {
  id: string;
  name: string;
}

export interface FakeGuildSpec {
  id: string;
  name: string;
  /** Text channels (type 0). */
  channels: FakeChannelSpec[];
  /** Users who are members besides the bot; a message author is made a member on first use. */
  members?: FakeUserSpec[];
}

export interface FakeDiscordOptions {
  /** Default: a random token shaped like a bot token for the bot user id. */
  token?: string;
  /** Default `{ id: '100000000000000001', username: 'fake-bot' }`. */
  botUser?: { id: string; username: string };
  /** Default: the bot user id, as for applications created since 2020. */
  applicationId?: string;
  /** Default: one guild `200000000000000001` with text channel `300000000000000001` (#general). */
  guilds?: FakeGuildSpec[];
  /** HELLO's `heartbeat_interval`; Discord sends 41250. */
  heartbeatIntervalMs?: number;
  /** Intents the "developer portal" has not enabled: IDENTIFY asking for any of them gets 4014. */
  disallowedIntents?: number;
  /** Session starts (IDENTIFYs) already used today, out of 1000: `/gateway/bot` counts down from here. */
  sessionStartsUsed?: number;
  /** How long a session without a socket stays resumable (Discord: "a few minutes"). Default 120 s. */
  sessionTimeoutMs?: number;
  /** Per-bucket quota reported in X-RateLimit-* and enforced with 429. Default 50 per 1000 ms. */
  rateLimit?: { limit: number; windowMs: number };
  /** Discord answers an interaction callback only within 3 s of INTERACTION_CREATE. */
  interactionAckWindowMs?: number;
  /** High-resolution taps (the benchmark's); nothing changes without them. */
  observer?: DiscordObserver;
}

/**
 * Optional taps for the benchmark: called synchronously as things happen, `at` is performance.now()
 * in the process running the fake. Recording and behaviour are the same with or without them.
 */
export interface DiscordObserver {
  /** A dispatch (op 0) was handed to a gateway socket's writer. */
  dispatchSent?(event: string, data: unknown, at: number): void;
  /** A REST request's body was read; `at` is when the request reached the fake, before that. */
  restRequest?(request: { method: string; path: string; body: unknown }, at: number): void;
}

/** One REST call as the fake answered it; `path` is below `/api/v10`. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Parsed JSON, or `payload_json` of a multipart body; undefined without a body. */
  body: unknown;
  files: RecordedFile[];
  status: number;
  at: number;
}

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
}

/** Which requests `rateLimitNext` answers with 429: exact path below `/api/v10`, or a pattern. */
export interface RouteMatch {
  method?: string;
  path: string | RegExp;
}

export interface FakeAttachmentSpec {
  filename: string;
  contentType?: string;
  /** Served by the fake at the attachment's `url`. */
  data?: string | Buffer;
}

export interface UserMessageInput {
  /** Default: the first guild's first channel. */
  channelId?: string;
  /** Default: the guild that owns `channelId`; DM channels have none. */
  guildId?: string;
  /** Default: alice (`400000000000000001`). */
  author?: FakeUserSpec;
  content: string;
  /** Put the bot in `mentions` even when the content has no `<@BOTID>`. */
  mentionsBot?: boolean;
  /** Makes it a reply (type 19) to this message id in the same channel. */
  replyTo?: string;
  attachments?: FakeAttachmentSpec[];
  type?: number;
}

export interface InteractionInput {
  commandName: string;
  options?: Array<{ name: string; type: number; value: string | number | boolean }>;
  /** Default: the first guild's first channel. */
  channelId?: string;
  user?: FakeUserSpec;
}

export interface SentInteraction {
  id: string;
  token: string;
  applicationId: string;
  channelId: string;
}

export interface SessionInfo {
  id: string;
  seq: number;
  intents: number;
  connected: boolean;
  /** Successful RESUMEs of this session. */
  resumes: number;
  invalid: boolean;
  /** Dispatches kept for replay. */
  buffered: number;
}

export interface GatewayOpRecord {
  op: number;
  at: number;
  connection: number;
  /** Heartbeat: `{ seq, acked }`; IDENTIFY and RESUME: their `d` without the token. */
  detail?: unknown;
}

export interface UpgradeRecord {
  at: number;
  /** e.g. `?v=10&encoding=json`. */
  query: string;
  accepted: boolean;
}

export interface CloseRecord {
  connection: number;
  code: number;
  at: number;
  /** Who sent the close frame; 'none' when the TCP socket just went away. */
  by: 'server' | 'client' | 'none';
}

export interface GatewayCounts {
  connections: number;
  identifies: number;
  readies: number;
  resumes: number;
  invalidSessions: number;
  heartbeats: number;
}

export type StoredMessage = APIMessage;
