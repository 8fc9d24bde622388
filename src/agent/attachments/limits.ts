/** Bedrock's limits for Converse attachments, and ours for text inlined into a turn. */

const MB = 1024 * 1024;

/** Converse Message rules: each image at most 3.75 MB and 8,000 px a side, at most 20 per request. */
export const MAX_IMAGE_BYTES = 3.75 * MB;
export const MAX_IMAGE_PIXELS = 8000;
export const MAX_IMAGES = 20;
/** The API reference says 5 MB; 4.5 MB leaves room for the base64 growth some models measure. */
export const MAX_DOCUMENT_BYTES = 4.5 * MB;
export const MAX_DOCUMENTS = 5;

/**
 * Inlined text costs tokens on every later turn of the conversation, so one file keeps its first
 * 100 KB and one message at most 200 KB; a text file over 2 MB is not worth downloading at all.
 */
export const MAX_TEXT_FILE_CHARS = 100 * 1024;
export const MAX_TEXT_PER_MESSAGE_CHARS = 200 * 1024;
export const MAX_TEXT_DOWNLOAD_BYTES = 2 * MB;
/** What one request may carry of inlined text across history and prompt. */
export const MAX_TEXT_PER_REQUEST_CHARS = 200 * 1024;

/** "30 MB", "3.75 MB", "450 KB", "12 bytes": short and exact enough for a chat line. */
export function formatSize(bytes: number): string {
  if (bytes >= MB) return `${trimNumber(bytes / MB)} MB`;
  if (bytes >= 1024) return `${trimNumber(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** The skip reason for a file over its limit: "too big: 30 MB, the limit is 3.75 MB". */
export function tooBig(size: number, limit: number): string {
  return `too big: ${formatSize(size)}, the limit is ${formatSize(limit)}`;
}

function trimNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}
