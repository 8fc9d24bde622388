// Lets tests wait for recorded state to reach a condition instead of sleeping.
import { EventEmitter } from 'node:events';

export const DEFAULT_WAIT_MS = 5000;

export class Changes {
  readonly #events = new EventEmitter();

  constructor() {
    // Many waiters may be pending at once (one per test expectation); that is not a leak.
    this.#events.setMaxListeners(0);
  }

  notify(): void {
    this.#events.emit('change');
  }

  /** Resolves with the first truthy `probe()` result, checked now and after every change. */
  waitFor<T>(probe: () => T | undefined | false, label: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const now = probe();
    if (now !== undefined && now !== false) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const onChange = (): void => {
        const value = probe();
        if (value === undefined || value === false) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Discord: timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#events.off('change', onChange);
      };
      this.#events.on('change', onChange);
    });
  }
}
