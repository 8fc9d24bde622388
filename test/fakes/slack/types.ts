// Shapes shared by the fake's modules. Wire names (snake_case) are Slack's own; the rest is ours.

export type ChannelType = 'channel' | 'group' | 'im' | 'mpim';

export interface FakeUser {
  id: string;
  name: string;
  realName: string;
  displayName: string;
  isBot: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  type: ChannelType;
  /** The other member of a DM. */
  user?: string;
  created: number;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

/** A message as Slack returns it from conversations.history/replies. */
export interface StoredMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  subtype?: string;
  client_msg_id?: string;
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  blocks?: unknown[];
  files?: unknown[];
  reactions?: Reaction[];
  edited?: { user: string; ts: string };
  /**
   * Set on chat.startStream messages; the values are our reading of the stop response type.
   * `expired`: Slack finalized the stream itself (lifetime or idle gap) and the message shows as a
   * broken stream until chat.update rewrites it (then `completed`).
   */
  streaming_state?: 'in_progress' | 'completed' | 'expired';
  /** Message metadata (`event_type`, `event_payload`); history and replies list it only with include_all_metadata. */
  metadata?: Record<string, unknown>;
  bot_profile?: Record<string, unknown>;
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
  /** Set when the fake refused the call at the HTTP level (429 over a rate limit, 5xx in an outage). */
  status?: number;
}

export interface AckRecord {
  envelopeId: string;
  payload: unknown;
  /** From the frame leaving the fake to the ack arriving; null for an envelope the fake never sent. */
  latencyMs: number | null;
  connectionId: number;
  at: number;
}

/**
 * Optional taps for the benchmark: called synchronously as things happen, `at` is performance.now()
 * in the process running the fake. Recording and behaviour are the same with or without them.
 */
export interface SlackObserver {
  /** An envelope frame was handed to a Socket Mode socket. */
  envelopeSent?(envelopeId: string, at: number): void;
  /** An ack frame arrived (`at` is taken before it is parsed). */
  ackReceived?(envelopeId: string, at: number): void;
  /** A Web API call was recorded; `at` is when its request reached the fake, before the body was read. */
  apiCall?(call: ApiCall, at: number): void;
}

export interface ResponseUrlPost {
  path: string;
  body: unknown;
  at: number;
}

export interface FailOptions {
  /** HTTP status; 429 adds Retry-After. Default 200 with `{ ok: false, error }`. */
  status?: number;
  /** Seconds for the Retry-After header. */
  retryAfter?: number;
  /** How many consecutive calls fail. Default 1. */
  times?: number;
}

export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export type ConnectionState = 'live' | 'silent' | 'draining' | 'closed';

export interface ConnectionInfo {
  id: number;
  state: ConnectionState;
  openedAt: number;
}

export interface Envelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands' | 'interactive';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface Delivery {
  eventId: string | null;
  envelopeId: string;
  /** Resolves when the app acks; rejects after the fake's ack timeout or on close. */
  acked: Promise<{ latencyMs: number }>;
}

export interface WorkspaceIds {
  teamId: string;
  appId: string;
  botUserId: string;
  botId: string;
}
