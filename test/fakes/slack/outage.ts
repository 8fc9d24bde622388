// A Slack outage the fake can stage: for a while every Web API call (apps.connections.open included)
// answers a 5xx and Socket Mode upgrades are refused, as during an incident at Slack's edge. The body
// is what Slack's API sends with a 5xx when it sends JSON at all; the client sees WebAPIHTTPError.
export interface OutageOptions {
  /** HTTP status of every answer meanwhile. Default 503. */
  readonly status?: number;
  /** Only these methods fail (default: all). */
  readonly methods?: readonly string[];
}

export class Outage {
  #until = 0;
  #options: OutageOptions = {};

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts (or extends) an outage of `ms`. */
  start(ms: number, options: OutageOptions = {}): void {
    this.#until = this.now() + ms;
    this.#options = options;
  }

  end(): void {
    this.#until = 0;
  }

  /** The status to answer `method` with now, or undefined when Slack is up for it. */
  statusFor(method: string): number | undefined {
    if (this.now() >= this.#until) return undefined;
    const { methods, status = 503 } = this.#options;
    if (methods !== undefined && !methods.includes(method)) return undefined;
    return status;
  }

  get active(): boolean {
    return this.now() < this.#until;
  }
}
