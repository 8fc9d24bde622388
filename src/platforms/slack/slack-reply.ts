import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import { closingReserve, openFenceAt, StreamedReply, type InboundMessage, type ReplySink } from '../../core/index.js';
import { BridgeError } from '../../errors.js';
import type { Logger } from '../../log/index.js';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.js';
import { slackReplyTarget, type SlackIdentity, type SlackReplyTarget } from './slack-events.js';

export interface SlackReplyDeps {
  readonly client: WebClient;
  readonly identity: SlackIdentity;
  readonly logger: Logger;
  /** Shared switch: turned off once the workspace shows it lacks the stream methods. */
  readonly streaming: { native: boolean };
}

/** chat.update is tier 3 (about 50/min per channel): one edit a second per answer stays inside it. */
const updateIntervalMs = 1000;
const streamIntervalMs = 1000;
/** Text per posted message; Slack truncates past 40k and recommends staying near 4k. */
export const postedMessageMaxChars = 3800;
/** chat.appendStream takes at most 12,000 characters; one streamed message holds no more here. */
const streamedMessageMaxChars = 12_000;
/** Errors that mean "this workspace or token cannot stream": fall back for good. */
const streamUnavailableErrors = new Set(['unknown_method', 'not_allowed_token_type', 'missing_scope', 'feature_not_enabled', 'not_supported', 'method_deprecated', 'team_not_allowed']);

export function createSlackReply(deps: SlackReplyDeps, message: InboundMessage): ReplySink {
  const target = slackReplyTarget(message);
  const working = new WorkingReaction(deps, target, message.late === true);
  // Streams are replies to a user request and need a thread; a top-level DM gets post-and-update.
  if (deps.streaming.native && target.threadTs !== undefined) return new SlackNativeStream(deps, target, working);
  return postAndUpdate(deps, target, working);
}

function postAndUpdate(deps: SlackReplyDeps, target: SlackReplyTarget, working: WorkingReaction): StreamedReply<string> {
  return new StreamedReply<string>({
    writer: {
      post: async (text) => {
        if (!(await working.claimed())) throw replyTaken(target);
        const response = await deps.client.chat.postMessage({
          channel: target.channel,
          text,
          ...(target.threadTs === undefined ? {} : { thread_ts: target.threadTs }),
          unfurl_links: false,
        });
        return response.ts as string;
      },
      edit: async (ts, text) => {
        await deps.client.chat.update({ channel: target.channel, ts, text });
      },
    },
    maxLength: postedMessageMaxChars,
    editIntervalMs: updateIntervalMs,
    format: markdownToMrkdwn,
    showWorking: () => working.show(),
    clearWorking: () => working.clear(),
    logger: deps.logger,
  });
}

/**
 * The :eyes: reaction on the user's message while the model thinks. It is also
 * the claim on the message: when two sessions of the bot overlap (a restart, a
 * catch-up), the one whose reaction lands first answers; the other gets
 * `already_reacted` and leaves the message alone.
 */
class WorkingReaction {
  #shown = false;
  #claim: Promise<boolean> = Promise.resolve(true);

  /** `heldByCatchUp`: catch-up already added the reaction as its claim. */
  constructor(
    private readonly deps: SlackReplyDeps,
    private readonly target: SlackReplyTarget,
    heldByCatchUp: boolean,
  ) {
    this.#shown = heldByCatchUp;
  }

