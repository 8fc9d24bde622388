export { planAttachments, describeSkipped, type FileMetadata } from './plan.js';
export { checkDownloaded, isSkipped, type SkippedDownload } from './check.js';
export { readImageInfo } from './image-header.js';
