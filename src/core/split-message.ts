/**
 * Splits chat answers that outgrow a platform's message limit at the most
 * natural boundary, never leaving a code block open across messages.
 */
export interface MessageSplit {
  /** The text of the finished message (a code block cut in two is closed). */
  readonly head: string;
  /** Index into the input where the next message's text starts. */
  readonly restStart: number;
  /** Prefix for the next message: the reopened code fence, or ''. */
  readonly reopen: string;
}

const fenceLine = /^ {0,3}(`{3,}|~{3,})(.*)$/;
/** Room kept for the "\n```" that closes a code block cut in two. */
export const closingReserve = 8;

/** Returns null when `text` fits in `maxLength`. */
export function splitMessage(text: string, maxLength: number): MessageSplit | null {
  if (text.length <= maxLength) return null;
  const limit = Math.max(1, maxLength - closingReserve);
  let cut = chooseCut(text, limit);
  let fence = openFenceAt(text, cut);
  if (fence !== null && fence.openedAt >= limit * 0.3) {
    // Better to end the message before the code block than to cut through it.
    cut = fence.openedAt;
    fence = null;
  }
  const head = text.slice(0, cut).trimEnd();
  const restStart = skipBlankStart(text, cut);
  if (fence === null) return { head, restStart, reopen: '' };
  return { head: `${head}\n${fence.marker}`, restStart, reopen: `${fence.marker}${fence.info}\n` };
}

/** Splits a whole text into messages of at most `maxLength` characters. */
export function splitAll(text: string, maxLength: number): string[] {
  const parts: string[] = [];
  let rest = text;
  for (;;) {
    const split = splitMessage(rest, maxLength);
    if (split === null) break;
    parts.push(split.head);
    rest = split.reopen + rest.slice(split.restStart);
  }
  if (rest.trim().length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

function chooseCut(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const candidates: [RegExp, number][] = [
    [/\n\s*\n/g, 0.4], // paragraph
    [/\n/g, 0.4], // line
    [/[.!?]["')\]]?\s/g, 0.3], // sentence
    [/\s/g, 0.2], // word
  ];
  for (const [pattern, minShare] of candidates) {
    let best = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end <= limit) best = end;
    }
    if (best >= limit * minShare) return best;
  }
  // No boundary at all: cut hard, but never between the halves of a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

interface OpenFence {
  readonly marker: string;
  readonly info: string;
  readonly openedAt: number;
}

/** The code fence still open at `index`, if any. */
export function openFenceAt(text: string, index: number): OpenFence | null {
  let open: OpenFence | null = null;
  let lineStart = 0;
  while (lineStart < index) {
    const lineEnd = text.indexOf('\n', lineStart);
    const end = lineEnd === -1 ? text.length : lineEnd;
    const match = fenceLine.exec(text.slice(lineStart, end));
    if (match !== null) {
      const marker = match[1] as string;
      if (open === null) open = { marker, info: (match[2] ?? '').trim(), openedAt: lineStart };
      else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && (match[2] ?? '').trim() === '') open = null;
    }
    if (lineEnd === -1) break;
    lineStart = lineEnd + 1;
  }
  return open;
}

function skipBlankStart(text: string, index: number): number {
  let i = index;
  while (i < text.length && (text[i] === '\n' || text[i] === ' ' || text[i] === '\r')) i += 1;
  return i;
}
