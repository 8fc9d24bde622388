import { BridgeError } from '../errors.js';

/** A takeover payload that does not describe a usable session; nothing was changed. */
export class InvalidHandoverError extends BridgeError {
  constructor(message: string) {
    super('invalid_handover', message);
  }
}
