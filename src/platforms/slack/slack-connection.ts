import type { PlatformState } from '../../core/index.js';

/** Socket Mode client events the bridge listens to. */
export const socketModeSignals = ['connecting', 'authenticated', 'connected', 'reconnecting', 'disconnecting', 'disconnected', 'close'] as const;
export type SocketModeSignal = (typeof socketModeSignals)[number];

/**
 * Maps a Socket Mode client event to our state. `close` and `disconnected` mean the socket went
 * away: unless we are stopping, the platform reconnects (connecting).
 */
export function slackStateFor(signal: SocketModeSignal, stopping: boolean): PlatformState | null {
  switch (signal) {
    case 'connecting':
    case 'reconnecting':
      return 'connecting';
    case 'connected':
      return 'connected';
    case 'close':
      return stopping ? null : 'connecting';
    case 'disconnected':
      return stopping ? 'disconnected' : 'connecting';
    case 'authenticated':
    case 'disconnecting':
      return null;
  }
}

/** Slack errors that no retry fixes: the token is wrong, revoked or its workspace gone. */
const authErrors = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'team_disabled', 'user_removed_from_team', 'not_allowed_token_type']);

export function isSlackAuthError(code: string | undefined): boolean {
  return code !== undefined && authErrors.has(code);
}
