import type { SkippedDownload } from './check.js';
import { classifyFile, type AttachmentKind } from './classify.js';
import {
  formatSize,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENTS,
  MAX_IMAGE_BYTES,
  MAX_IMAGES,
  MAX_TEXT_DOWNLOAD_BYTES,
  MAX_TEXT_FILE_CHARS,
  MAX_TEXT_PER_MESSAGE_CHARS,
  tooBig,
} from './limits.js';

/** A file as the platform describes it before download. */
export interface FileMetadata {
  readonly name: string;
  readonly mimeType: string;
  readonly sizeBytes: number;
}

export interface AcceptedFile {
  /** Position in the list given to planAttachments. */
  readonly index: number;
  readonly kind: AttachmentKind;
  readonly format: string;
}

export interface SkippedFile {
  readonly name: string;
  /** Short, for the chat line: "unsupported type", "too big: 30 MB, the limit is 3.75 MB". */
  readonly reason: string;
}

export interface AttachmentPlan {
  readonly accept: AcceptedFile[];
  readonly skipped: SkippedFile[];
}

const maxBytes: Readonly<Record<AttachmentKind, number>> = {
  image: MAX_IMAGE_BYTES,
  document: MAX_DOCUMENT_BYTES,
  text: MAX_TEXT_DOWNLOAD_BYTES,
};

/**
 * Decides from metadata alone which files of one message to download and how Converse will take
 * them: call it before downloading anything. Files are taken in order, so when a message has
 * more than the limit, the first ones win.
 */
export function planAttachments(files: readonly FileMetadata[]): AttachmentPlan {
  const accept: AcceptedFile[] = [];
  const skipped: SkippedFile[] = [];
  let images = 0;
  let documents = 0;
  let textChars = 0;
  for (const [index, file] of files.entries()) {
    const skip = (reason: string) => skipped.push({ name: file.name, reason });
    const classified = classifyFile(file.name, file.mimeType);
    if (classified === undefined) {
      skip('unsupported type');
      continue;
    }
    const size = Math.max(0, file.sizeBytes);
    const limit = maxBytes[classified.kind];
    if (size === 0) skip('empty file');
    else if (size > limit) skip(tooBig(size, limit));
    else if (classified.kind === 'image' && images >= MAX_IMAGES) skip(`more than ${MAX_IMAGES} images`);
    else if (classified.kind === 'document' && documents >= MAX_DOCUMENTS) skip(`more than ${MAX_DOCUMENTS} documents`);
    else if (classified.kind === 'text' && textChars >= MAX_TEXT_PER_MESSAGE_CHARS) {
      skip(`over the ${formatSize(MAX_TEXT_PER_MESSAGE_CHARS)} of text per message`);
    } else {
      if (classified.kind === 'image') images += 1;
      if (classified.kind === 'document') documents += 1;
      // A text file is truncated to its first 100 KB, so that is what it costs the message.
      if (classified.kind === 'text') textChars += Math.min(size, MAX_TEXT_FILE_CHARS);
      accept.push({ index, kind: classified.kind, format: classified.format });
    }
  }
  return { accept, skipped };
}

const shownNames = 5;
const maxNameChars = 60;

/**
 * One short line for the answer naming what was left out and why (by the plan or after the
 * download: pass both lists together), or '' when nothing was:
 * "Skipped 2 files: big.zip (unsupported type), huge.png (too big: 30 MB, the limit is 3.75 MB)."
 */
export function describeSkipped(skipped: readonly (SkippedFile | SkippedDownload)[]): string {
  if (skipped.length === 0) return '';
  const listed = skipped.slice(0, shownNames).map((file) => `${displayName(file.name)} (${'reason' in file ? file.reason : file.skipped})`);
  const rest = skipped.length - listed.length;
  const noun = skipped.length === 1 ? 'file' : 'files';
  return `Skipped ${skipped.length} ${noun}: ${listed.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}.`;
}

/**
 * A file name is user input echoed into the chat: control characters, angle brackets (Slack
 * `<!here>`) and `@` (Discord `@everyone`) are neutralised, and long names shortened.
 */
function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed here
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').replace(/[<>]/g, '').replace(/@/g, '@\u200b').trim() || 'unnamed file';
  return cleaned.length > maxNameChars ? `${cleaned.slice(0, maxNameChars - 1)}…` : cleaned;
}
