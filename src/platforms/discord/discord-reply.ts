import { DiscordAPIError, Routes, SnowflakeUtil, type APIMessage, type REST } from 'discord.js';
import { BridgeError } from '../../errors.js';
import { StreamedReply, type ReplySink } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { DiscordClock } from './discord-clock.js';

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

/** Discord rejects a longer nonce (50035, NONCE_TYPE_TOO_LONG). */
const nonceMaxChars = 25;
/** Discord's answer to a repeated nonce whose message was deleted since. */
const unknownMessageCode = 10008;

/**
 * The nonce for part `part` of the answer to a message: that message's id for
 * the first part (what every session of the bot sends, so Discord creates one
 * reply however many ask), `<id>:<part>` for the follow-ups, which makes a
 * retried follow-up land once too. None when it would be too long.
 */
export function replyNonce(replyToMessageId: string, part: number): string | undefined {
  const nonce = part === 0 ? replyToMessageId : `${replyToMessageId}:${part}`;
  return nonce.length <= nonceMaxChars ? nonce : undefined;
}

/**
 * Whether a message a create returned was made by our request. With
 * `enforce_nonce`, Discord answers a repeated nonce with the message that
 * already has it, and the answer looks the same whoever created it: only when
 * it was created tells. `notBeforeMs` is a lower bound on Discord's clock taken
 * before our first request for this part (DiscordClock), so a message we made is
 * never older than it; one that is older was made by someone else first.
 */
export function isOwnPost(postedId: string, notBeforeMs: number): boolean {
  // A snowflake carries whole milliseconds (Discord's time rounded down); the bound has fractions.
  return SnowflakeUtil.timestampFrom(postedId) >= Math.floor(notBeforeMs);
}

export interface DiscordReplyTarget {
  readonly channelId: string;
  readonly replyToMessageId: string;
}

/**
 * Streams an answer as a reply to the user's message, edited at most once a
 * second; text beyond 2,000 characters continues in follow-up messages.
 * Calls go through discord.js's REST queue, which waits out 429s.
 */
export function createDiscordReply(rest: REST, target: DiscordReplyTarget, clock: DiscordClock, logger: Logger): ReplySink {
  const { channelId, replyToMessageId } = target;
  const typing = new TypingIndicator(rest, channelId, logger);
  /** Parts posted so far, and when we first tried each part (Discord's clock). */
  let posted = 0;
  const firstTriedAt = new Map<number, number>();
  const taken = (detail: string) => {
    typing.stop();
    return new BridgeError('reply_taken', `message ${replyToMessageId} already has a reply (${detail})`);
  };
  const reply = new StreamedReply<string>({
    writer: {
      // The second argument is the part number StreamedReply will pass; counting our own posts gives the same number.
      post: async (content: string, meta?: { readonly part?: number }) => {
        const part = meta?.part ?? posted;
        const notBefore = firstTriedAt.get(part) ?? clock.atLeast();
        firstTriedAt.set(part, notBefore);
        const nonce = replyNonce(replyToMessageId, part);
        const body = {
          content,
          allowed_mentions: noMentions,
          ...(part === 0 ? { message_reference: { message_id: replyToMessageId, fail_if_not_exists: false } } : {}),
          ...(nonce === undefined ? {} : { nonce, enforce_nonce: true }),
        };
        let message: APIMessage;
        try {
          message = (await rest.post(Routes.channelMessages(channelId), { body })) as APIMessage;
        } catch (error) {
          if (error instanceof DiscordAPIError && error.code === unknownMessageCode && nonce !== undefined) throw taken('it was deleted');
          throw error;
        }
        clock.observe(SnowflakeUtil.timestampFrom(message.id));
        if (!isOwnPost(message.id, notBefore)) throw taken(message.id);
        posted = part + 1;
        typing.stop();
        return message.id;
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
