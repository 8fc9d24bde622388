import type { ChatAttachment } from '../types.js';
import { documentMagicMatches, readImageInfo } from './image-header.js';
import { formatSize, MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_TEXT_FILE_CHARS, tooBig } from './limits.js';

/** A downloaded file that cannot go to the model, with the short reason for the chat line. */
export interface SkippedDownload {
  readonly name: string;
  readonly skipped: string;
}

export type CheckedAttachment = ChatAttachment | SkippedDownload;

export function isSkipped(checked: CheckedAttachment): checked is SkippedDownload {
  return 'skipped' in checked;
}

/**
 * Checks a downloaded file against what Converse accepts, after download, with the real bytes:
 * size, image signature (the format is corrected when the mime type lied), image dimensions, a
 * document's container signature; text is decoded as UTF-8 and cut to 100 KB with a marker.
 */
export function checkDownloaded(attachment: ChatAttachment): CheckedAttachment {
  const skip = (reason: string): SkippedDownload => ({ name: attachment.name, skipped: reason });
  if (attachment.bytes.byteLength === 0) return skip('empty file');
  switch (attachment.kind) {
    case 'image':
      return checkImage(attachment, skip);
    case 'document':
      if (attachment.bytes.byteLength > MAX_DOCUMENT_BYTES) return skip(tooBig(attachment.bytes.byteLength, MAX_DOCUMENT_BYTES));
      if (!documentMagicMatches(attachment.format, attachment.bytes)) return skip(`not a valid ${attachment.format.toUpperCase()} file`);
      return attachment;
    case 'text':
      return checkText(attachment, skip);
  }
}

function checkImage(attachment: ChatAttachment, skip: (reason: string) => SkippedDownload): CheckedAttachment {
  if (attachment.bytes.byteLength > MAX_IMAGE_BYTES) return skip(tooBig(attachment.bytes.byteLength, MAX_IMAGE_BYTES));
  const info = readImageInfo(attachment.bytes);
  if (info === undefined) return skip('not a PNG, JPEG, GIF or WebP image');
  const { width, height } = info;
  if (width === undefined || height === undefined || width === 0 || height === 0) return skip('unreadable image header');
  if (width > MAX_IMAGE_PIXELS || height > MAX_IMAGE_PIXELS) {
    return skip(`too large: ${width}×${height} px, the limit is ${MAX_IMAGE_PIXELS} px a side`);
  }
  return info.format === attachment.format ? attachment : { ...attachment, format: info.format };
}

// UTF-8 takes at most 4 bytes a character: this many bytes always hold the characters kept.
const maxTextBytesDecoded = MAX_TEXT_FILE_CHARS * 4;
const sniffBytes = 8192;

function checkText(attachment: ChatAttachment, skip: (reason: string) => SkippedDownload): CheckedAttachment {
  const { bytes } = attachment;
  // A NUL byte early on is the usual sign of a binary file wearing a text extension.
  if (bytes.subarray(0, sniffBytes).includes(0)) return skip('binary file, not text');
  const head = bytes.subarray(0, maxTextBytesDecoded);
  // Non-fatal decoding: a log in Latin-1 still reads, with a replacement character here and there.
  let text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(head);
  if (head.byteLength < bytes.byteLength) text = text.replace(/\uFFFD+$/, '');
  const truncated = text.length > MAX_TEXT_FILE_CHARS || head.byteLength < bytes.byteLength;
  if (truncated) {
    text = `${text.slice(0, MAX_TEXT_FILE_CHARS)}\n[… truncated: the first ${formatSize(MAX_TEXT_FILE_CHARS)} of ${formatSize(bytes.byteLength)} shown]`;
  }
  if (text.trim() === '') return skip('empty file');
  return { ...attachment, bytes: new TextEncoder().encode(text) };
}
