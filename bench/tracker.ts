// Follows each benchmark message through the fakes' observer taps, all on one clock
// (performance.now() in this process): sent -> acked (Slack) -> model called -> first reply call -> done.
import type { DiscordObserver } from '../test/fakes/discord/index.js';
import type { ApiCall, SlackObserver } from '../test/fakes/slack/index.js';

export type Platform = 'slack' | 'discord';

/** The fixed answer: the fake model streams these deltas, the baseline posts their concatenation. */
export const ANSWER_CHUNKS = ['Here is ', 'the benchmark ', 'answer.'];
export const ANSWER = ANSWER_CHUNKS.join('');

export interface Sample {
  readonly platform: Platform;
  readonly tag: string;
  /** The event frame left the fake's socket (Slack envelope, Discord MESSAGE_CREATE dispatch). */
  sentAt?: number;
  /** Slack only: the envelope's ack reached the fake. */
  ackAt?: number;
  /** The fake Bedrock's responder saw the prompt (bridge only). */
  modelAt?: number;
  /** The first reply call reached the fake (Slack chat.startStream / chat.postMessage; Discord POST messages). */
  firstAt?: number;
  /** The whole answer is visible: the call that completed it reached the fake (see Tracker). */
  doneAt?: number;
}

/** Where a Slack message and its answer live. */
export interface SlackPlace {
  readonly channel: string;
  readonly threadTs: string;
  readonly messageTs: string;
}

interface Pending {
  readonly sample: Sample;
  readonly slack?: SlackPlace;
  readonly keys: ReadonlyArray<readonly [Map<string, Pending>, string]>;
  readonly resolve: (sample: Sample) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Slack calls after which an answer may be complete. */
const SLACK_WRITES = new Set(['chat.postMessage', 'chat.update', 'chat.startStream', 'chat.appendStream', 'chat.stopStream']);

/**
 * Done means what the user sees: Slack, the thread holds a bot message after the user's with the
 * whole answer and no stream still open (asked of the fake's store through `slackAnswered`);
 * Discord, a POST or PATCH in the channel carries the whole answer.
 */
export class Tracker {
  slackAnswered: (place: SlackPlace) => boolean = () => false;
  readonly #byEnvelope = new Map<string, Pending>();
  readonly #byThread = new Map<string, Pending>();
  readonly #byMessage = new Map<string, Pending>();
  readonly #byChannel = new Map<string, Pending>();
  readonly #byTag = new Map<string, Pending>();
  /** Discord dispatches leave inside sendUserMessage, before its id is known to the caller. */
  readonly #earlySent = new Map<string, number>();

  constructor(private readonly discordBotId: string) {}

  readonly slackObserver: SlackObserver = {
    envelopeSent: (id, at) => {
      const pending = this.#byEnvelope.get(id);
      if (pending !== undefined) pending.sample.sentAt ??= at;
    },
    ackReceived: (id, at) => {
      const pending = this.#byEnvelope.get(id);
      if (pending !== undefined) pending.sample.ackAt ??= at;
    },
    apiCall: (call, at) => this.#slackCall(call, at),
  };

  readonly discordObserver: DiscordObserver = {
    dispatchSent: (event, data, at) => {
      if (event !== 'MESSAGE_CREATE') return;
      const message = data as { id?: string; author?: { id?: string } };
      if (message.id === undefined || message.author?.id === this.discordBotId) return;
      const pending = this.#byMessage.get(message.id);
      if (pending !== undefined) pending.sample.sentAt ??= at;
      else {
        if (this.#earlySent.size > 10_000) this.#earlySent.clear();
        this.#earlySent.set(message.id, at);
      }
    },
    restRequest: ({ method, path, body }, at) => {
      const [, top, channel, sub, messageId] = path.split('/');
      if (top !== 'channels' || sub !== 'messages' || channel === undefined) return;
      const pending = this.#byChannel.get(channel);
      if (pending === undefined) return;
      const isPost = method === 'POST' && messageId === undefined;
      if (isPost) pending.sample.firstAt ??= at;
      const content = (body as { content?: unknown } | undefined)?.content;
      if ((isPost || method === 'PATCH') && content === ANSWER) this.#finish(pending, at);
    },
  };

  /** The fake model's responder calls this with the prompt it got. */
  modelSeen(prompt: string, at: number): void {
    const tag = /bench#([\w-]+)/.exec(prompt)?.[1];
    const pending = tag === undefined ? undefined : this.#byTag.get(tag);
    if (pending !== undefined) pending.sample.modelAt ??= at;
  }

  expectSlack(tag: string, envelopeId: string, channel: string, threadTs: string, messageTs: string, timeoutMs: number): Promise<Sample> {
    return this.#expect({ platform: 'slack', tag }, timeoutMs, { channel, threadTs, messageTs }, [
      [this.#byEnvelope, envelopeId],
      [this.#byThread, `${channel}:${threadTs}`],
      [this.#byTag, tag],
    ]);
  }

  expectDiscord(tag: string, messageId: string, channelId: string, timeoutMs: number): Promise<Sample> {
    const sample: Sample = { platform: 'discord', tag };
    const early = this.#earlySent.get(messageId);
    if (early !== undefined) {
      sample.sentAt = early;
      this.#earlySent.delete(messageId);
    }
    return this.#expect(sample, timeoutMs, undefined, [
      [this.#byMessage, messageId],
      [this.#byChannel, channelId],
      [this.#byTag, tag],
    ]);
  }

  get outstanding(): number {
    return this.#byTag.size;
  }

  #expect(sample: Sample, timeoutMs: number, slack: SlackPlace | undefined, keys: Array<readonly [Map<string, Pending>, string]>): Promise<Sample> {
    return new Promise<Sample>((resolve, reject) => {
      for (const [map, key] of keys) {
        if (map.has(key)) return reject(new Error(`bench: two messages in flight for ${key}`));
      }
      const timer = setTimeout(() => {
        this.#forget(pending);
        reject(new Error(`bench: ${sample.platform} message ${sample.tag} not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: Pending = { sample, keys, resolve, reject, timer, ...(slack === undefined ? {} : { slack }) };
      for (const [map, key] of keys) map.set(key, pending);
    });
  }

  #slackCall(call: ApiCall, at: number): void {
    const arg = (name: string): string => (typeof call.args[name] === 'string' ? call.args[name] : '');
    const channel = arg('channel');
    if (call.method === 'chat.startStream' || call.method === 'chat.postMessage') {
      const pending = this.#byThread.get(`${channel}:${arg('thread_ts')}`);
      if (pending !== undefined) pending.sample.firstAt ??= at;
    }
    if (!SLACK_WRITES.has(call.method)) return;
    // The fake applies the call right after recording it, in the same task: look once it has.
    queueMicrotask(() => {
      for (const pending of this.#byThread.values()) {
        if (pending.slack?.channel === channel && this.slackAnswered(pending.slack)) this.#finish(pending, at);
      }
    });
  }

  #finish(pending: Pending, at: number): void {
    pending.sample.doneAt = at;
    this.#forget(pending);
    pending.resolve(pending.sample);
  }

  #forget(pending: Pending): void {
    clearTimeout(pending.timer);
    for (const [map, key] of pending.keys) if (map.get(key) === pending) map.delete(key);
  }
}
