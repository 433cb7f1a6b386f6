export { uploadRoutes, type UploadsRouterOptions } from './uploads.routes.js';
export {
  UploadService,
  sessionDirName,
  type DownloadedFile,
  type SweepResult,
  type UploadInfo,
  type UploadInput,
  type UploadServiceDeps,
} from './uploads.service.js';
export {
  parseUploadOptions,
  uploadOptionsSchema,
  UploadOptionsError,
  type UploadOptions,
  type UploadOptionsInput,
  type ClamdOptions,
} from './uploads.schema.js';
export { ClamdScanner, ScannerUnavailableError, type Scanner, type ScanResult } from './clamd.js';
export { sniffType, type SniffedType } from './sniff.js';
