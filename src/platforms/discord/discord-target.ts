import type { InboundMessage } from '../../core/index.js';

/**
 * Where a Discord conversation lives: a channel (a thread and a DM are
 * channels too), or one user's private /ask answers in a channel, which keep a
 * history apart from the channel's.
 */
export interface DiscordConversation {
  readonly channelId: string;
  /** Set for /ask private: the user the answers are for. */
  readonly privateTo?: string;
}

const prefix = 'discord:';
const privateMarker = ':private:';

/** The conversation key the core files history under: `discord:<channel>` or `discord:<channel>:private:<user>`. */
export function encodeDiscordConversation(conversation: DiscordConversation): string {
  return conversation.privateTo === undefined ? `${prefix}${conversation.channelId}` : `${prefix}${conversation.channelId}${privateMarker}${conversation.privateTo}`;
}

/** The conversation a key made by encodeDiscordConversation names; a key it did not make is a bug, so it throws. */
export function decodeDiscordConversation(key: string): DiscordConversation {
  const match = /^discord:([^:]+)(?::private:([^:]+))?$/.exec(key);
  if (match === null) throw new Error(`not a Discord conversation key: ${key}`);
  const [, channelId = '', privateTo] = match;
  return privateTo === undefined ? { channelId } : { channelId, privateTo };
}

/** The channel a message routed on Discord was sent in. */
export function discordChannelOf(message: InboundMessage): string {
  return decodeDiscordConversation(message.conversationKey).channelId;
}
