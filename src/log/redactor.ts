/**
 * Token shapes that must never reach a log line, whether or not we loaded them:
 * Slack bot/user/app tokens, Discord bot tokens (base64 id . timestamp . hmac),
 * AWS access key ids.
 */
const tokenShapes: readonly RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
];

export const redactedMarker = '[REDACTED]';

/** Replaces loaded secret values and token shapes in a finished log line. */
export class Redactor {
  #values: string[] = [];

  /** Registers secret values loaded at start-up; short values are ignored to avoid mangling logs. */
  add(values: Iterable<string | undefined>): void {
    for (const value of values) {
      if (value !== undefined && value.length >= 8 && !this.#values.includes(value)) this.#values.push(value);
    }
    // Longest first so a value containing another is replaced whole.
    this.#values.sort((a, b) => b.length - a.length);
  }

  redact(line: string): string {
    let out = line;
    for (const value of this.#values) {
      if (out.includes(value)) out = out.split(value).join(redactedMarker);
      // The JSON encoder may have escaped characters in the value; cover that form too.
      const encoded = JSON.stringify(value).slice(1, -1);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(redactedMarker);
    }
    for (const shape of tokenShapes) out = out.replace(shape, redactedMarker);
    return out;
  }
}
