import type { ContentBlock, Message } from '@aws-sdk/client-bedrock-runtime';

export interface TextTurn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/**
 * Builds a message list Converse accepts: starts with a user turn, roles
 * alternate (neighbours of one role are merged), no empty text blocks. History
 * rebuilt from a chat thread breaks all three rules often.
 */
export function toConverseMessages(history: readonly TextTurn[], prompt: string, promptExtras: readonly ContentBlock[] = []): Message[] {
  const messages: Message[] = [];
  for (const turn of [...history, { role: 'user' as const, text: prompt }]) {
    const text = turn.text.trim();
    if (text === '') continue;
    const last = messages.at(-1);
    if (last === undefined && turn.role === 'assistant') continue;
    if (last?.role === turn.role) last.content = [...(last.content ?? []), { text }];
    else messages.push({ role: turn.role, content: [{ text }] });
  }
  const last = messages.at(-1);
  if (last?.role !== 'user') messages.push({ role: 'user', content: [{ text: '(no text)' }] });
  if (promptExtras.length > 0) {
    const target = messages.at(-1) as Message;
    target.content = [...promptExtras, ...(target.content ?? [])];
  }
  return messages;
}
