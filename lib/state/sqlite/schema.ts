/**
 * Versioned schema. A migration is never edited once released: later issues append a new version (ALTER TABLE ADD
 * COLUMN, new index). The SQL sticks to what PostgreSQL also accepts (INTEGER/BIGINT ms timestamps, TEXT JSON,
 * ON CONFLICT, partial indexes), so that the PostgreSQL backend can share the statements' shape.
 */
import type { SqliteDb } from './database';

export interface Migration {
	version: number;
	name: string;
	statements: string[];
}

export const MIGRATIONS: readonly Migration[] = [
	{
		version: 1,
		name: 'initial',
		statements: [
			`CREATE TABLE journal (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				map TEXT NOT NULL,
				direction TEXT NOT NULL,
				change TEXT NOT NULL,
				source_system TEXT NOT NULL,
				source_entity TEXT,
				source_key TEXT NOT NULL,
				source_version TEXT,
				source_at TEXT,
				event_id TEXT,
				target_system TEXT NOT NULL,
				target_entity TEXT,
				target_key TEXT,
				order_key TEXT NOT NULL,
				payload TEXT,
				original_payload TEXT,
				status TEXT NOT NULL,
				attempts INTEGER NOT NULL DEFAULT 0,
				next_attempt_at INTEGER NOT NULL,
				lease TEXT,
				lease_until INTEGER,
				error_class TEXT,
				last_error TEXT,
				decision TEXT,
				detail TEXT,
				created_at INTEGER NOT NULL,
				updated_at INTEGER NOT NULL
			)`,
			// Duplicate deliveries of one event are harmless: the second insert conflicts here. NULL event ids never
			// conflict (both SQLite and PostgreSQL treat NULLs as distinct).
			'CREATE UNIQUE INDEX journal_event ON journal (map, source_system, event_id)',
			// claimBatch walks a map's pending changes in journal order...
			"CREATE INDEX journal_pending ON journal (map, id) WHERE status = 'pending'",
			// ...and for each asks whether an earlier change of the same record is still open.
			"CREATE INDEX journal_open_by_key ON journal (map, order_key, id) WHERE status IN ('pending', 'in-flight')",
			"CREATE INDEX journal_in_flight ON journal (map, lease_until) WHERE status = 'in-flight'",
			'CREATE INDEX journal_lease ON journal (lease) WHERE lease IS NOT NULL',
			'CREATE INDEX journal_map_status ON journal (map, status, id)',
			'CREATE INDEX journal_source_key ON journal (map, source_key)',
			'CREATE INDEX journal_target_key ON journal (map, target_key)',
			'CREATE INDEX journal_updated ON journal (status, updated_at)',
			`CREATE TABLE ledger (
				map TEXT NOT NULL,
				side TEXT NOT NULL,
				record_key TEXT NOT NULL,
				counterpart_key TEXT,
				written_hash TEXT,
				written_version TEXT,
				written_at INTEGER,
				seen_hash TEXT,
				seen_version TEXT,
				seen_at INTEGER,
				master_values TEXT,
				master_hash TEXT,
				master_at INTEGER,
				PRIMARY KEY (map, side, record_key)
			)`,
			`CREATE TABLE map_state (
				map TEXT PRIMARY KEY,
				state TEXT NOT NULL,
				detail TEXT,
				since INTEGER NOT NULL,
				last_success_at INTEGER,
				last_error_at INTEGER,
				last_error TEXT
			)`,
			`CREATE TABLE cursor (
				name TEXT PRIMARY KEY,
				value TEXT NOT NULL,
				updated_at INTEGER NOT NULL
			)`,
			`CREATE TABLE activity (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				map TEXT NOT NULL,
				event TEXT NOT NULL,
				detail TEXT,
				at INTEGER NOT NULL
			)`,
			'CREATE INDEX activity_map ON activity (map, id)',
			'CREATE INDEX activity_at ON activity (at)',
			// Alert counters: one row per map, class and minute, so a storm of failures costs bounded space.
			`CREATE TABLE error_count (
				map TEXT NOT NULL,
				error_class TEXT NOT NULL,
				minute INTEGER NOT NULL,
				count INTEGER NOT NULL,
				PRIMARY KEY (map, error_class, minute)
			)`,
		],
	},
	{
		version: 2,
		name: 'alert-rules',
		statements: [
			// The admin's alert settings. The last trip lives on the rule, so that deleting a rule forgets it and a
			// compare-and-set on last_trip_at lets exactly one of several evaluating processes record a trip.
			`CREATE TABLE alert_rule (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				map TEXT NOT NULL,
				name TEXT NOT NULL,
				error_class TEXT,
				threshold INTEGER NOT NULL,
				window_minutes INTEGER NOT NULL,
				pause INTEGER NOT NULL,
				notify INTEGER NOT NULL,
				last_trip_at BIGINT,
				last_trip_baseline INTEGER,
				created_at BIGINT NOT NULL,
				updated_at BIGINT NOT NULL
			)`,
			'CREATE UNIQUE INDEX alert_rule_name ON alert_rule (map, name)',
			// The alert triggers read rule trips after their own cursor.
			'CREATE INDEX activity_event ON activity (event, id)',
		],
	},
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export class SchemaTooNewError extends Error {
	constructor(found: number) {
		super(`The state file has schema version ${found}; this package knows up to ${SCHEMA_VERSION}. Update the package.`);
		this.name = 'SchemaTooNewError';
	}
}

/**
 * Brings the file to the current version. Several processes may open a new file at once: the write lock makes one
 * of them migrate and the others find the work done.
 */
export function migrate(db: SqliteDb, migrations: readonly Migration[] = MIGRATIONS): number {
	return db.write(() => {
		db.db.exec(`CREATE TABLE IF NOT EXISTS schema_migration (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at INTEGER NOT NULL
		)`);
		const current = db.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migration')?.version ?? 0;
		const latest = migrations[migrations.length - 1]?.version ?? 0;
		if (current > latest) throw new SchemaTooNewError(current);
		for (const migration of migrations) {
			if (migration.version <= current) continue;
			for (const statement of migration.statements) db.db.exec(statement);
			db.run('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)', migration.version, migration.name, Date.now());
		}
		return latest;
	});
}
