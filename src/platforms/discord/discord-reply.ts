import { Routes, SnowflakeUtil, type REST } from 'discord.js';
import { BridgeError } from '../../errors.js';
import { StreamedReply, type ReplySink } from '../../core/index.js';
import type { Logger } from '../../log/index.js';

/** Discord rejects message content over 2,000 characters. */
export const messageMaxChars = 2000;
/** Edits are rate-limited per channel; about one a second per answer stays well inside them. */
export const editIntervalMs = 1000;
/** A typing indicator lasts about 10 s; refresh it a little sooner while the model thinks. */
const typingRefreshMs = 8000;
/**
 * Typing starts only if the model has said nothing by then: a fast answer needs no indicator,
 * and each request counts against Discord's 50 requests a second.
 */
const typingDelayMs = 300;
/** Answers never ping anyone, whatever the model writes (@everyone included). */
const noMentions = { parse: [] as never[], replied_user: false };

interface PostedMessage {
  readonly id: string;
  readonly content: string;
}

/** Clocks differ a little between Discord and us; an older message than this was not created by our request. */
const clockSkewMs = 2000;

/**
 * Streams an answer as a reply to the user's message, edited at most once a
 * second; text beyond 2,000 characters continues in follow-up messages.
 * Calls go through discord.js's REST queue, which waits out 429s.
 */
export function createDiscordReply(rest: REST, channelId: string, replyToMessageId: string, logger: Logger): ReplySink {
  let isFirst = true;
  const typing = new TypingIndicator(rest, channelId, logger);
  const reply = new StreamedReply<string>({
    writer: {
      post: async (content) => {
        const requestedAt = Date.now();
        // The nonce makes Discord create one reply per message whichever session of the bot asks
        // first (live socket, catch-up, or two sessions overlapping); the others get that reply back.
        const body = isFirst
          ? { content, allowed_mentions: noMentions, message_reference: { message_id: replyToMessageId, fail_if_not_exists: false }, nonce: replyToMessageId, enforce_nonce: true }
          : { content, allowed_mentions: noMentions };
        const posted = (await rest.post(Routes.channelMessages(channelId), { body })) as PostedMessage;
        if (isFirst && (posted.content !== content || SnowflakeUtil.timestampFrom(posted.id) < requestedAt - clockSkewMs)) {
          typing.stop();
          throw new BridgeError('reply_taken', `message ${replyToMessageId} already has a reply (${posted.id})`);
        }
        isFirst = false;
        typing.stop();
        return posted.id;
      },
      edit: async (id, content) => {
        await rest.patch(Routes.channelMessage(channelId, id), { body: { content, allowed_mentions: noMentions } });
      },
    },
    maxLength: messageMaxChars,
    editIntervalMs,
    showWorking: () => typing.start(),
    clearWorking: () => {
      typing.stop();
      return Promise.resolve();
    },
    logger,
  });
  // Once the model speaks its text is on the way: a post held back by Discord's limits would only have a typing request queue behind it.
  return {
    start: () => reply.start(),
    append: (delta) => {
      typing.stop();
      reply.append(delta);
    },
    finish: () => reply.finish(),
    fail: (userMessage) => reply.fail(userMessage),
  };
}

class TypingIndicator {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly rest: REST,
    private readonly channelId: string,
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    this.#timer = setTimeout(() => {
      void this.#send();
      this.#timer = setInterval(() => void this.#send(), typingRefreshMs);
      this.#timer.unref();
    }, typingDelayMs);
    this.#timer.unref();
    return Promise.resolve();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
  }

  async #send(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.rest.post(Routes.channelTyping(this.channelId));
    } catch (error) {
      this.logger.debug('typing indicator failed', { error });
    }
  }
}
