import type { BackoffPolicy } from '../backoff';
import type { SqliteDb } from './database';

/** What the table modules share: the connection, and the clock and randomness tests replace. */
export interface StoreContext {
	db: SqliteDb;
	now: () => number;
	random: () => number;
	backoff: BackoffPolicy;
	newLease: () => string;
}
