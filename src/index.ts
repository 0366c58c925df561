/**
 * mongosafe's public library API. The CLI and the Lambda are thin layers over
 * these functions: options object in, plain JSON-safe result out. Every
 * function that reads a backup names it with the same two fields (`BackupRef`).
 * docs/design.md ("Library API") names each export; test/unit/index.test.ts pins them.
 */
export { backup, type BackupOptions, type BackupResult } from './core/backup.js';
export { restore, type RestoreOptions, type RestoreResult, type RestoredNamespace } from './core/restore.js';
export type { OplogLimit, ReplaySummary } from './core/replay/replay.js';
export { verify, type VerifyOptions, type VerifyResult, type VerifiedBackup } from './core/verify.js';
export { list, type ListResult, type ListedBackup } from './core/list.js';
export { inspect, type InspectOptions, type InspectResult, type InspectedNamespace } from './core/inspect.js';
export { exportBackup, type ExportOptions, type ExportResult } from './core/export.js';
export { prune, type PruneResult } from './core/prune.js';
export { status, type StatusResult } from './core/status.js';
export { importLegacy } from './core/import-legacy.js';
export type { BackupRef } from './core/backup-ref.js';
export type { Manifest, ManifestNamespace, ManifestEncryption } from './core/manifest.js';
export type { ProgressEvent, ProgressListener, Logger } from './core/progress.js';
export { openStorage } from './storage/registry.js';
export type { Storage, ObjectInfo } from './storage/storage.js';
export { MongosafeError, type ErrorCode, type ErrorDetails, type CauseKind } from './errors.js';
