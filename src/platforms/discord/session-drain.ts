import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import type { REST } from 'discord.js';
import type { Logger } from '../../log/index.js';

export type DrainOutcome = 'resumed' | 'resume_failed';

export interface SessionDrainOptions {
  readonly token: string;
  readonly intents: number;
  readonly rest: REST;
  readonly session: SessionInfo;
  /** Each dispatch Discord replays (and sends) on the resumed session. */
  readonly onDispatch: (event: string, data: unknown) => void;
  readonly logger: Logger;
  readonly timeoutMs?: number;
}

/**
 * Resumes a predecessor's gateway session so Discord replays what was sent
 * between the handover and now. The discord.js Client cannot start from a
 * RESUME (it needs READY), so this second, short-lived connection carries the
 * replay while the Client identifies; overlapping events are deduplicated by
 * message id in the core.
 */
export class GatewaySessionDrain {
  #manager: WebSocketManager | undefined;

  constructor(private readonly options: SessionDrainOptions) {}

  /** Resolves once the replay is complete (RESUMED) or the session turned out to be gone. */
  async run(): Promise<DrainOutcome> {
    let session: SessionInfo | null = this.options.session;
    const manager = new WebSocketManager({
      token: this.options.token,
      intents: this.options.intents,
      rest: this.options.rest,
      shardCount: this.options.session.shardCount,
      shardIds: [this.options.session.shardId],
      retrieveSessionInfo: () => session,
      updateSessionInfo: (_shardId, info) => {
        session = info;
      },
    });
    this.#manager = manager;
    const outcome = new Promise<DrainOutcome>((resolve) => {
      manager.on(WebSocketShardEvents.Resumed, () => resolve('resumed'));
      // READY means the resume was refused and the library identified afresh: not ours to keep.
      manager.on(WebSocketShardEvents.Ready, () => resolve('resume_failed'));
      setTimeout(() => resolve('resume_failed'), this.options.timeoutMs ?? 15_000).unref();
    });
    manager.on(WebSocketShardEvents.Dispatch, ({ data }) => {
      const event: string = data.t;
      if (event !== 'READY' && event !== 'RESUMED') this.options.onDispatch(event, data.d);
    });
    manager.on(WebSocketShardEvents.Error, ({ error }) => this.options.logger.warn('handover resume connection error', { error }));
    try {
      await Promise.race([manager.connect(), outcome]);
    } catch (error) {
      this.options.logger.warn('could not resume the handed-over gateway session', { error });
      return 'resume_failed';
    }
    return outcome;
  }

  /** Ends the resumed session for good (code 1000), now that the Client has its own. */
  async close(): Promise<void> {
    await Promise.resolve(this.#manager?.destroy({ code: 1000, reason: 'handover replay complete' })).catch(() => undefined);
  }
}
