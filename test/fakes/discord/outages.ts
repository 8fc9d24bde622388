// Outages at Discord's edge: for a while, REST calls (all, or some routes) and gateway upgrades get a 5xx
// page instead of an answer, the way Cloudflare answers while Discord's API is down.
import type { RouteMatch } from './types.js';

export interface OutageOptions {
  /** Default 502. */
  status?: number;
  /** REST requests answered with the status: all (default), none, or only those matching. */
  rest?: boolean | RouteMatch;
  /** Gateway upgrades answered with the status too (default false). */
  gateway?: boolean;
  /** Ends by itself after this long; without it, it lasts until `end()`. */
  forMs?: number;
}

export interface Outage {
  /** Date.now() when it ended, or null while it lasts. */
  readonly endedAt: number | null;
  /** Resolves with `endedAt` once it ends. */
  readonly ended: Promise<number>;
  end(): void;
}

interface Active {
  readonly status: number;
  readonly rest: boolean | RouteMatch;
  readonly gateway: boolean;
  endedAt: number | null;
  readonly end: () => void;
}

const routeMatches = (match: RouteMatch, method: string, path: string): boolean =>
  (match.method === undefined || match.method.toUpperCase() === method) && (typeof match.path === 'string' ? match.path === path : match.path.test(path));

export class Outages {
  readonly #active = new Set<Active>();

  constructor(private readonly changed: () => void) {}

  start(options: OutageOptions = {}): Outage {
    let resolveEnded: (at: number) => void = () => undefined;
    const ended = new Promise<number>((resolve) => (resolveEnded = resolve));
    const active: Active = {
      status: options.status ?? 502, rest: options.rest ?? true, gateway: options.gateway ?? false, endedAt: null,
      end: () => {
        if (active.endedAt !== null) return;
        clearTimeout(timer);
        active.endedAt = Date.now();
        this.#active.delete(active);
        resolveEnded(active.endedAt);
        this.changed();
      },
    };
    const timer = options.forMs === undefined ? undefined : setTimeout(active.end, options.forMs);
    timer?.unref();
    this.#active.add(active);
    this.changed();
    return { get endedAt() { return active.endedAt; }, ended, end: active.end };
  }

  /** The status a REST request gets instead of an answer, if an outage covers it. */
  restStatus(method: string, path: string): number | undefined {
    for (const active of this.#active) {
      if (active.rest === true || (active.rest !== false && routeMatches(active.rest, method, path))) return active.status;
    }
    return undefined;
  }

  gatewayStatus(): number | undefined {
    for (const active of this.#active) if (active.gateway) return active.status;
    return undefined;
  }

  endAll(): void {
    for (const active of [...this.#active]) active.end();
  }
}

/** The body Discord's edge sends with a 5xx: an HTML page, not Discord's JSON error. */
export function outagePage(status: number): string {
  return `<html><head><title>${status}</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>`;
}
