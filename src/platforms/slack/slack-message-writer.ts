import { WriteDeferredError, type MessageWriter, type PostInfo } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { AnswerClaim } from './answer-claim.js';
import { answerMetadata } from './answer-metadata.js';
import { SlackLimitedError, slackErrorCode, type CallOptions, type SlackApi, type SlackArgs, type SlackResult } from './slack-api.js';
import type { SlackIdentity } from './slack-events.js';
import type { SlackReplyTarget } from './slack-target.js';
import type { ThinkingStatus } from './thinking-status.js';

export interface SlackWriterDeps {
  readonly api: SlackApi;
  readonly identity: SlackIdentity;
  readonly logger: Logger;
  /** Shared switch: turned off once the workspace shows it lacks the stream methods. */
  readonly streaming: { native: boolean };
}

/** Errors that mean "this workspace or token cannot stream": fall back for good. */
const streamUnavailableErrors = new Set(['unknown_method', 'not_allowed_token_type', 'missing_scope', 'feature_not_enabled', 'not_supported', 'method_deprecated', 'team_not_allowed']);
const notStreaming = 'message_not_in_streaming_state';

/**
 * `stream`: a chat.startStream message, `sent` is what its appends carried; `expired`: Slack ended
 * the stream itself, and chat.update must rewrite it; `plain`: posted, or a stream stopped or
 * rewritten, changed only by chat.update from now on.
 */
type MessageMode = 'stream' | 'expired' | 'plain';

const modeTransitions: Readonly<Record<MessageMode, readonly MessageMode[]>> = {
  stream: ['expired', 'plain'],
  expired: ['plain'],
  plain: [],
};

function moveTo(message: WrittenMessage, next: MessageMode): void {
  if (message.mode === next) return;
  if (!modeTransitions[message.mode].includes(next)) throw new Error(`a ${message.mode} message cannot become ${next}`);
  message.mode = next;
}

interface WrittenMessage {
  mode: MessageMode;
  sent: string;
  readonly part: number;
  /** The stop's budget was taken with the start. */
  stopReserved: boolean;
  /** A partial post took the budget of the chat.update that will complete it. */
  updateReserved: boolean;
}

/**
 * Writes one answer into Slack, a message at a time, in Markdown (`markdown_text`). A message
 * streams (start, appends, stop) when the stream methods' budget allows a start and its stop;
 * otherwise, and whenever a message is complete before it is first written, it is one
 * chat.postMessage plus chat.updates as their budget allows. Every message carries the answer's
 * metadata. A stream Slack expired is rewritten with chat.update and carries on as posted text, so
 * nothing written is lost and nothing is shown twice. A rate limit is a WriteDeferredError: the
 * caller waits for that method only.
 */
export class SlackMessageWriter implements MessageWriter<string> {
  readonly #messages = new Map<string, WrittenMessage>();

  constructor(
    private readonly deps: SlackWriterDeps,
    private readonly target: SlackReplyTarget,
    private readonly claim: AnswerClaim,
    private readonly thinking: ThinkingStatus,
  ) {}

  async post(text: string, info: PostInfo): Promise<string> {
    await this.claim.ensure();
    let ts = info.final ? undefined : await this.#tryStream(text, info.part);
    if (ts === undefined) {
      // A partial post needs a chat.update to complete it; when none fits, wait and post once, complete.
      const updateReserved = !info.final && this.deps.api.reserve(['chat.update']);
      if (!info.final && !updateReserved) throw new WriteDeferredError(Math.min(1000, Math.max(100, this.deps.api.budgets.waitMs('chat.update'))), 'no chat.update fits: posting when the answer is complete');
      ts = await this.#postMessage(text, info.part, updateReserved);
    }
    this.thinking.posted();
    return ts;
  }

  async edit(ts: string, text: string): Promise<void> {
    const message = this.#message(ts);
    if (message.mode === 'stream' && text.startsWith(message.sent)) {
      const delta = text.slice(message.sent.length);
      if (delta === '') return;
      try {
        await this.#call('chat.appendStream', { channel: this.target.channel, ts, markdown_text: delta });
        message.sent = text;
        return;
      } catch (error) {
        if (slackErrorCode(error) !== notStreaming) throw error;
        moveTo(message, 'expired');
        this.deps.logger.info('Slack ended the stream; rewriting it with chat.update and carrying on', { part: message.part });
      }
    }
    await this.#update(ts, text, message, false);
  }

