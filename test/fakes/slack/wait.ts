// One place where tests wait on the fake's state: every change calls notify() and each waiter re-checks.

interface Waiter {
  probe: () => boolean;
  timer: NodeJS.Timeout;
  reject: (error: Error) => void;
}

export interface WaitOptions {
  /** For promises nobody may await (a delivery's `acked`): the timer must not hold the process open. */
  unref?: boolean;
}

export class Waiters {
  readonly #waiting = new Set<Waiter>();
  #closed = false;

  wait<T>(probe: () => T | undefined, timeoutMs: number, what: string, options: WaitOptions = {}): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    if (this.#closed) return Promise.reject(new Error(`fake Slack closed while waiting for ${what}`));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        probe: () => {
          const found = probe();
          if (found === undefined) return false;
          resolve(found);
          return true;
        },
        timer: setTimeout(() => {
          this.#waiting.delete(waiter);
          reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
        reject,
      };
      if (options.unref === true) waiter.timer.unref();
      this.#waiting.add(waiter);
    });
  }

  notify(): void {
    for (const waiter of [...this.#waiting]) {
      if (waiter.probe()) {
        clearTimeout(waiter.timer);
        this.#waiting.delete(waiter);
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('fake Slack closed'));
    }
    this.#waiting.clear();
  }
}
