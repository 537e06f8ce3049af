/**
 * The default state store: one SQLite file through Node's built-in `node:sqlite` (no native module, which n8n's
 * `--ignore-scripts` community install could not build). Safe to open from several processes at once; see
 * ./database.ts for how.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../backoff';
import type { StateStore } from '../types';
import * as activity from './activity';
import * as alertRules from './alert-rules';
import type { StoreContext } from './context';
import * as cursors from './cursors';
import { SqliteDb, type SqliteOptions } from './database';
import * as journal from './journal';
import * as ledger from './ledger';
import * as mapState from './map-state';
import { migrate } from './schema';

export interface SqliteStateStoreOptions extends SqliteOptions {
	backoff?: Partial<BackoffPolicy>;
	/** Clock and randomness, replaced by tests. */
	now?: () => number;
	random?: () => number;
}

/** Opens (creating and migrating as needed) the state file; `defaultStateFile()` names the usual location. */
export async function openSqliteStateStore(options: SqliteStateStoreOptions): Promise<StateStore> {
	const db = new SqliteDb(options);
	let migrated = false;
	try {
		migrate(db);
		migrated = true;
	} finally {
		if (!migrated) db.close();
	}
	return createStore({
		db,
		now: options.now ?? Date.now,
		random: options.random ?? Math.random,
		backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
		newLease: randomUUID,
	});
}

function createStore(ctx: StoreContext): StateStore {
	return {
		recordWrite: async (marks) => ledger.recordWrite(ctx, marks),
		recordSeen: async (marks) => ledger.recordSeen(ctx, marks),
		recordSync: async (syncs) => ledger.recordSync(ctx, syncs),
		getLedger: async (map, side, key) => ledger.getLedger(ctx, map, side, key),
		isEcho: async (map, side, key, observed) => ledger.isEcho(ctx, map, side, key, observed),

		append: async (changes) => journal.append(ctx, changes),
		claimBatch: async (map, limit, options) => journal.claimBatch(ctx, map, limit, options),
		complete: async (lease, outcomes) => journal.complete(ctx, lease, outcomes),
		extendLease: async (lease, leaseMs) => journal.extendLease(ctx, lease, leaseMs),
		release: async (lease) => journal.release(ctx, lease),
		releaseInFlight: async (map, direction) => journal.releaseInFlight(ctx, map, direction),
		get: async (id) => journal.getChange(ctx, id),
		list: async (options) => journal.list(ctx, options),
		retry: async (selection, options) => journal.retry(ctx, selection, options),
		dismiss: async (selection, reason) => journal.dismiss(ctx, selection, reason),
		purge: async (options) => journal.purge(ctx, options),
		counts: async (map) => journal.counts(ctx, map),

		getMapState: async (map) => mapState.getMapState(ctx, map),
		setMapState: async (map, state, detail) => mapState.setMapState(ctx, map, state, detail),

		getCursor: async (name) => cursors.getCursor(ctx, name),
		setCursor: async (name, value, options) => cursors.setCursor(ctx, name, value, options),

		logActivity: async (map, event, detail) => activity.logActivity(ctx, map, event, detail),
		listActivity: async (query) => activity.listActivity(ctx, query),
		countErrors: async (map, errorClass, sinceMs) => mapState.countErrors(ctx, map, errorClass, sinceMs),
		setAlertRule: async (rule) => alertRules.setAlertRule(ctx, rule),
		listAlertRules: async (map) => alertRules.listAlertRules(ctx, map),
		deleteAlertRule: async (map, name) => alertRules.deleteAlertRule(ctx, map, name),
		recordAlertTrip: async (trip) => alertRules.recordAlertTrip(ctx, trip),

		listMaps: async () => mapState.listMaps(ctx),

		close: async () => ctx.db.close(),
	};
}
