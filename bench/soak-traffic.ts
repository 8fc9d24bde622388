// The soak's traffic: conversations of four kinds (Slack DMs and threads, Discord DMs and threads),
// new ones and revisits, about half the messages carrying a distinct image of 0.2-1 MB uploaded to
// the fake. Each message is followed to its whole answer by the bench's Tracker; each image is
// deleted from the fake once answered, so the driver holds only what is in flight.
import { randomUUID } from 'node:crypto';
import type { FakeDiscord } from '../test/fakes/discord/index.js';
import { eventCallback, eventsApiEnvelope, messageEvent, richTextBlocks, slackId } from '../test/fakes/slack/events.js';
import type { FakeSlack, SlackFile } from '../test/fakes/slack/index.js';
import { tsKey } from '../test/fakes/slack/store.js';
import { noisyPngImage } from '../test/helpers/files.js';
import { ANSWER, type Sample, type SlackPlace, type Tracker } from './tracker.js';

export type ConversationKind = 'slack-dm' | 'slack-thread' | 'discord-dm' | 'discord-thread';
export const KINDS: readonly ConversationKind[] = ['slack-dm', 'slack-thread', 'discord-dm', 'discord-thread'];

interface SoakConversation {
  readonly kind: ConversationKind;
  /** Slack channel id, or Discord DM channel / thread id. */
  readonly channel: string;
  readonly user: string;
  /** Slack threads: the parent's ts, set by the first message. */
  threadTs?: string;
}

export interface TrafficCounts {
  sent: number;
  answered: number;
  lost: number;
  images: number;
  imageBytes: number;
  conversations: Record<ConversationKind, number>;
  /** Ticks skipped because `maxInFlight` messages were already waiting for answers. */
  throttled: number;
  lostTags: string[];
}

export interface TrafficOptions {
  readonly slack: FakeSlack;
  readonly discord: FakeDiscord;
  readonly tracker: Tracker;
  /** Share of messages that start a new conversation (the rest revisit an idle one). */
  readonly newShare: number;
  readonly imageShare: number;
  readonly answerTimeoutMs: number;
  readonly maxInFlight: number;
}

const PROMPT = 'what do you make of this?';
const MIN_IMAGE = 200 * 1024;
const MAX_IMAGE = 1024 * 1024;
/** Idle conversations kept for revisits; older ones are left (the bot has long dropped them too). */
const IDLE_KEPT = 3000;

export class SoakTraffic {
  readonly counts: TrafficCounts = {
    sent: 0, answered: 0, lost: 0, images: 0, imageBytes: 0, throttled: 0, lostTags: [],
    conversations: { 'slack-dm': 0, 'slack-thread': 0, 'discord-dm': 0, 'discord-thread': 0 },
  };
  readonly #idle: SoakConversation[] = [];
  readonly #pending = new Set<Promise<void>>();
  #tags = 0;
  #users = 0;

