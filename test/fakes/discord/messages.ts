// Building message objects and validating message bodies with Discord's limits and error codes.
import type { APIAttachment, APIEmbed, APIMessage, APIUser } from 'discord-api-types/v10';
import { ApiError, asRecord, invalidForm } from './http.js';
import type { ChannelState, DiscordStore } from './store.js';

export const MAX_CONTENT = 2000;
/** Discord's nonce limit: a longer one is 50035 NONCE_TYPE_TOO_LONG. */
export const MAX_NONCE = 25;
const MAX_EMBEDS = 10;
const MAX_EMBED_DESCRIPTION = 4096;
const MAX_EMBED_TOTAL = 6000;

export const MessageKind = { Default: 0, Reply: 19, ChatInputCommand: 20 } as const;
export const Flags = { Ephemeral: 1 << 6, Loading: 1 << 7 } as const;

export interface ComposeInput {
  channel: ChannelState;
  author: APIUser;
  content: string;
  embeds?: APIEmbed[];
  attachments?: APIAttachment[];
  components?: unknown[];
  replyTo?: APIMessage;
  /** A reply pings the replied-to author unless `allowed_mentions.replied_user` says otherwise. */
  pingReplied?: boolean;
  extraMentions?: APIUser[];
  type?: number;
  flags?: number;
  nonce?: string | number;
  extra?: Partial<APIMessage>;
}

export function composeMessage(store: DiscordStore, input: ComposeInput): APIMessage {
  const { channel } = input;
  const mentioned = new Map<string, APIUser>();
  for (const match of input.content.matchAll(/<@!?(\d+)>/g)) {
    const user = store.users.get(match[1] ?? '');
    if (user) mentioned.set(user.id, user);
  }
  if (input.replyTo && input.pingReplied !== false) mentioned.set(input.replyTo.author.id, input.replyTo.author);
  for (const user of input.extraMentions ?? []) mentioned.set(user.id, user);
  const reference = input.replyTo
    ? {
        message_reference: { type: 0, channel_id: channel.id, message_id: input.replyTo.id, ...(channel.guildId ? { guild_id: channel.guildId } : {}) },
        // Discord nests one level: the referenced message carries no reference of its own.
        referenced_message: withoutReference(input.replyTo),
      }
    : {};
  const message: APIMessage = {
    id: store.ids.next(),
    channel_id: channel.id,
    author: input.author,
    content: input.content,
    timestamp: new Date().toISOString().replace('Z', '+00:00'),
    edited_timestamp: null,
    tts: false,
    mention_everyone: /@(everyone|here)\b/.test(input.content),
    mentions: [...mentioned.values()],
    mention_roles: [],
    attachments: input.attachments ?? [],
    embeds: input.embeds ?? [],
    pinned: false,
    type: input.type ?? (input.replyTo ? MessageKind.Reply : MessageKind.Default),
    flags: input.flags ?? 0,
    components: (input.components ?? []) as APIMessage['components'] & object,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...reference,
    ...input.extra,
  };
  return message;
}

function withoutReference(message: APIMessage): APIMessage {
  const { referenced_message: _nested, ...rest } = message;
  return rest;
}

export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
  components?: unknown[];
  flags?: number;
  nonce?: string | number;
  reference?: { message_id: string; fail_if_not_exists: boolean };
  pingReplied?: boolean;
}

/** Reads a create/edit body; `requireSomething` is create's "Cannot send an empty message". */
export function readMessageBody(raw: unknown, fileCount: number, requireSomething: boolean): MessageBody {
  const body = asRecord(raw);
  const result: MessageBody = {};
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string') throw invalidForm('content', 'STRING_TYPE_CONVERT', 'Could not interpret "{}" as string.');
    if ([...body.content].length > MAX_CONTENT) {
      throw invalidForm('content', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_CONTENT} or fewer in length.`);
    }
    // Discord stores content with leading and trailing whitespace stripped, and answers with what it stored.
    result.content = body.content.trim();
  }
  if (Array.isArray(body.embeds)) result.embeds = checkEmbeds(body.embeds as APIEmbed[]);
  if (Array.isArray(body.components)) result.components = body.components as unknown[];
  if (typeof body.flags === 'number') result.flags = body.flags;
  if (typeof body.nonce === 'string' && body.nonce.length > MAX_NONCE) throw invalidForm('nonce', 'NONCE_TYPE_TOO_LONG', `Must be ${MAX_NONCE} or fewer characters long.`);
  if (typeof body.nonce === 'string' || typeof body.nonce === 'number') result.nonce = body.nonce;
  const reference = asRecord(body.message_reference);
  if (typeof reference.message_id === 'string') {
    result.reference = { message_id: reference.message_id, fail_if_not_exists: reference.fail_if_not_exists !== false };
  }
  const allowed = body.allowed_mentions === undefined || body.allowed_mentions === null ? undefined : asRecord(body.allowed_mentions);
  result.pingReplied = allowed === undefined ? true : allowed.replied_user === true;
  const empty = !result.content && !result.embeds?.length && !result.components?.length && fileCount === 0 && body.sticker_ids === undefined && body.poll === undefined;
  if (requireSomething && empty) throw new ApiError(400, 50006, 'Cannot send an empty message');
  return result;
}

function checkEmbeds(embeds: APIEmbed[]): APIEmbed[] {
  if (embeds.length > MAX_EMBEDS) throw invalidForm('embeds', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_EMBEDS} or fewer in length.`);
  let total = 0;
  embeds.forEach((embed, i) => {
    const description = embed.description ?? '';
    if (description.length > MAX_EMBED_DESCRIPTION) {
      throw invalidForm(`embeds.${i}.description`, 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_EMBED_DESCRIPTION} or fewer in length.`);
    }
    total += (embed.title ?? '').length + description.length + (embed.footer?.text ?? '').length + (embed.author?.name ?? '').length;
    for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  });
  if (total > MAX_EMBED_TOTAL) throw invalidForm('embeds', 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${MAX_EMBED_TOTAL}`);
  return embeds.map((embed) => ({ type: 'rich', ...embed }) as APIEmbed);
}

/** Applies an edit in place and returns the message; only the fields sent change, as with PATCH. An edit may not leave it empty. */
export function applyEdit(message: APIMessage, edit: MessageBody, attachments: APIAttachment[] | undefined): APIMessage {
  const emptied = !(edit.content ?? message.content) && !(edit.embeds ?? message.embeds).length && !(attachments ?? message.attachments).length &&
    !(edit.components ?? message.components ?? []).length && !message.sticker_items?.length && message.poll === undefined;
  if (emptied) throw new ApiError(400, 50006, 'Cannot send an empty message');
  if (edit.content !== undefined) message.content = edit.content;
  if (edit.embeds !== undefined) message.embeds = edit.embeds;
  if (edit.components !== undefined) message.components = edit.components as APIMessage['components'] & object;
  if (attachments !== undefined) message.attachments = attachments;
  const loading = ((message.flags ?? 0) & Flags.Loading) !== 0;
  // The first edit of a deferred ("thinking…") interaction response completes it rather than editing it.
  if (loading) message.flags = (message.flags ?? 0) & ~Flags.Loading;
  else message.edited_timestamp = new Date().toISOString().replace('Z', '+00:00');
  return message;
}
