/**
 * Gateway close codes after which no reconnect can help, with the fix an
 * operator needs. Every other code is resumed or re-identified by discord.js.
 */
const fatalCloseCodes: Readonly<Record<number, string>> = {
  4004: 'Discord rejected DISCORD_BOT_TOKEN (4004 authentication failed): reset the token under Developer Portal -> Bot and update the secret',
  4010: 'Discord rejected the shard configuration (4010 invalid shard)',
  4011: 'Discord requires sharding for this bot (4011 sharding required)',
  4012: 'Discord rejected the gateway version (4012 invalid API version)',
  4013: 'Discord rejected the intents (4013 invalid intents)',
  4014: 'Discord refused privileged intents (4014 disallowed intents): enable MESSAGE CONTENT INTENT under Developer Portal -> Bot -> Privileged Gateway Intents',
};

/** The operator-facing reason a close code is fatal, or null when discord.js will recover. */
export function fatalCloseReason(code: number): string | null {
  return fatalCloseCodes[code] ?? null;
}

/** Maps a login() rejection to the operator's fix. */
export function loginFailureReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'TokenInvalid' || /401|invalid token/i.test(message)) return fatalCloseCodes[4004] as string;
  if (code === 'DisallowedIntents' || /disallowed intents/i.test(message)) return fatalCloseCodes[4014] as string;
  return `Discord login failed: ${message}`;
}
