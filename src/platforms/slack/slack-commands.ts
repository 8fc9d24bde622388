import type { App, SlashCommand } from '@slack/bolt';
import { RecentIds, splitAll, type Bridge, type InboundMessage, type ReplyChannel, type ReplySink } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { markdownToMrkdwn } from './markdown-to-mrkdwn.js';
import { slackErrorCode, type SlackApi } from './slack-api.js';
import { postedMessageMaxChars } from './slack-reply.js';
import { encodeSlackConversation, encodeSlackMessageId } from './slack-target.js';

type Respond = (message: { response_type: 'ephemeral' | 'in_channel'; text: string }) => Promise<unknown>;

export interface SlackCommandDeps {
  readonly bridge: Bridge;
  /** The platform's Web API (budgeted, bounded retries), for posting a public /ask question. */
  readonly api: SlackApi;
  /** The thread a public /ask is answered in behaves like any mention thread. */
  readonly threadChannel: ReplyChannel;
  readonly describeStatus: () => string;
  readonly logger: Logger;
}

const usage = 'Usage: `/ask <question>` (everyone sees it) or `/ask private <question>` (only you see the answer).';
/** A response_url accepts five messages; long private answers are cut into at most that many. */
const maxResponses = 5;
/** The question must be posted before its answer can stream under it; a rate limit may delay it this long. */
const postQuestionWithinMs = 10_000;

/**
 * /ask, /reset and /status over Socket Mode. Each is acked at once; a public
 * /ask posts the question and answers in its thread (so follow-up mentions
 * there continue it), a private one answers through the ephemeral response_url.
 */
export function registerSlackCommands(app: App, deps: SlackCommandDeps): void {
  const seen = new RecentIds(10 * 60_000, 10_000);
  app.command('/ask', async ({ command, ack, respond }) => {
    await ack();
    if (!seen.remember(command.trigger_id)) return;
    const { question, isPrivate } = parseAsk(command.text);
    if (question === '') {
      await respond({ response_type: 'ephemeral', text: usage });
      return;
    }
    if (isPrivate) {
      submit(deps, privateAsk(command, question), { openReply: () => new EphemeralReply(respond, deps.logger) });
      return;
    }
    try {
      const text = `*<@${command.user_id}> asked:* ${markdownToMrkdwn(question)}`;
      const posted = await deps.api.persist('chat.postMessage', { channel: command.channel_id, text }, postQuestionWithinMs, { channel: command.channel_id });
      submit(deps, publicAsk(command, question, posted.ts as string), deps.threadChannel);
    } catch (error) {
      const code = slackErrorCode(error);
      deps.logger.warn('could not post the /ask question', { error });
      const hint = code === 'not_in_channel' || code === 'channel_not_found' ? 'I am not in this channel: invite me with `/invite`, or use `/ask private …`.' : 'I could not post here.';
      await respond({ response_type: 'ephemeral', text: hint });
    }
  });
  app.command('/reset', async ({ command, ack, respond }) => {
    await ack();
    const keys = [
      encodeSlackConversation({ kind: 'private', channel: command.channel_id, userId: command.user_id }),
      ...(command.channel_id.startsWith('D') ? [encodeSlackConversation({ kind: 'dm', channel: command.channel_id })] : []),
    ];
    const forgot = keys.map((key) => deps.bridge.forget(key)).some(Boolean);
    await respond({ response_type: 'ephemeral', text: forgot ? 'Done: I forgot our conversation here. The next question starts fresh.' : 'There was no conversation to forget here. (To start over in a thread, start a new thread.)' });
  });
  app.command('/status', async ({ ack, respond }) => {
    await ack();
    await respond({ response_type: 'ephemeral', text: deps.describeStatus() });
  });
}

function parseAsk(text: string): { question: string; isPrivate: boolean } {
  const match = /^\s*(private|-p|--private)\s+/i.exec(text);
  return match === null ? { question: text.trim(), isPrivate: false } : { question: text.slice(match[0].length).trim(), isPrivate: true };
}

function publicAsk(command: SlashCommand, question: string, questionTs: string): InboundMessage {
  return {
    platform: 'slack',
    conversationKey: encodeSlackConversation({ kind: 'thread', channel: command.channel_id, threadTs: questionTs }),
    // Keyed like a message in that thread, so the reply streams under the posted question.
    messageId: encodeSlackMessageId(command.channel_id, questionTs),
    authorId: command.user_id,
    authorIsBot: false,
    text: question,
    sentAt: Date.now(),
  };
}

function privateAsk(command: SlashCommand, question: string): InboundMessage {
  return {
    platform: 'slack',
    conversationKey: encodeSlackConversation({ kind: 'private', channel: command.channel_id, userId: command.user_id }),
    messageId: `command:${command.trigger_id}`,
    authorId: command.user_id,
    authorIsBot: false,
    text: question,
    sentAt: Date.now(),
  };
}

function submit(deps: SlackCommandDeps, message: InboundMessage, channel: ReplyChannel): void {
  const outcome = deps.bridge.submit(message, channel);
  if (outcome !== 'accepted') deps.logger.info('slash command not queued', { outcome });
}

/** An answer only the asker sees: ephemeral messages cannot be edited, so it is sent when done. */
class EphemeralReply implements ReplySink {
  #text = '';

  constructor(
    private readonly respond: Respond,
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  append(delta: string): void {
    this.#text += delta;
  }

  finish(): Promise<void> {
    return this.#send(this.#text);
  }

  fail(userMessage: string): Promise<void> {
    return this.#send(this.#text.trim() === '' ? userMessage : `${this.#text}\n\n${userMessage}`);
  }

  async #send(markdown: string): Promise<void> {
    for (const part of splitAll(markdown, postedMessageMaxChars).slice(0, maxResponses)) {
      await this.respond({ response_type: 'ephemeral', text: markdownToMrkdwn(part) }).catch((error: unknown) => this.logger.warn('response_url failed', { error }));
    }
  }
}
