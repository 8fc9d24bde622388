import type { ConversationTurn } from './types.js';

export interface HistoryLimits {
  readonly maxTurns: number;
  readonly maxChars: number;
  readonly maxConversations: number;
  /** File bytes kept per conversation so later turns can refer to them; older files are dropped first. */
  readonly maxAttachmentBytes?: number;
}

/**
 * Turns per conversation, bounded by count and size with the oldest dropped
 * first, and by the number of conversations (least recently used dropped).
 */
export class ConversationHistory {
  readonly #turns = new Map<string, ConversationTurn[]>();

  constructor(private readonly limits: HistoryLimits) {}

  /** The stored turns, oldest first, or undefined when this process has none for the key. */
  get(key: string): readonly ConversationTurn[] | undefined {
    const turns = this.#turns.get(key);
    if (turns === undefined) return undefined;
    this.#touch(key, turns);
    return turns.slice();
  }

  has(key: string): boolean {
    return this.#turns.has(key);
  }

  /** Seeds a conversation (e.g. rebuilt from the platform) unless it already has turns. */
  seed(key: string, turns: readonly ConversationTurn[]): void {
    if (this.#turns.has(key)) return;
    this.#store(key, [...turns]);
  }

  append(key: string, ...turns: ConversationTurn[]): void {
    this.#store(key, [...(this.#turns.get(key) ?? []), ...turns]);
  }

  forget(key: string): boolean {
    return this.#turns.delete(key);
  }

  #store(key: string, turns: ConversationTurn[]): void {
    const trimmed = trimTurns(turns, this.limits.maxTurns, this.limits.maxChars);
    this.#touch(key, keepRecentAttachments(trimmed, this.limits.maxAttachmentBytes ?? 0));
    while (this.#turns.size > this.limits.maxConversations) {
      const oldest = this.#turns.keys().next().value;
      if (oldest === undefined) break;
      this.#turns.delete(oldest);
    }
  }

  #touch(key: string, turns: ConversationTurn[]): void {
    this.#turns.delete(key);
    this.#turns.set(key, turns);
  }
}

/** Drops the oldest turns until both bounds hold; never starts on an assistant turn. */
export function trimTurns(turns: ConversationTurn[], maxTurns: number, maxChars: number): ConversationTurn[] {
  let start = Math.max(0, turns.length - maxTurns);
  let chars = 0;
  for (let i = turns.length - 1; i >= start; i -= 1) {
    chars += turns[i]?.text.length ?? 0;
    if (chars > maxChars) {
      start = i + 1;
      break;
    }
  }
  while (start < turns.length && turns[start]?.role !== 'user') start += 1;
  return turns.slice(start);
}

/**
 * Keeps the newest files within `maxBytes`; an older turn loses its files but
 * keeps a note of them, so the model knows they existed.
 */
export function keepRecentAttachments(turns: ConversationTurn[], maxBytes: number): ConversationTurn[] {
  let kept = 0;
  const result = [...turns];
  for (let i = result.length - 1; i >= 0; i -= 1) {
    const turn = result[i] as ConversationTurn;
    const files = turn.attachments ?? [];
    if (files.length === 0) continue;
    const bytes = files.reduce((sum, file) => sum + file.bytes.byteLength, 0);
    if (kept + bytes <= maxBytes) {
      kept += bytes;
      continue;
    }
    const note = `[earlier files no longer kept: ${files.map((file) => file.name).join(', ')}]`;
    result[i] = { role: turn.role, text: turn.text === '' ? note : `${turn.text}\n${note}` };
  }
  return result;
}

/** Rough characters per token for budgeting; exact counts would need the model's tokenizer. */
const charsPerToken = 4;

/**
 * The newest turns that fit `tokenBudget`, oldest dropped first; with
 * `keepFirst`, the first turn (a thread's parent) stays whatever its place.
 */
export function fitToTokenBudget(turns: readonly ConversationTurn[], tokenBudget: number, keepFirst = false): ConversationTurn[] {
  let left = tokenBudget * charsPerToken;
  const first = keepFirst ? turns[0] : undefined;
  if (first !== undefined) left -= first.text.length;
  const kept: ConversationTurn[] = [];
  for (let i = turns.length - 1; i >= (first === undefined ? 0 : 1); i -= 1) {
    const turn = turns[i] as ConversationTurn;
    if (turn.text.length > left) break;
    left -= turn.text.length;
    kept.unshift(turn);
  }
  return first === undefined ? kept : [first, ...kept];
}
