/**
 * One connection to the state file, the statement cache and the write-transaction helper that every
 * read-modify-write goes through.
 *
 * Concurrency: several processes (n8n main, workers, task runners) open the same file. WAL lets readers run beside
 * the one writer; `BEGIN IMMEDIATE` takes the write lock at the start of a transaction instead of at its first write,
 * so two read-then-write transactions can never interleave and never deadlock (SQLite would otherwise fail the
 * second one with SQLITE_BUSY at upgrade time, ignoring busy_timeout). Waiting for the lock uses busy_timeout.
 * `DatabaseSync` is synchronous: within one process a transaction always runs to its end before any other code, so no
 * in-process lock is needed; the price is that a wait for another process's lock blocks this event loop.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';

export type Row = Record<string, SQLInputValue>;

export interface SqliteOptions {
	file: string;
	/** How long to wait for another process's write lock. Default 15 s. */
	busyTimeoutMs?: number;
	/**
	 * `full` (default): a commit survives power loss, which "nothing lost" needs once a webhook was acknowledged.
	 * `normal`: survives a crash of the process but may lose the last commits on power loss; faster.
	 */
	synchronous?: 'full' | 'normal';
}

export class SqliteDb {
	readonly db: DatabaseSync;
	private readonly statements = new Map<string, StatementSync>();

	constructor(options: SqliteOptions) {
		const isMemory = options.file === ':memory:';
		if (!isMemory) prepareFile(options.file);
		this.db = new DatabaseSync(options.file);
		// busy_timeout first: switching to WAL needs a lock another process may hold while it does the same.
		this.db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 15_000))}`);
		if (!isMemory) this.db.exec('PRAGMA journal_mode = WAL');
		this.db.exec(`PRAGMA synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
	}

	/** Prepared once per connection and reused: parsing SQL costs more than running these small statements. */
	stmt(sql: string): StatementSync {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}

	all<T>(sql: string, ...params: SQLInputValue[]): T[] {
		return this.stmt(sql).all(...params) as T[];
	}

	get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
		return this.stmt(sql).get(...params) as T | undefined;
	}

	run(sql: string, ...params: SQLInputValue[]): number {
		return Number(this.stmt(sql).run(...params).changes);
	}

	/** A write transaction: the whole of `fn` runs under the database's write lock, or not at all. */
	write<T>(fn: () => T): T {
		this.db.exec('BEGIN IMMEDIATE');
		let committed = false;
		try {
			const result = fn();
			this.db.exec('COMMIT');
			committed = true;
			return result;
		} finally {
			// Rolling back in `finally` (not in a catch that re-throws) keeps the original error intact.
			if (!committed && this.db.isTransaction) this.db.exec('ROLLBACK');
		}
	}

	close(): void {
		this.statements.clear();
		if (this.db.isOpen) this.db.close();
	}
}

/** Customer data: the directory and the file are the owner's only. */
function prepareFile(file: string): void {
	mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
	if (!existsSync(file)) {
		// Creating the file ourselves (instead of letting SQLite do it with the umask) fixes its mode from the start.
		const created = new DatabaseSync(file);
		created.close();
		chmodSync(file, 0o600);
	}
}

/** SQLite does not take `undefined`. */
export function nul<T extends SQLInputValue>(value: T | undefined): T | null {
	return value === undefined ? null : value;
}

export function json(value: unknown): string | null {
	return value === undefined ? null : JSON.stringify(value);
}

export function parseJson<T>(text: unknown): T | undefined {
	return typeof text === 'string' ? (JSON.parse(text) as T) : undefined;
}

export function optional<T>(value: T | null | undefined): T | undefined {
	return value === null ? undefined : value;
}

/** Paging cursors are the last id of the previous page, as text so that a backend may change what they hold. */
export function decodeCursor(cursor: string): number {
	const id = Number(cursor);
	if (!Number.isSafeInteger(id)) throw new TypeError(`not a paging cursor: ${JSON.stringify(cursor)}`);
	return id;
}
