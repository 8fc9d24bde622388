import { checkDownloaded, describeSkipped, planAttachments, type ChatAttachment } from '../../agent/index.js';
import type { InboundFile } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { DownloadError } from './safe-download.js';

export interface CollectedAttachments {
  readonly attachments: ChatAttachment[];
  /** One short line naming what was skipped and why, when anything was. */
  readonly notices: string[];
}

/** Downloads one file with at most `maxBytes`; the adapter supplies host rules and credentials. */
export type FileDownloader = (file: InboundFile, maxBytes: number, signal: AbortSignal) => Promise<Uint8Array>;

/** Per-file download bound; Bedrock's largest accepted file is a 4.5 MB document. */
const downloadCeilingBytes = 5 * 1024 * 1024;

/**
 * Turns a message's files into attachments the model can take: plans from the
 * platform's metadata (type, size, count) before downloading anything, then
 * downloads each accepted file once and checks what actually arrived.
 */
export async function collectAttachments(files: readonly InboundFile[], download: FileDownloader, signal: AbortSignal, logger: Logger): Promise<CollectedAttachments> {
  if (files.length === 0) return { attachments: [], notices: [] };
  const plan = planAttachments(files.map((file) => ({ name: file.name, mimeType: file.mimeType, sizeBytes: file.sizeBytes })));
  const skipped = [...plan.skipped];
  const attachments: ChatAttachment[] = [];
  for (const accepted of plan.accept) {
    const file = files[accepted.index] as InboundFile;
    try {
      const bytes = await download(file, downloadCeilingBytes, signal);
      const checked = checkDownloaded({ kind: accepted.kind, format: accepted.format, name: file.name, bytes });
      if ('skipped' in checked) skipped.push({ name: file.name, reason: checked.skipped });
      else attachments.push(checked);
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn('file not downloaded', { file: file.name, error });
      skipped.push({ name: file.name, reason: error instanceof DownloadError ? error.message : 'download failed' });
    }
  }
  return { attachments, notices: skipped.length === 0 ? [] : [describeSkipped(skipped)] };
}
