import type { ConversationTurn } from './types.js';

export interface HistoryLimits {
  readonly maxTurns: number;
  readonly maxChars: number;
  readonly maxConversations: number;
  /** File bytes kept per conversation so later turns can refer to them; older files are dropped first. */
  readonly maxAttachmentBytes?: number;
  /**
   * Text and file bytes held across every conversation (see `heldBytes`). Over it, least recently
   * used content goes first: other conversations' files, then whole other conversations, then the
   * current conversation's older files. Unbounded when absent.
   */
  readonly maxTotalBytes?: number;
}

/** What the history holds now, and what the total budget has cost so far. */
export interface HistoryStats {
  readonly conversations: number;
  readonly textBytes: number;
  readonly fileBytes: number;
  /** textBytes + fileBytes: what `maxTotalBytes` bounds. */
  readonly heldBytes: number;
  /** Null when there is no total budget. */
  readonly budgetBytes: number | null;
  /** Files dropped to stay within the total budget (each turn keeps a note of its files). */
  readonly filesDropped: number;
  /** Conversations dropped whole to stay within the total budget. */
  readonly conversationsDropped: number;
  /** Conversations dropped because there were more than `maxConversations`. */
  readonly conversationsEvicted: number;
}

interface Entry {
  readonly turns: ConversationTurn[];
  readonly textBytes: number;
  readonly fileBytes: number;
}

/**
 * V8 keeps a string in one byte a character (Latin-1) or two (anything else); two is the upper
 * bound, costs nothing to compute and does not depend on what the text holds.
 */
const bytesPerChar = 2;

/**
 * Turns per conversation, bounded by count and size with the oldest dropped first, by the number
 * of conversations (least recently used dropped) and by the bytes held across all of them. The
 * totals are kept as turns are stored, trimmed and dropped, never by rescanning every conversation.
 */
export class ConversationHistory {
  /** Least recently used first (Map order; a use moves the key to the end). */
  readonly #conversations = new Map<string, Entry>();
  /** The same order, only conversations holding files: the budget's first pass walks just these. */
  readonly #withFiles = new Map<string, Entry>();
  #textBytes = 0;
  #fileBytes = 0;
  #filesDropped = 0;
  #conversationsDropped = 0;
  #conversationsEvicted = 0;

  constructor(private readonly limits: HistoryLimits) {}

  /** The stored turns, oldest first, or undefined when this process has none for the key. */
  get(key: string): readonly ConversationTurn[] | undefined {
    const entry = this.#conversations.get(key);
    if (entry === undefined) return undefined;
    this.#delete(key, entry);
    this.#insert(key, entry);
    return entry.turns.slice();
  }

  has(key: string): boolean {
    return this.#conversations.has(key);
  }

  /** Seeds a conversation (e.g. rebuilt from the platform) unless it already has turns. */
  seed(key: string, turns: readonly ConversationTurn[]): void {
    if (this.#conversations.has(key)) return;
    this.#store(key, [...turns]);
  }

  append(key: string, ...turns: ConversationTurn[]): void {
    this.#store(key, [...(this.#conversations.get(key)?.turns ?? []), ...turns]);
  }

  forget(key: string): boolean {
    const entry = this.#conversations.get(key);
    if (entry === undefined) return false;
    this.#delete(key, entry);
    return true;
  }

  stats(): HistoryStats {
    return {
      conversations: this.#conversations.size,
      textBytes: this.#textBytes,
      fileBytes: this.#fileBytes,
      heldBytes: this.#held,
      budgetBytes: this.limits.maxTotalBytes ?? null,
      filesDropped: this.#filesDropped,
      conversationsDropped: this.#conversationsDropped,
      conversationsEvicted: this.#conversationsEvicted,
    };
  }

  get #held(): number {
    return this.#textBytes + this.#fileBytes;
  }

  #store(key: string, turns: ConversationTurn[]): void {
    const previous = this.#conversations.get(key);
    if (previous !== undefined) this.#delete(key, previous);
    const trimmed = trimTurns(turns, this.limits.maxTurns, this.limits.maxChars);
    this.#insert(key, measure(keepRecentAttachments(trimmed, this.limits.maxAttachmentBytes ?? 0)));
    while (this.#conversations.size > this.limits.maxConversations) {
      const [oldest, entry] = this.#conversations.entries().next().value ?? [];
      if (oldest === undefined || entry === undefined) break;
      this.#delete(oldest, entry);
      this.#conversationsEvicted += 1;
    }
    this.#keepWithinBudget(key);
  }

  /**
   * The order: files of the least recently used conversations first (they are the cheapest loss:
   * a note stays and the words remain), then whole conversations other than this one, least
   * recently used first, and only then this conversation's own older files. `key` is the most
   * recently used, so it comes last in both maps and each walk stops on reaching it.
   */
  #keepWithinBudget(key: string): void {
    const budget = this.limits.maxTotalBytes;
    if (budget === undefined || this.#held <= budget) return;
    for (const [other, entry] of this.#withFiles) {
      if (this.#held <= budget || other === key) break;
      this.#shrinkFiles(other, entry, entry.fileBytes - (this.#held - budget));
    }
    for (const [other, entry] of this.#conversations) {
      if (this.#held <= budget || other === key) break;
      this.#delete(other, entry);
      this.#conversationsDropped += 1;
    }
    const current = this.#conversations.get(key);
    if (this.#held > budget && current !== undefined) this.#shrinkFiles(key, current, current.fileBytes - (this.#held - budget));
  }

  /** Keeps the conversation's newest files within `keepBytes`, in place (its place in the order stays). */
  #shrinkFiles(key: string, entry: Entry, keepBytes: number): void {
    const shrunk = measure(keepRecentAttachments(entry.turns, Math.max(0, keepBytes)));
    this.#filesDropped += countFiles(entry.turns) - countFiles(shrunk.turns);
    this.#textBytes += shrunk.textBytes - entry.textBytes;
    this.#fileBytes += shrunk.fileBytes - entry.fileBytes;
    // set() on a present key keeps its position, so the walk in #keepWithinBudget is not disturbed.
    this.#conversations.set(key, shrunk);
    if (shrunk.fileBytes > 0) this.#withFiles.set(key, shrunk);
    else this.#withFiles.delete(key);
  }

  /** Adds as the most recently used. */
  #insert(key: string, entry: Entry): void {
    this.#conversations.set(key, entry);
    if (entry.fileBytes > 0) this.#withFiles.set(key, entry);
    this.#textBytes += entry.textBytes;
    this.#fileBytes += entry.fileBytes;
  }

  #delete(key: string, entry: Entry): void {
    this.#conversations.delete(key);
    this.#withFiles.delete(key);
    this.#textBytes -= entry.textBytes;
    this.#fileBytes -= entry.fileBytes;
  }
}

/** One pass over a conversation's turns (at most HISTORY_MAX_TURNS), on store and on shrink only. */
function measure(turns: ConversationTurn[]): Entry {
  let textBytes = 0;
  let fileBytes = 0;
  for (const turn of turns) {
    textBytes += turn.text.length * bytesPerChar;
    for (const file of turn.attachments ?? []) fileBytes += file.bytes.byteLength;
  }
  return { turns, textBytes, fileBytes };
}

function countFiles(turns: readonly ConversationTurn[]): number {
  return turns.reduce((sum, turn) => sum + (turn.attachments?.length ?? 0), 0);
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
