import { BridgeError } from '../../errors.js';
import type { Logger } from '../../log/index.js';
import { answeredTsOf } from './answer-metadata.js';
import { slackErrorCode, type SlackApi } from './slack-api.js';
import { isOwnSlackMessage, type SlackIdentity } from './slack-events.js';
import type { SlackReplyTarget } from './slack-target.js';

/** How long taking or giving back a claim may wait for its method's rate limit. */
const claimWithinMs = 30_000;
const releaseWithinMs = 120_000;

/**
 * `unneeded`: no other session can be answering this message; `held`: our :eyes: landed first and
 * no answer exists yet; `lost`: another session's reaction or answer was there first; `released`.
 */
export type ClaimState = 'pending' | 'unneeded' | 'claiming' | 'held' | 'lost' | 'released';

export interface ClaimDeps {
  readonly api: SlackApi;
  readonly identity: SlackIdentity;
  readonly logger: Logger;
}

/**
 * The claim that keeps two sessions of the bot from both answering one message. It costs calls, so
 * it is taken only where a second session can be answering (the platform decides: catch-up,
 * redelivery, a socket lost or handed over around the message, the minutes after a start):
 * the :eyes: reaction is atomic on Slack (the second adder gets `already_reacted`), and the
 * winner then checks that no answer (by its metadata) is already in the conversation, since a
 * claim is given back once its answer is done.
 */
export class AnswerClaim {
  #state: ClaimState = 'pending';
  #taking: Promise<void> | undefined;

  constructor(
    private readonly deps: ClaimDeps,
    private readonly target: SlackReplyTarget,
    /** Asked at the first write, so what happened meanwhile (a lost socket, a handover) counts. */
    private readonly contested: () => boolean,
  ) {}

  get state(): ClaimState {
    return this.#state;
  }

  /** Resolves when this session may write the answer; throws `reply_taken` when another one answers it. */
  ensure(): Promise<void> {
    this.#taking ??= this.#take();
    return this.#taking;
  }

  /** Gives the reaction back once the answer is written, so no :eyes: stays on an answered message. */
  async release(): Promise<void> {
    if (this.#state !== 'held') return;
    this.#state = 'released';
    try {
      await this.deps.api.persist('reactions.remove', { channel: this.target.channel, timestamp: this.target.messageTs, name: 'eyes' }, releaseWithinMs);
    } catch (error) {
      this.deps.logger.warn('claim reaction not removed', { error });
    }
  }

  async #take(): Promise<void> {
    if (!this.contested()) {
      this.#state = 'unneeded';
      return;
    }
    this.#state = 'claiming';
    try {
      await this.deps.api.persist('reactions.add', { channel: this.target.channel, timestamp: this.target.messageTs, name: 'eyes' }, claimWithinMs);
    } catch (error) {
      if (slackErrorCode(error) === 'already_reacted') return this.#lose('its :eyes: claim was there first');
      // No claim could be taken (a deleted message, a missing scope, a long limit): answering beats silence.
      this.deps.logger.warn('could not claim the message; answering without a claim', { error });
      this.#state = 'unneeded';
      return;
    }
    this.#state = 'held';
    if (await this.#answeredAlready()) {
      await this.release();
      this.#state = 'lost';
      throw taken(this.target, 'it already has an answer');
    }
  }

  #lose(why: string): never {
    this.#state = 'lost';
    throw taken(this.target, why);
  }

  /** An answer to this message after it: by its metadata, or a bot message without any (a stream still under way). */
  async #answeredAlready(): Promise<boolean> {
    const { api, identity, logger } = this.deps;
    const { channel, threadTs, messageTs } = this.target;
    try {
      const reads = [api.attempt('conversations.replies', { channel, ts: threadTs ?? messageTs, oldest: messageTs, include_all_metadata: true, limit: 200 })];
      // A DM is answered at top level live, and in the message's thread when late.
      if (threadTs === undefined) reads.push(api.attempt('conversations.history', { channel, oldest: messageTs, include_all_metadata: true, limit: 200 }));
      const pages = await Promise.all(reads);
      const later = pages.flatMap((page) => (page.messages ?? []) as { ts?: string; user?: string; bot_id?: string; metadata?: unknown; thread_ts?: string }[]).filter((m) => m.ts !== messageTs && isOwnSlackMessage(m, identity));
      return later.some((m) => {
        const answers = answeredTsOf(m);
        return answers === messageTs || (answers === undefined && (threadTs !== undefined || m.thread_ts === messageTs));
      });
    } catch (error) {
      // The claim is ours; only an answer finished before it could be missed.
      logger.debug('could not check for an earlier answer', { error });
      return false;
    }
  }
}

export function taken(target: SlackReplyTarget, why: string): BridgeError {
  return new BridgeError('reply_taken', `message ${target.channel}:${target.messageTs} is answered by another session (${why})`);
}
