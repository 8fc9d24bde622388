import type { ContentBlock, DocumentFormat, ImageFormat } from '@aws-sdk/client-bedrock-runtime';
import { DOCUMENT_FORMATS, IMAGE_FORMATS } from './attachments/classify.js';
import { MAX_DOCUMENTS, MAX_IMAGES, MAX_TEXT_PER_REQUEST_CHARS } from './attachments/limits.js';
import type { ChatAttachment, ChatTurn } from './types.js';

const maxDocumentNameChars = 200;

/** Which files of each turn go to the model, and which are only mentioned. */
export interface TurnFiles {
  readonly sent: readonly ChatAttachment[];
  readonly omitted: readonly ChatAttachment[];
}

/**
 * Spends one request's budget (20 images, 5 documents, 200 KB of inlined text) newest turn
 * first, so the files the user just sent always go and the oldest are the ones left out.
 * Converse takes images and documents only in user messages.
 */
export function allocateFiles(turns: readonly ChatTurn[]): TurnFiles[] {
  let images = MAX_IMAGES;
  let documents = MAX_DOCUMENTS;
  let textChars = MAX_TEXT_PER_REQUEST_CHARS;
  const result: TurnFiles[] = [];
  for (let i = turns.length - 1; i >= 0; i -= 1) {
    const turn = turns[i] as ChatTurn;
    const sent: ChatAttachment[] = [];
    const omitted: ChatAttachment[] = [];
    for (const file of turn.attachments ?? []) {
      let fits = false;
      if (turn.role !== 'user') fits = false;
      else if (file.kind === 'image' && IMAGE_FORMATS.has(file.format)) fits = images-- > 0;
      else if (file.kind === 'document' && DOCUMENT_FORMATS.has(file.format)) fits = documents-- > 0;
      else if (file.kind === 'text' && file.bytes.byteLength <= textChars) {
        textChars -= file.bytes.byteLength;
        fits = true;
      }
      (fits ? sent : omitted).push(file);
    }
    result[i] = { sent, omitted };
  }
  return result;
}

/** Builds the content of one turn: images, then documents, then its text with inlined files. */
export function turnContent(turn: ChatTurn, files: TurnFiles, names: DocumentNames, options: { current: boolean; guard: boolean }): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  const documentNames: string[] = [];
  for (const file of files.sent) {
    if (file.kind === 'image') blocks.push({ image: { format: file.format as ImageFormat, source: { bytes: file.bytes } } });
    if (file.kind === 'document') {
      const name = names.take(file.name);
      documentNames.push(name);
      blocks.push({ document: { format: file.format as DocumentFormat, name, source: { bytes: file.bytes } } });
    }
  }
  const text = turnText(turn, files, options.current);
  // Converse wants a plain text block beside any document; guardContent may not count as one.
  if (documentNames.length > 0 && (text === '' || options.guard)) blocks.push({ text: `Attached: ${documentNames.join(', ')}` });
  if (text !== '') blocks.push(options.guard ? { guardContent: { text: { text } } } : { text });
  return blocks;
}

function turnText(turn: ChatTurn, files: TurnFiles, current: boolean): string {
  const parts = [turn.text.trim()];
  for (const file of files.omitted) {
    const what = file.kind === 'text' ? 'file' : file.kind;
    parts.push(current ? `[${what} ${mentionName(file.name)} not sent: over the limit of one request]` : `[${what} ${mentionName(file.name)} from earlier, not resent]`);
  }
  for (const file of files.sent) if (file.kind === 'text') parts.push(fencedFile(file));
  return parts.filter((part) => part !== '').join('\n\n');
}

function fencedFile(file: ChatAttachment): string {
  const content = new TextDecoder().decode(file.bytes).replace(/\s+$/, '');
  // A fence longer than any backtick run inside keeps a file holding ``` from closing it early.
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  const language = /^[a-z0-9+#-]{1,20}$/i.test(file.format) && file.format !== 'text' ? file.format : '';
  return `File: ${mentionName(file.name)}\n${fence}${language}\n${content}\n${fence}`;
}

function mentionName(name: string): string {
  return name.replace(/[\r\n\]`]+/g, ' ').trim() || 'unnamed';
}

/**
 * Converse document names: only alphanumerics, single whitespace, hyphens, parentheses and
 * square brackets, 1 to 200 characters. The extension goes (the format field carries it).
 */
export function sanitizeDocumentName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const cleaned = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]+/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/-{2,}/g, '-')
    .replace(/^[\s-]+|[\s-]+$/g, '');
  return cleaned.slice(0, maxDocumentNameChars).trim() || 'document';
}

/** Hands out sanitised names unique within one request ("report", "report (2)"). */
export class DocumentNames {
  readonly #used = new Set<string>();

  take(name: string): string {
    const base = sanitizeDocumentName(name);
    let candidate = base;
    for (let n = 2; this.#used.has(candidate.toLowerCase()); n += 1) {
      const suffix = ` (${n})`;
      candidate = `${base.slice(0, maxDocumentNameChars - suffix.length).trim()}${suffix}`;
    }
    this.#used.add(candidate.toLowerCase());
    return candidate;
  }
}
