/**
 * Base of every failure the bridge handles on purpose. `userMessage`, when set,
 * is the short honest line a chat user may see; `message` is for the log.
 */
export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly userMessage?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
