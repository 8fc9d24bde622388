export { planAttachments, describeSkipped, type AttachmentPlan, type AcceptedFile, type FileMetadata, type SkippedFile } from './plan.js';
export { checkDownloaded, isSkipped, type CheckedAttachment, type SkippedDownload } from './check.js';
export { classifyFile, type AttachmentKind } from './classify.js';
export { readImageInfo, sniffImageFormat, type ImageFormat, type ImageInfo } from './image-header.js';
export * as attachmentLimits from './limits.js';
