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
  /** Each value with its JSON-escaped form, or undefined when escaping leaves it unchanged. */
  #values: { readonly value: string; readonly encoded: string | undefined }[] = [];

  /** Registers secret values loaded at start-up; short values are ignored to avoid mangling logs. */
  add(values: Iterable<string | undefined>): void {
    for (const value of values) {
      if (value === undefined || value.length < 8 || this.#values.some((known) => known.value === value)) continue;
      // The JSON encoder may have escaped characters in the value; the line then holds that form.
      const encoded = JSON.stringify(value).slice(1, -1);
      this.#values.push({ value, encoded: encoded === value ? undefined : encoded });
    }
    // Longest first so a value containing another is replaced whole.
    this.#values.sort((a, b) => b.value.length - a.value.length);
  }

  redact(line: string): string {
    let out = line;
    for (const { value, encoded } of this.#values) {
      if (out.includes(value)) out = out.split(value).join(redactedMarker);
      if (encoded !== undefined && out.includes(encoded)) out = out.split(encoded).join(redactedMarker);
    }
    for (const shape of tokenShapes) out = out.replace(shape, redactedMarker);
    return out;
  }
}
