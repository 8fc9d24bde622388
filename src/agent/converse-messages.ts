import type { ContentBlock, Message } from '@aws-sdk/client-bedrock-runtime';
import { allocateFiles, DocumentNames, turnContent } from './content-blocks.js';
import type { ChatAttachment, ChatTurn } from './types.js';

export interface PromptOptions {
  /** Files sent with the prompt. */
  readonly attachments?: readonly ChatAttachment[];
  /**
   * Wraps the prompt's text in guardContent: a guardrail then evaluates only the newest user
   * input instead of the whole history on every call (what AWS suggests for chat).
   */
  readonly guardPrompt?: boolean;
}

/**
 * Builds a message list Converse accepts: starts with a user turn, roles alternate (neighbours
 * of one role are merged), no empty text blocks, at most 20 images and 5 documents across the
 * request (the oldest files are mentioned instead), document names unique. History rebuilt
 * from a chat thread breaks these rules often.
 */
export function toConverseMessages(history: readonly ChatTurn[], prompt: string, options: PromptOptions = {}): Message[] {
  const promptTurn: ChatTurn = { role: 'user', text: prompt, ...(options.attachments === undefined ? {} : { attachments: options.attachments }) };
  const turns = [...history, promptTurn];
  const files = allocateFiles(turns);
  const names = new DocumentNames();
  const messages: Message[] = [];
  for (const [i, turn] of turns.entries()) {
    const current = i === turns.length - 1;
    const content = turnContent(turn, files[i] ?? { sent: [], omitted: [] }, names, { current, guard: current && options.guardPrompt === true });
    if (content.length === 0) continue;
    const last = messages.at(-1);
    if (last === undefined && turn.role === 'assistant') continue;
    if (last?.role === turn.role) last.content = [...(last.content ?? []), ...content];
    else messages.push({ role: turn.role, content });
  }
  const last = messages.at(-1);
  if (last?.role !== 'user') messages.push({ role: 'user', content: [{ text: '(no text)' }] });
  return messages;
}

/** Rough size of messages in characters, for deciding whether a cache point pays off. */
export function approximateChars(messages: readonly Message[]): number {
  return messages.reduce((sum, message) => sum + (message.content ?? []).reduce((inner, block) => inner + blockChars(block), 0), 0);
}

// An image or document costs the model roughly a thousand tokens or more; count it as 4,000 chars.
function blockChars(block: ContentBlock): number {
  if (block.text !== undefined) return block.text.length;
  if (block.guardContent?.text !== undefined) return block.guardContent.text.text?.length ?? 0;
  if (block.image !== undefined || block.document !== undefined) return 4000;
  if (block.toolUse !== undefined || block.toolResult !== undefined) return JSON.stringify(block).length;
  return 0;
}
