import type { EntityDef, FieldDef } from './model';
import { blankValue, type StoredValue } from './values';

export type Values = Record<string, StoredValue>;

/** One record. Replaced (never mutated) on update so readers holding a row see a consistent version. */
export interface Row {
	readonly company: string;
	/** Lower-cased non-company key values joined; the index key inside the company partition. */
	readonly key: string;
	readonly values: Values;
	readonly recId: number;
	readonly recVersion: number;
	/** `W/"<base64('recVersion,RecId')>"`, as F&O returns it. */
	readonly etag: string;
	/** JSON of `values`, built on first read and reused until the row is replaced. */
	json?: string;
}

export const GLOBAL_PARTITION = '';
const KEY_SEPARATOR = '\u0000';

export function makeEtag(recVersion: number, recId: number): string {
	return `W/"${Buffer.from(`'${recVersion},${recId}'`).toString('base64')}"`;
}

/**
 * Rows of one entity set, partitioned by company. Each partition is a Map keyed by the record key, so a
 * by-key read is one hash lookup, and the Map's insertion order is the default (RecId) order that
 * paging walks without sorting.
 */
export class EntitySet {
	readonly partitions = new Map<string, Map<string, Row>>();
	readonly fieldByName: Map<string, FieldDef>;
	/** Non-company key fields, in key order. */
	readonly ownKeys: string[];
	/** Every field at its blank value; new rows start as a copy, which keeps all rows one object shape. */
	readonly blank: Values;
	count = 0;

	constructor(
		readonly def: EntityDef,
		private readonly store: Store,
	) {
		this.fieldByName = new Map(def.fields.map((f) => [f.name, f]));
		this.ownKeys = def.keys.filter((k) => k !== 'dataAreaId');
		this.blank = Object.fromEntries(def.fields.map((f) => [f.name, blankValue(f)]));
	}

	keyOf(values: Values): string {
		if (this.ownKeys.length === 1) return String(values[this.ownKeys[0]]).toLowerCase();
		return this.ownKeys.map((k) => String(values[k]).toLowerCase()).join(KEY_SEPARATOR);
	}

	companyOf(values: Values): string {
		return this.def.companySpecific ? String(values.dataAreaId) : GLOBAL_PARTITION;
	}

	get(company: string, key: string): Row | undefined {
		return this.partitions.get(company)?.get(key);
	}

	/** Inserts a new row (the caller checked the key is free). */
	insert(values: Values): Row {
		const company = this.companyOf(values);
		const key = this.keyOf(values);
		const recId = this.store.nextRecId();
		const row: Row = { company, key, values, recId, recVersion: 1, etag: makeEtag(1, recId) };
		let part = this.partitions.get(company);
		if (!part) this.partitions.set(company, (part = new Map()));
		part.set(key, row);
		this.count++;
		this.store.onUndo(() => {
			part.delete(key);
			this.count--;
		});
		return row;
	}

	update(old: Row, values: Values): Row {
		const recVersion = this.store.nextRecVersion(old.recVersion);
		const row: Row = { company: old.company, key: old.key, values, recId: old.recId, recVersion, etag: makeEtag(recVersion, old.recId) };
		const part = this.partitions.get(old.company) as Map<string, Row>;
		part.set(old.key, row);
		this.store.onUndo(() => part.set(old.key, old));
		return row;
	}

	remove(old: Row): void {
		const part = this.partitions.get(old.company) as Map<string, Row>;
		part.delete(old.key);
		this.count--;
		this.store.onUndo(() => {
			part.set(old.key, old);
			this.count++;
			// A Map re-insert lands at the end; restore RecId order so paging stays stable.
			this.store.markUnordered(this, old.company);
		});
	}

	/** Rows of the given companies (all when undefined), in company then RecId order. */
	*rows(companies: string[] | undefined): Generator<Row> {
		const names = companies ?? [...this.partitions.keys()].sort();
		for (const c of names) {
			const part = this.partitions.get(c);
			if (part) yield* part.values();
		}
	}

	reorder(company: string): void {
		const part = this.partitions.get(company);
		if (!part) return;
		const sorted = [...part.entries()].sort((a, b) => a[1].recId - b[1].recId);
		part.clear();
		for (const [k, v] of sorted) part.set(k, v);
	}
}

/** All entity sets plus the undo log that makes a $batch change set atomic. */
export class Store {
	readonly sets = new Map<string, EntitySet>();
	private recId = 5637144576;
	private undoLog: Array<() => void> | undefined;
	private unordered = new Set<[EntitySet, string]>();
	/** Per entity set, company and field: the last number handed out by a number sequence. */
	readonly sequences = new Map<string, number>();

	constructor(defs: EntityDef[]) {
		for (const def of defs) this.sets.set(def.setName.toLowerCase(), new EntitySet(def, this));
	}

	set(name: string): EntitySet | undefined {
		return this.sets.get(name.toLowerCase());
	}

	nextRecId(): number {
		return ++this.recId;
	}

	/** F&O's recVersion is a random number that changes on every update. */
	nextRecVersion(previous: number): number {
		let v: number;
		do v = 1 + Math.floor(Math.random() * 2147483646);
		while (v === previous);
		return v;
	}

	inTransaction(): boolean {
		return this.undoLog !== undefined;
	}

	begin(): void {
		if (this.undoLog) throw new Error('Nested transactions are not supported.');
		this.undoLog = [];
	}

	commit(): void {
		this.undoLog = undefined;
	}

	rollback(): void {
		const log = this.undoLog ?? [];
		this.undoLog = undefined;
		for (let i = log.length - 1; i >= 0; i--) log[i]();
		for (const [set, company] of this.unordered) set.reorder(company);
		this.unordered.clear();
	}

	onUndo(fn: () => void): void {
		this.undoLog?.push(fn);
	}

	markUnordered(set: EntitySet, company: string): void {
		this.unordered.add([set, company]);
	}

	clear(): void {
		for (const s of this.sets.values()) {
			s.partitions.clear();
			s.count = 0;
		}
		this.sequences.clear();
	}
}
