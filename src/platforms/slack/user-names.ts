import type { webApi } from '@slack/bolt';

type WebClient = webApi.WebClient;
import { TtlCache } from '../../core/index.js';
import type { Logger } from '../../log/index.js';

/** Display names from users.info, cached so a busy thread costs one look-up per person an hour. */
export class SlackUserNames {
  readonly #cache = new TtlCache<string>(5_000, 60 * 60_000);

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  cached(userId: string): string | undefined {
    return this.#cache.get(userId);
  }

  /** Resolves the given ids (in parallel, failures fall back to the id itself). */
  async resolve(userIds: readonly string[]): Promise<void> {
    await Promise.all(
      userIds
        .filter((id) => this.#cache.get(id) === undefined)
        .map(async (id) => {
          try {
            const response = await this.client.users.info({ user: id });
            const profile = response.user?.profile;
            const name = profile?.display_name || profile?.real_name || response.user?.name;
            if (name !== undefined && name !== '') this.#cache.set(id, name);
          } catch (error) {
            this.logger.debug('users.info failed', { user: id, error });
          }
        }),
    );
  }
}