  constructor(private readonly options: TrafficOptions) {
    options.tracker.slackAnswered = (place) => this.#slackAnswered(place);
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends one message: into a new conversation or a revisited idle one. */
  tick(): void {
    if (this.#pending.size >= this.options.maxInFlight) {
      this.counts.throttled += 1;
      return;
    }
    const revisit = Math.random() >= this.options.newShare && this.#idle.length > 0;
    const conversation = revisit ? this.#takeIdle() : this.#newConversation(KINDS[this.counts.sent % KINDS.length] as ConversationKind);
    const image = Math.random() < this.options.imageShare ? noisyPngImage(MIN_IMAGE + Math.floor(Math.random() * (MAX_IMAGE - MIN_IMAGE))) : undefined;
    const tag = `soak-${++this.#tags}`;
    this.counts.sent += 1;
    if (image !== undefined) {
      this.counts.images += 1;
      this.counts.imageBytes += image.byteLength;
    }
    const sent = this.#send(conversation, tag, image);
    const settled = sent.answer.then(
      () => {
        this.counts.answered += 1;
        this.#idle.push(conversation);
        if (this.#idle.length > IDLE_KEPT) this.#idle.shift();
      },
      () => {
        this.counts.lost += 1;
        if (this.counts.lostTags.length < 20) this.counts.lostTags.push(`${conversation.kind} ${tag}`);
      },
    ).finally(() => {
      sent.cleanup();
      this.#pending.delete(settled);
    });
    this.#pending.add(settled);
  }

  /** Resolves when every message sent so far is answered or timed out. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #takeIdle(): SoakConversation {
    const index = Math.floor(Math.random() * this.#idle.length);
    const [conversation] = this.#idle.splice(index, 1);
    return conversation as SoakConversation;
  }

  #newConversation(kind: ConversationKind): SoakConversation {
    this.counts.conversations[kind] += 1;
    const n = ++this.#users;
    if (kind === 'slack-dm' || kind === 'slack-thread') {
      const user = `USOAK${String(n).padStart(6, '0')}`;
      const channel = kind === 'slack-dm' ? `DSOAK${String(n).padStart(6, '0')}` : `CSOAK${String(n % 64).padStart(3, '0')}`;
      this.options.slack.store.ensureUser(user);
      this.options.slack.store.ensureChannel(channel, kind === 'slack-dm' ? 'im' : 'channel', kind === 'slack-dm' ? user : undefined);
      return { kind, channel, user };
    }
    const user = { id: `5${String(n).padStart(17, '0')}`, username: `soaker${n}` };
    const channel = kind === 'discord-dm' ? this.options.discord.dmChannel(user).id : this.options.discord.createThread(`soak ${n}`, undefined, user).id;
    return { kind, channel, user: user.id };
  }

  #send(conversation: SoakConversation, tag: string, image: Buffer | undefined): { answer: Promise<Sample>; cleanup: () => void } {
    const { slack, discord, tracker, answerTimeoutMs } = this.options;
    const name = `${tag}.png`;
    if (conversation.kind === 'discord-dm' || conversation.kind === 'discord-thread') {
      const mention = conversation.kind === 'discord-thread' ? `<@${discord.botUser.id}> ` : '';
      const message = discord.sendUserMessage({
        channelId: conversation.channel,
        author: { id: conversation.user, username: `soaker${conversation.user.slice(-6)}` },
        content: `${mention}bench#${tag} ${PROMPT}`,
        ...(image === undefined ? {} : { attachments: [{ filename: name, contentType: 'image/png', data: image }] }),
      });
      return {
        answer: tracker.expectDiscord(tag, message.id, conversation.channel, answerTimeoutMs),
        cleanup: () => message.attachments.forEach((a) => discord.removeAttachment(a.url)),
      };
    }
    const file: SlackFile | undefined = image === undefined ? undefined : slack.uploadFile({ name, mimetype: 'image/png', data: image });
    return { answer: this.#sendSlack(conversation, tag, file), cleanup: () => void (file === undefined ? undefined : slack.files.remove(file.id)) };
  }

  /** Built from the fake's pieces, as the bench's Rig does, without a per-delivery ack waiter. */
  #sendSlack(conversation: SoakConversation, tag: string, file: SlackFile | undefined): Promise<Sample> {
    const fake = this.options.slack;
    const isDm = conversation.kind === 'slack-dm';
    const text = `${isDm ? '' : `<@${fake.ids.botUserId}> `}bench#${tag} ${PROMPT}`;
    const channel = fake.store.ensureChannel(conversation.channel);
    const stored = fake.store.post(channel.id, {
      client_msg_id: randomUUID(),
      text,
      user: conversation.user,
      team: fake.ids.teamId,
      blocks: richTextBlocks(text),
      ...(conversation.threadTs === undefined ? {} : { thread_ts: conversation.threadTs }),
      // Slack marks a DM carrying files as file_share; a mention with files keeps no subtype.
      ...(file === undefined ? {} : { files: [file], ...(isDm ? { subtype: 'file_share' } : {}) }),
    });
    if (stored === undefined) return Promise.reject(new Error(`soak: thread ${conversation.threadTs ?? ''} missing in ${channel.id}`));
    if (!isDm) conversation.threadTs ??= stored.ts;
    const envelope = eventsApiEnvelope(eventCallback(fake.ids, messageEvent(isDm ? 'message' : 'app_mention', channel, stored), slackId('Ev')), 0, '');
    // A DM's answer is top level: its "thread" is the message itself, which #slackAnswered knows.
    const answered = this.options.tracker.expectSlack(tag, envelope.envelope_id, channel.id, conversation.threadTs ?? stored.ts, stored.ts, this.options.answerTimeoutMs);
    fake.socket.deliver(envelope);
    return answered;
  }

  /** The whole answer is visible after the user's message: in the DM itself, or in the thread. */
  #slackAnswered(place: SlackPlace): boolean {
    const fake = this.options.slack;
    const after = tsKey(place.messageTs);
    const messages = place.channel.startsWith('D') ? fake.store.history(place.channel) : fake.store.thread(place.channel, place.threadTs);
    return (messages ?? []).some((m) => m.bot_id === fake.ids.botId && m.streaming_state !== 'in_progress' && tsKey(m.ts) > after && m.text.includes(ANSWER));
  }
}
