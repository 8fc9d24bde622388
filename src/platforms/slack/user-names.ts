import { TtlCache } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { SlackApi } from './slack-api.js';

interface UserInfo {
  readonly name?: string;
  readonly profile?: { readonly display_name?: string; readonly real_name?: string };
}

/** Display names from users.info, cached so a busy thread costs one look-up per person an hour. */
export class SlackUserNames {
  readonly #cache = new TtlCache<string>(5_000, 60 * 60_000);

  constructor(
    private readonly api: SlackApi,
    private readonly logger: Logger,
  ) {}

  cached(userId: string): string | undefined {
    return this.#cache.get(userId);
  }

  /** Resolves the given ids (in parallel; failures, rate limits included, fall back to the id itself). */
  async resolve(userIds: readonly string[]): Promise<void> {
    await Promise.all(
      userIds
        .filter((id) => this.#cache.get(id) === undefined)
        .map(async (id) => {
          try {
            const user = (await this.api.attempt('users.info', { user: id })).user as UserInfo | undefined;
            const profile = user?.profile;
            const name = profile?.display_name || profile?.real_name || user?.name;
            if (name !== undefined && name !== '') this.#cache.set(id, name);
          } catch (error) {
            this.logger.debug('users.info failed', { user: id, error });
          }
        }),
    );
  }
}
