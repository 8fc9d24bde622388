import type { Message } from 'discord.js';
import type { DiscordMessageView } from './discord-events.js';

/** The plain-data view of a discord.js Message that routing reads. */
export function toView(message: Message, botUserId: string): DiscordMessageView {
  const names = new Map<string, string>();
  for (const user of message.mentions.users.values()) names.set(user.id, user.globalName ?? user.username);
  for (const role of message.mentions.roles.values()) names.set(role.id, role.name);
  for (const channel of message.mentions.channels.values()) names.set(channel.id, 'name' in channel && channel.name !== null ? channel.name : channel.id);
  return {
    id: message.id,
    channelId: message.channelId,
    parentChannelId: message.channel.isThread() ? message.channel.parentId : null,
    guildId: message.guildId,
    content: message.content,
    type: message.type,
    authorId: message.author.id,
    authorName: message.author.globalName ?? message.author.username,
    authorIsBot: message.author.bot,
    mentionsBot: message.mentions.users.has(botUserId),
    repliesToBot: message.mentions.repliedUser?.id === botUserId,
    createdTimestamp: message.createdTimestamp,
    names,
    replyToId: message.reference?.messageId ?? null,
    files: [...message.attachments.values()].map((a) => ({ id: a.id, name: a.name, mimeType: a.contentType ?? 'application/octet-stream', sizeBytes: a.size, url: a.url })),
  };
}