  /** Adds the reaction in the background: it must not delay the model call. */
  show(): Promise<void> {
    if (this.#shown) return Promise.resolve();
    this.#shown = true;
    // Next turn of the event loop: building the call costs CPU the model request should not wait for.
    this.#claim = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => claimWithEyes(this.deps.client, this.target))
      .catch((error: unknown) => {
        // Anything but already_reacted (a missing scope, a deleted message) must not cost the user an answer.
        this.deps.logger.debug('working reaction failed', { error });
        return true;
      });
    return Promise.resolve();
  }

  /** Resolves false when another session of the bot claimed this message first. */
  claimed(): Promise<boolean> {
    return this.#claim;
  }

  async clear(): Promise<void> {
    if (!this.#shown) return;
    this.#shown = false;
    // Removing before the add landed would leave the reaction behind; another session's stays.
    if (!(await this.#claim)) return;
    await this.deps.client.reactions
      .remove({ channel: this.target.channel, timestamp: this.target.messageTs, name: 'eyes' })
      .catch((error: unknown) => this.deps.logger.debug('working reaction not removed', { error }));
  }
}

/**
 * Streams with chat.startStream / appendStream / stopStream (Markdown, no
 * conversion). Falls back to post-and-update when the workspace cannot stream,
 * and continues there when one streamed message is full.
 */
class SlackNativeStream implements ReplySink {
  #text = '';
  #sent = 0;
  #ts: string | undefined;
  #fallback: StreamedReply<string> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastWriteAt = 0;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #abandoned = false;

  constructor(
    private readonly deps: SlackReplyDeps,
    private readonly target: SlackReplyTarget,
    private readonly working: WorkingReaction,
  ) {}

  start(): Promise<void> {
    return this.working.show();
  }

  append(delta: string): void {
    if (this.#closed || delta === '') return;
    this.#text += delta;
    if (this.#fallback !== undefined) {
      this.#fallback.append(delta);
      return;
    }
    if (this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastWriteAt + streamIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueue(false);
    }, wait);
    this.#timer.unref();
  }

  async finish(): Promise<void> {
    await this.#close();
  }

  async fail(userMessage: string): Promise<void> {
    const note = `${this.#text.trim() === '' ? '' : '\n\n'}${userMessage}`;
    this.#text += note;
    this.#fallback?.append(note);
    await this.#close();
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#enqueue(true);
    await this.#writing;
    if (this.#fallback !== undefined) await this.#fallback.finish();
    else await this.working.clear();
  }

  #enqueue(final: boolean): void {
    this.#writing = this.#writing.then(() => this.#write(final));
  }

  async #write(final: boolean): Promise<void> {
    if (this.#fallback !== undefined || this.#abandoned) return;
    this.#lastWriteAt = Date.now();
    let chunk = this.#text.slice(this.#sent);
    const overflow = this.#sent + chunk.length > streamedMessageMaxChars;
    if (overflow) chunk = chunk.slice(0, Math.max(0, streamedMessageMaxChars - this.#sent - closingReserve));
    if (chunk !== '' && !(await this.#send(chunk))) return;
    if (overflow) {
      await this.#continueInFallback();
    } else if (final && this.#ts !== undefined) {
      await this.#call('chat.stopStream', () => this.deps.client.chat.stopStream({ channel: this.target.channel, ts: this.#ts as string }));
    }
  }

  /** Sends one piece; false when streaming turned out to be unavailable (the fallback has taken over). */
  async #send(chunk: string): Promise<boolean> {
    if (this.#ts !== undefined) {
      const ok = await this.#call('chat.appendStream', () =>
        this.deps.client.chat.appendStream({ channel: this.target.channel, ts: this.#ts as string, markdown_text: chunk }),
      );
      if (ok) this.#sent += chunk.length;
      return true;
    }
    if (!(await this.working.claimed())) {
      this.#abandoned = true;
      this.deps.logger.info('another session is answering this message; leaving it');
      return false;
    }
    try {
      const response = await this.deps.client.chat.startStream({
        channel: this.target.channel,
        thread_ts: this.target.threadTs as string,
        markdown_text: chunk,
        recipient_user_id: this.target.userId,
        recipient_team_id: this.deps.identity.teamId,
      });
      this.#ts = response.ts;
      this.#sent += chunk.length;
      return true;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== undefined && streamUnavailableErrors.has(code)) this.deps.streaming.native = false;
      this.deps.logger.warn('chat.startStream failed; answering with chat.postMessage instead', { error });
      this.#fallback = postAndUpdate(this.deps, this.target, this.working);
      this.#fallback.append(this.#text);
      return false;
    }
  }

  /** One streamed message is full: close it (and any open code block) and go on in posted messages. */
  async #continueInFallback(): Promise<void> {
    const fence = openFenceAt(this.#text, this.#sent);
    if (fence !== null) await this.#call('chat.appendStream', () => this.deps.client.chat.appendStream({ channel: this.target.channel, ts: this.#ts as string, markdown_text: `\n${fence.marker}` }));
    await this.#call('chat.stopStream', () => this.deps.client.chat.stopStream({ channel: this.target.channel, ts: this.#ts as string }));
    this.#fallback = postAndUpdate(this.deps, this.target, this.working);
    this.#fallback.append((fence === null ? '' : `${fence.marker}${fence.info}\n`) + this.#text.slice(this.#sent));
  }

  async #call(method: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (error) {
      this.deps.logger.warn('slack call failed', { method, error });
      return false;
    }
  }
}

/**
 * Adds the :eyes: reaction to the user's message, which is also the claim on
 * it: true when this call added it, false when it was there already (another
 * session of the bot claimed the message first). Any other failure is thrown.
 */
export async function claimWithEyes(client: WebClient, target: Pick<SlackReplyTarget, 'channel' | 'messageTs'>): Promise<boolean> {
  try {
    await client.reactions.add({ channel: target.channel, timestamp: target.messageTs, name: 'eyes' });
    return true;
  } catch (error) {
    if (slackErrorCode(error) === 'already_reacted') return false;
    throw error;
  }
}

function replyTaken(target: SlackReplyTarget): BridgeError {
  return new BridgeError('reply_taken', `message ${target.channel}:${target.messageTs} is being answered by another session`);
}

export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
