/**
 * Gateway close codes after which no reconnect can help, with the fix an
 * operator needs. discord.js does not reconnect after any of them
 * (discord.js/src/client/websocket/WebSocketManager.js, UNRECOVERABLE_CLOSE_CODES).
 * 4004 and 4014 are the operator's to fix; 4010-4013 are fixed by neither a retry
 * nor the operator's settings: the shard, version and intents we send are
 * built into this code, and a bot that outgrew one shard (4011) needs sharding,
 * which this bot does not do. Every other code is resumed or re-identified by
 * the library (@discordjs/ws WebSocketShard onClose).
 */
const finalCloseCodes: Readonly<Record<number, string>> = {
  4004: 'Discord rejected DISCORD_BOT_TOKEN (4004 authentication failed): reset the token under Developer Portal -> Bot and update the secret',
  4010: 'Discord rejected the shard configuration (4010 invalid shard)',
  4011: 'Discord requires sharding for this bot (4011 sharding required): this bridge runs one shard, which serves at most 2,500 guilds',
  4012: 'Discord rejected the gateway version (4012 invalid API version)',
  4013: 'Discord rejected the intents (4013 invalid intents)',
  4014: 'Discord refused privileged intents (4014 disallowed intents): enable MESSAGE CONTENT INTENT under Developer Portal -> Bot -> Privileged Gateway Intents',
};

export type CloseVerdict = { readonly final: true; readonly reason: string } | { readonly final: false };

/** Whether a gateway close ends Discord for good (with the operator's fix), or is one the library recovers from. */
export function closeVerdict(code: number): CloseVerdict {
  const reason = finalCloseCodes[code];
  return reason === undefined ? { final: false } : { final: true, reason };
}

/** A gateway close that ends the connection for good, as an error: discord.js's own message for it says less. */
export class FinalCloseError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(reason);
    this.name = 'FinalCloseError';
  }
}

/**
 * A failure no retry fixes: Discord refused the token (401 at REST, which
 * discord.js reports as TokenInvalid during login) or closed the gateway with a
 * final code. Everything else (5xx, timeouts, resets, DNS) is passing.
 */
export function isFinalDiscordFailure(error: unknown): boolean {
  if (error instanceof FinalCloseError) return true;
  const { code, status } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; status?: unknown };
  return status === 401 || code === 'TokenInvalid' || code === 'DisallowedIntents';
}

/** Maps a final failure to the operator's fix. */
export function finalFailureReason(error: unknown): string {
  if (error instanceof FinalCloseError) return error.message;
  const { code } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown };
  if (code === 'DisallowedIntents') return finalCloseCodes[4014] as string;
  if (isFinalDiscordFailure(error)) return finalCloseCodes[4004] as string;
  return `Discord login failed: ${error instanceof Error ? error.message : String(error)}`;
}
