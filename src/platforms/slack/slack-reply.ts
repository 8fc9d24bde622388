import { StreamedReply, type InboundMessage, type ReplySink } from '../../core/index.js';
import { AnswerClaim } from './answer-claim.js';
import { SlackMessageWriter, type SlackWriterDeps } from './slack-message-writer.js';
import { slackReplyTarget } from './slack-target.js';
import { ThinkingStatus } from './thinking-status.js';

export interface SlackReplyDeps extends SlackWriterDeps {
  /** Whether another session of the bot may be answering this message (asked at its first write). */
  readonly contested: (message: InboundMessage) => boolean;
}

/** Appends and updates at most once a second per answer; the methods' budgets may space them more. */
const writeIntervalMs = 1000;
/** `markdown_text` takes at most 12,000 characters a call; one message holds no more here. */
export const answerMessageMaxChars = 12_000;
/** `text` (mrkdwn) per message where Markdown is not taken (response_url); Slack truncates past 40k and recommends about 4k. */
export const postedMessageMaxChars = 3800;

/**
 * One answer in Slack: streamed or posted in Markdown by SlackMessageWriter, "is thinking…" under
 * the thread while the model is silent, and a claim only where another session can be answering.
 */
export function createSlackReply(deps: SlackReplyDeps, message: InboundMessage): ReplySink {
  const target = slackReplyTarget(message);
  const thinking = new ThinkingStatus(deps.api, target, deps.logger);
  const claim = new AnswerClaim(deps, target, () => deps.contested(message));
  return new StreamedReply<string>({
    writer: new SlackMessageWriter(deps, target, claim, thinking),
    maxLength: answerMessageMaxChars,
    editIntervalMs: writeIntervalMs,
    showWorking: () => {
      thinking.show();
      return Promise.resolve();
    },
    clearWorking: async () => {
      // The answer is written: giving the claim back (tier 2, maybe waiting out its limit) must not hold the conversation.
      void claim.release();
      await thinking.clear();
    },
    logger: deps.logger,
  });
}
