import { BridgeError } from '../errors.js';

/** Start-up configuration is wrong; each problem names the variable, the fault and the fix. */
export class ConfigError extends BridgeError {
  constructor(readonly problems: readonly string[]) {
    super('config_invalid', `Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