  /** Completes a message: a stream is stopped with the rest of its text and its metadata. */
  async finish(ts: string, text: string): Promise<void> {
    const message = this.#message(ts);
    if (message.mode === 'stream' && text.startsWith(message.sent)) {
      const delta = text.slice(message.sent.length);
      const reserved = message.stopReserved;
      message.stopReserved = false;
      try {
        await this.#call('chat.stopStream', { channel: this.target.channel, ts, ...(delta === '' ? {} : { markdown_text: delta }), metadata: answerMetadata(this.target.messageTs, message.part) }, { reserved });
        message.sent = text;
        moveTo(message, 'plain');
        return;
      } catch (error) {
        if (slackErrorCode(error) !== notStreaming) throw error;
        moveTo(message, 'expired');
      }
    } else if (message.mode === 'stream') {
      // A split cut the message shorter than what was streamed: stop it, then rewrite it.
      await this.#call('chat.stopStream', { channel: this.target.channel, ts }).catch(() => undefined);
      moveTo(message, 'expired');
    }
    if (message.mode === 'plain' && message.sent === text) return;
    await this.#update(ts, text, message, true);
  }

  /** Starts a stream when the workspace streams here and a start and its stop both fit the budget. */
  async #tryStream(text: string, part: number): Promise<string | undefined> {
    const threadTs = this.target.threadTs;
    if (!this.deps.streaming.native || threadTs === undefined || !this.deps.api.reserve(['chat.startStream', 'chat.stopStream'])) return undefined;
    try {
      const response = await this.deps.api.attempt(
        'chat.startStream',
        { channel: this.target.channel, thread_ts: threadTs, markdown_text: text, recipient_user_id: this.target.userId, recipient_team_id: this.deps.identity.teamId },
        { reserved: true },
      );
      const ts = response.ts as string;
      this.#messages.set(ts, { mode: 'stream', sent: text, part, stopReserved: true, updateReserved: false });
      return ts;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== undefined && streamUnavailableErrors.has(code)) this.deps.streaming.native = false;
      this.deps.logger.info('chat.startStream not possible; posting instead', { reason: error instanceof SlackLimitedError ? 'rate limit' : (code ?? String(error)) });
      return undefined;
    }
  }

  async #postMessage(text: string, part: number, updateReserved: boolean): Promise<string> {
    const response = await this.#call(
      'chat.postMessage',
      {
        channel: this.target.channel,
        markdown_text: text,
        ...(this.target.threadTs === undefined ? {} : { thread_ts: this.target.threadTs }),
        metadata: answerMetadata(this.target.messageTs, part),
        unfurl_links: false,
      },
      { channel: this.target.channel },
    );
    const ts = response.ts as string;
    this.#messages.set(ts, { mode: 'plain', sent: text, part, stopReserved: false, updateReserved });
    return ts;
  }

  /** Rewrites a message whole; an expired stream is finalized by it, so it carries the metadata too. */
  /** `completing`: the message's last write, which may use the chat.update its partial post reserved. */
  async #update(ts: string, text: string, message: WrittenMessage, completing: boolean): Promise<void> {
    const finalizes = message.mode === 'expired';
    const reserved = completing && message.updateReserved;
    if (reserved) message.updateReserved = false;
    await this.#call('chat.update', { channel: this.target.channel, ts, markdown_text: text, ...(finalizes ? { metadata: answerMetadata(this.target.messageTs, message.part) } : {}) }, { reserved });
    moveTo(message, 'plain');
    message.sent = text;
  }

  /** A call now, or a WriteDeferredError when its method's budget is spent. */
  async #call(method: string, args: SlackArgs, options: CallOptions = {}): Promise<SlackResult> {
    try {
      return await this.deps.api.attempt(method, args, options);
    } catch (error) {
      if (error instanceof SlackLimitedError) throw new WriteDeferredError(error.retryAfterMs, error.message);
      throw error;
    }
  }

  #message(ts: string): WrittenMessage {
    const message = this.#messages.get(ts);
    if (message === undefined) throw new Error(`no message ${ts} in this answer`);
    return message;
  }
}
