// The checks Bedrock makes before a model sees a Converse request. Messages imitate the
// service's wording (path to the offending field, then what to do) so a failing bot test reads
// like the production error it predicts.
import { Buffer } from 'node:buffer';
import type { ConverseBody } from './types.js';

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const DOCUMENT_FORMATS = new Set(['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md']);
// Bedrock's documented per-request limits for Converse attachments.
const MAX_IMAGES = 20;
const MAX_DOCUMENTS = 5;
const MAX_IMAGE_BYTES = 3.75 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 4.5 * 1024 * 1024;
const DOCUMENT_NAME = /^[A-Za-z0-9\s\-()[\]]+$/;
const MAX_DOCUMENT_NAME = 200;
// The signatures Claude checks an image's bytes against before it accepts the declared format.
const IMAGE_MAGIC: Record<string, (b: Buffer) => boolean> = {
  png: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  jpeg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  gif: (b) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  webp: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

export type Block = Record<string, unknown>;
export interface Message {
  role: string;
  content: Block[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Tally {
  images: number;
  documents: number;
  /** Document names seen so far: Converse wants them unique within a request. */
  names: Set<string>;
  /** The first image whose bytes are not its format: reported after the count limits. */
  mismatch?: string;
}

/** Returns the ValidationException message for the first problem found, or undefined. */
export function validateConverse(body: ConverseBody): string | undefined {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    return 'The messages field is required and must contain at least one message. Add a user message and try again.';
  }
  const tally: Tally = { images: 0, documents: 0, names: new Set() };
  let usesTools = false;
  for (const [i, message] of messages.entries()) {
    const problem = checkMessage(message, i, messages[i - 1], tally);
    if (problem !== undefined) return problem;
    usesTools ||= (message as Message).content.some((b) => 'toolUse' in b || 'toolResult' in b);
  }
  if (tally.images > MAX_IMAGES) {
    return `Too many images: ${tally.images} were provided, the maximum is ${MAX_IMAGES} per request.`;
  }
  if (tally.documents > MAX_DOCUMENTS) {
    return `Too many documents: ${tally.documents} were provided, the maximum is ${MAX_DOCUMENTS} per request.`;
  }
  if (tally.mismatch !== undefined) return tally.mismatch;
  if (usesTools && !isRecord(body.toolConfig)) {
    return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  }
  return undefined;
}

function checkMessage(message: unknown, i: number, previous: unknown, tally: Tally): string | undefined {
  if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
    return `The role field at messages.${i} must be 'user' or 'assistant'.`;
  }
  if (i === 0 && message.role !== 'user') {
    return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  }
  if (isRecord(previous) && previous.role === message.role) {
    return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
  }
  const { content } = message;
  if (!Array.isArray(content) || content.length === 0) {
    return `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`;
  }
  for (const [j, block] of content.entries()) {
    const problem = checkBlock(block, `messages.${i}.content.${j}`, tally);
    if (problem !== undefined) return problem;
  }
  return checkMedia(content as Block[], i, message.role) ?? checkToolResults(content as Block[], i, previous);
}

// The Message rules: files only from the user, and a document always beside a text block.
function checkMedia(content: Block[], i: number, role: string): string | undefined {
  const hasDocument = content.some((b) => 'document' in b);
  if (role !== 'user' && (hasDocument || content.some((b) => 'image' in b))) {
    return `The content at messages.${i} has an image or document, which only a user message may include.`;
  }
  if (hasDocument && !content.some((b) => typeof b.text === 'string')) {
    return `The content at messages.${i} includes a document, so it must also include a text block. Add a text ContentBlock and try again.`;
  }
  return undefined;
}

function checkBlock(block: unknown, at: string, tally: Tally): string | undefined {
  if (!isRecord(block)) return `The ContentBlock at ${at} must be an object.`;
  if ('text' in block) {
    if (typeof block.text !== 'string' || block.text.trim() === '') {
      return `The text field in the ContentBlock object at ${at} is blank. Add text to the text field, and try again.`;
    }
  }
  if ('guardContent' in block) {
    const guard = block.guardContent;
    const text = isRecord(guard) && isRecord(guard.text) ? guard.text.text : undefined;
    if (!isRecord(guard) || (!isRecord(guard.image) && (typeof text !== 'string' || text.trim() === ''))) {
      return `The guardContent at ${at} must hold non-blank text or an image.`;
    }
  }
  if ('image' in block) {
    tally.images += 1;
    return checkImage(block.image, `${at}.image`, tally);
  }
  if ('document' in block) {
    tally.documents += 1;
    return checkDocument(block.document, `${at}.document`, tally.names);
  }
  if (isRecord(block.toolResult) && Array.isArray(block.toolResult.content)) {
    for (const [k, inner] of block.toolResult.content.entries()) {
      const problem = checkBlock(inner, `${at}.toolResult.content.${k}`, tally);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

function checkImage(image: unknown, at: string, tally: Tally): string | undefined {
  if (!isRecord(image) || typeof image.format !== 'string' || !IMAGE_FORMATS.has(image.format)) {
    return `The format field at ${at} must be one of png, jpeg, gif, webp.`;
  }
  const problem = checkSource(image.source, at, MAX_IMAGE_BYTES, 'image');
  if (problem !== undefined || !isRecord(image.source) || typeof image.source.bytes !== 'string') return problem;
  if (!IMAGE_MAGIC[image.format]?.(Buffer.from(image.source.bytes.slice(0, 24), 'base64'))) {
    tally.mismatch ??= `The image at ${at}.source.bytes does not match the provided format ${image.format}.`;
  }
  return undefined;
}

function checkDocument(document: unknown, at: string, names: Set<string>): string | undefined {
  if (!isRecord(document) || typeof document.format !== 'string' || !DOCUMENT_FORMATS.has(document.format)) {
    return `The format field at ${at} must be one of ${[...DOCUMENT_FORMATS].join(', ')}.`;
  }
  const { name } = document;
  if (typeof name !== 'string' || name.length > MAX_DOCUMENT_NAME || !DOCUMENT_NAME.test(name) || /\s{2,}/.test(name)) {
    return `The document file name at ${at}.name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character.`;
  }
  if (names.has(name)) return `The document name at ${at}.name ("${name}") is used by another document in this request. Document names must be unique.`;
  names.add(name);
  return checkSource(document.source, at, MAX_DOCUMENT_BYTES, 'document');
}

function checkSource(source: unknown, at: string, maxBytes: number, what: string): string | undefined {
  if (!isRecord(source)) return `The source field at ${at} is required.`;
  if (isRecord(source.s3Location) || typeof source.text === 'string' || Array.isArray(source.content)) {
    return undefined;
  }
  if (typeof source.bytes !== 'string' || source.bytes === '') {
    return `The source field at ${at} must contain bytes.`;
  }
  const size = Buffer.byteLength(source.bytes, 'base64');
  if (size > maxBytes) {
    return `The ${what} at ${at} is ${size} bytes, larger than the maximum of ${maxBytes} bytes.`;
  }
  return undefined;
}

// Every toolResult answers a toolUse of the turn before, and every toolUse gets its result.
function checkToolResults(content: Block[], i: number, previous: unknown): string | undefined {
  const asked = new Set(isRecord(previous) && Array.isArray(previous.content) ? toolUseIds(previous.content as Block[]) : []);
  const answered = content.flatMap((b) => (isRecord(b.toolResult) ? [String(b.toolResult.toolUseId)] : []));
  for (const id of answered) {
    if (!asked.has(id)) {
      return `The toolUseId ${id} in the toolResult at messages.${i}.content does not match any toolUse block in the previous assistant message (messages.${i - 1}).`;
    }
  }
  const missing = [...asked].filter((id) => !answered.includes(id));
  if (missing.length > 0) {
    return `Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`;
  }
  return undefined;
}

export function toolUseIds(content: Block[]): string[] {
  return content.flatMap((b) => (isRecord(b.toolUse) ? [String(b.toolUse.toolUseId)] : []));
}

/** Tool names the request's `toolConfig.tools[].toolSpec.name` makes available to the model. */
export function listedTools(body: ConverseBody): string[] {
  const tools = isRecord(body.toolConfig) ? body.toolConfig.tools : undefined;
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((t: unknown) => (isRecord(t) && isRecord(t.toolSpec) && typeof t.toolSpec.name === 'string' ? [t.toolSpec.name] : []));
}
