export type * from './types';
export { ERROR_CLASSES, JOURNAL_STATUSES } from './types';
export { DEFAULT_BACKOFF, RETRYABLE_CLASSES, backoffDelay, isRetryable, type BackoffPolicy } from './backoff';
export { canonicalKey, defaultOrderKey } from './keys';
export { classifyError, toJournalError } from './journal-error';
export { defaultStateFile } from './paths';
export { openSqliteStateStore, type SqliteStateStoreOptions } from './sqlite/store';
export { DEFAULT_RETENTION_MS } from './sqlite/journal';
export { MIGRATIONS, SCHEMA_VERSION, SchemaTooNewError, type Migration } from './sqlite/schema';
