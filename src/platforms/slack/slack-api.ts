import { webApi } from '@slack/bolt';
import { setTimeout as delay } from 'node:timers/promises';
import { BridgeError } from '../../errors.js';
import type { Logger } from '../../log/index.js';
import { toSlackLogger } from './bolt-logger.js';
import { RateBudgets } from './rate-budget.js';
import { keepAliveFetch } from './slack-fetch.js';

type WebClient = webApi.WebClient;
export type SlackArgs = Record<string, unknown>;
export type SlackResult = webApi.WebAPICallResult & Record<string, unknown>;

/** The budget of a method is spent (by our count or by Slack's 429): try again after `retryAfterMs`. */
export class SlackLimitedError extends BridgeError {
  constructor(
    readonly method: string,
    readonly retryAfterMs: number,
  ) {
    super('slack_rate_limited', `${method} is rate-limited for ${retryAfterMs} ms`);
  }
}

export interface SlackApiOptions {
  readonly token: string;
  readonly apiUrl: string;
  /** Slack's rate-limit window (a minute). */
  readonly rateWindowMs: number;
  readonly logger: Logger;
}

export interface CallOptions {
  /** chat.postMessage is paced per channel. */
  readonly channel?: string;
  /** The budget was already taken with `reserve` (a stream's start and stop together). */
  readonly reserved?: boolean;
  /** Calls of the window this one must leave to others (RateBudgets.tryTake). */
  readonly keep?: number;
}

/**
 * The bot's one way to Slack's Web API. The official client pauses *every* call for Retry-After
 * when one gets a 429 and retries for half an hour; here a limited call fails at once
 * (`rejectRateLimitedCalls`), counts against that method only, and the caller decides: degrade
 * (stream -> post), drop (cosmetic), answer without (reads), or wait for that method alone
 * (`persist`, for writes that must land). Transport errors and 5xx get two quick retries.
 */
export class SlackApi {
  readonly client: WebClient;
  readonly budgets: RateBudgets;
  /** 429s Slack answered, by method. */
  readonly rateLimited = new Map<string, number>();
  /** Calls not made because our own count said the budget was spent, by method. */
  readonly heldBack = new Map<string, number>();

  constructor(options: SlackApiOptions) {
    this.client = new webApi.WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      logger: toSlackLogger(options.logger),
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000 },
      // A request that hangs must not hold an answer for ever (the transport's socket timeout: no signal and timer per call).
      fetch: keepAliveFetch({ timeoutMs: 15_000 }),
    });
    this.budgets = new RateBudgets(options.rateWindowMs);
  }

  /** Takes the budget of several methods at once (all or none). */
  reserve(methods: readonly string[], channel?: string): boolean {
    return this.budgets.tryTake(methods, channel);
  }

  /** One call now; SlackLimitedError (without calling) when the method's budget is spent. */
  async attempt(method: string, args: SlackArgs, options: CallOptions = {}): Promise<SlackResult> {
    if (options.reserved !== true && !this.budgets.tryTake([method], options.channel, options.keep)) {
      count(this.heldBack, method);
      throw new SlackLimitedError(method, this.budgets.waitMs(method, options.channel, options.keep));
    }
    try {
      return (await this.client.apiCall(method, args)) as SlackResult;
    } catch (error) {
      const retryAfterSeconds = (error as { code?: string; retryAfter?: number }).code === webApi.ErrorCode.RateLimitedError ? (error as { retryAfter?: number }).retryAfter : undefined;
      if (retryAfterSeconds === undefined) throw error;
      count(this.rateLimited, method);
      this.budgets.block(method, retryAfterSeconds * 1000, options.channel);
      throw new SlackLimitedError(method, retryAfterSeconds * 1000);
    }
  }

  /**
   * Keeps trying one call until it lands or `withinMs` passes, waiting out that method's limit
   * only (other calls go on). Slack's own errors (ok: false) are final and thrown at once.
   */
  async persist(method: string, args: SlackArgs, withinMs: number, options: CallOptions = {}): Promise<SlackResult> {
    const deadline = Date.now() + withinMs;
    let reserved = options.reserved === true;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.attempt(method, args, { ...options, reserved });
      } catch (error) {
        reserved = false;
        const waitMs = error instanceof SlackLimitedError ? error.retryAfterMs : isTransient(error) ? Math.min(5000, 250 * 2 ** attempt) : undefined;
        if (waitMs === undefined || Date.now() + waitMs > deadline) throw error;
        await delay(Math.max(50, waitMs), undefined, { ref: false });
      }
    }
  }
}

/** The platform's error code (`invalid_auth`, `message_not_in_streaming_state`…), if Slack sent one. */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | null)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

/** No answer or a 5xx (the client already retried twice): worth trying again later. */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === webApi.ErrorCode.RequestError || code === webApi.ErrorCode.HTTPError || ['fatal_error', 'internal_error', 'service_unavailable', 'request_timeout'].includes(slackErrorCode(error) ?? '');
}

function count(counts: Map<string, number>, method: string): void {
  counts.set(method, (counts.get(method) ?? 0) + 1);
}
