import { CODES, DvError } from './errors';
import { indexKeyOf } from './keys';
import type { Schema, Table } from './schema';
import type { AlternateKeyDef } from './tables/types';

/**
 * In-memory rows: a Map by primary id, one Map per alternate key (index key -> id), and a per-table
 * change log ordered by version (change tracking reads it with a binary search). Every mutation goes
 * through a Tx that records how to undo it, which is how change sets and failing synchronous webhooks
 * leave nothing behind.
 */
export interface LookupValue {
	id: string;
	table: string;
}
export type Row = Record<string, unknown>;

export interface ChangeEntry {
	v: number;
	id: string;
	/** The change was a delete. */
	deleted?: boolean;
}

export class Tx {
	private readonly undo: Array<() => void> = [];
	/** Work to run once the transaction commits (async webhook deliveries). */
	readonly afterCommit: Array<() => void> = [];
	done = false;

	record(fn: () => void): void {
		this.undo.push(fn);
	}

	rollback(): void {
		for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]();
		this.undo.length = 0;
		this.afterCommit.length = 0;
		this.done = true;
	}

	commit(): void {
		this.undo.length = 0;
		this.done = true;
		const after = this.afterCommit.splice(0);
		for (const fn of after) fn();
	}
}

export const isLookupValue = (v: unknown): v is LookupValue => typeof v === 'object' && v !== null && 'id' in v && 'table' in v;

export class TableStore {
	readonly rows = new Map<string, Row>();
	readonly indexes = new Map<string, Map<string, string>>();
	readonly log: ChangeEntry[] = [];
	/** Bumped on every mutation: lets query result caches know they are stale. */
	mutations = 0;

	constructor(readonly table: Table) {
		for (const k of table.keys) this.indexes.set(k.name, new Map());
	}

	get(id: string): Row | undefined {
		return this.rows.get(id);
	}

	findByKey(keyName: string, indexKey: string): Row | undefined {
		const id = this.indexes.get(keyName)?.get(indexKey);
		return id === undefined ? undefined : this.rows.get(id);
	}

	keyValues(key: AlternateKeyDef, row: Row): unknown[] | undefined {
		const values: unknown[] = [];
		for (const c of key.columns) {
			const v = row[c];
			if (v === null || v === undefined || v === '') return undefined;
			values.push(isLookupValue(v) ? v.id : v);
		}
		return values;
	}

	private index(row: Row, id: string, on: boolean): void {
		for (const k of this.table.keys) {
			const values = this.keyValues(k, row);
			if (!values) continue;
			const idx = this.indexes.get(k.name) as Map<string, string>;
			const ik = indexKeyOf(values);
			if (on) idx.set(ik, id);
			else if (idx.get(ik) === id) idx.delete(ik);
		}
	}

	/** Throws the platform's duplicate-key error when another row already holds one of `row`'s key values. */
	checkUnique(row: Row, id: string): void {
		for (const k of this.table.keys) {
			const values = this.keyValues(k, row);
			if (!values) continue;
			const other = this.indexes.get(k.name)?.get(indexKeyOf(values));
			if (other !== undefined && other !== id) {
				const cols = k.columns.join(', ');
				throw new DvError(
					412,
					CODES.duplicateRecord,
					`A record that has the attribute values ${cols} already exists. The entity key ${k.name} requires that this set of attributes contains unique values. Select unique values and try again.`,
				);
			}
		}
	}

	private logChange(tx: Tx, id: string, v: number, deleted = false): void {
		const entry: ChangeEntry = deleted ? { v, id, deleted } : { v, id };
		this.log.push(entry);
		tx.record(() => {
			const at = this.log.lastIndexOf(entry);
			if (at >= 0) this.log.splice(at, 1);
		});
	}

	insert(tx: Tx, id: string, row: Row): void {
		this.checkUnique(row, id);
		this.rows.set(id, row);
		this.index(row, id, true);
		this.mutations++;
		tx.record(() => {
			this.index(row, id, false);
			this.rows.delete(id);
			this.mutations++;
		});
		this.logChange(tx, id, row.versionnumber as number);
	}

	replace(tx: Tx, id: string, next: Row): void {
		const prev = this.rows.get(id);
		if (!prev) throw new Error(`replace of missing row ${id}`);
		// The row's own index entries point at `id`, which checkUnique accepts.
		this.checkUnique(next, id);
		this.index(prev, id, false);
		this.rows.set(id, next);
		this.index(next, id, true);
		this.mutations++;
		tx.record(() => {
			this.index(next, id, false);
			this.rows.set(id, prev);
			this.index(prev, id, true);
			this.mutations++;
		});
		this.logChange(tx, id, next.versionnumber as number);
	}

	remove(tx: Tx, id: string, version: number): void {
		const prev = this.rows.get(id);
		if (!prev) return;
		this.index(prev, id, false);
		this.rows.delete(id);
		this.mutations++;
		tx.record(() => {
			this.rows.set(id, prev);
			this.index(prev, id, true);
			this.mutations++;
		});
		this.logChange(tx, id, version, true);
	}

	/**
	 * Ids changed after `version` (and at or before `upTo`, when given), in version order (latest entry per id
	 * wins).
	 */
	changesSince(version: number, upTo = Number.POSITIVE_INFINITY): ChangeEntry[] {
		let lo = 0;
		let hi = this.log.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.log[mid].v <= version) lo = mid + 1;
			else hi = mid;
		}
		const latest = new Map<string, ChangeEntry>();
		for (let i = lo; i < this.log.length; i++) {
			const e = this.log[i];
			if (e.v > upTo) break;
			latest.delete(e.id);
			latest.set(e.id, e);
		}
		return [...latest.values()];
	}
}

export class Store {
	readonly tables = new Map<string, TableStore>();
	/** Dataverse's versionnumber is a database-wide rowversion: one counter for all tables. */
	version = 1_000_000;
	/**
	 * Change-tracking tokens below this version have expired (the platform's clean-up of tracking data older than
	 * `ExpireChangeTrackingInDays`); raised by the admin API to make clients re-baseline.
	 */
	changeTrackingFloor = 0;

	constructor(readonly schema: Schema) {
		for (const t of schema.byLogical.values()) this.tables.set(t.def.logicalName, new TableStore(t));
	}

	of(logicalName: string): TableStore {
		const s = this.tables.get(logicalName);
		if (!s) throw new Error(`No store for ${logicalName}`);
		return s;
	}

	nextVersion(): number {
		return ++this.version;
	}
}
