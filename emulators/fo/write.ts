import type { Caller } from '../common/http';
import { badRequest, FoHttpError, notFoundSegment, odataError, writeFailure, type WriteOperation } from './errors';
import { MODIFIED_FIELD, type FieldDef } from './model';
import type { EntitySet, Row, Store, Values } from './store';
import { blankValue, coerce, formatDateTime, isBlank, type StoredValue } from './values';

/** A committed (or about to be committed, inside a change set) write, for events. */
export interface Change {
	set: EntitySet;
	kind: WriteOperation;
	/** The row after the write; for Delete the row as it was. */
	row: Row;
	/** The row before an Update or Delete. */
	pre?: Row;
	caller: Caller;
	at: number;
}

export interface WriteContext {
	caller: Caller;
	defaultCompany: string;
	/** Changes made by this request, published as events once they are committed. */
	changes: Change[];
}

/** Request bodies are JSON objects; OData annotations (`@odata.type`, `X@odata.type`, `@odata.etag`) are ignored. */
export function parseBody(body: Buffer): Record<string, unknown> {
	let value: unknown;
	try {
		value = JSON.parse(body.toString('utf8'));
	} catch (error) {
		throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('The request body must be a JSON object with the entity\'s properties.');
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) if (!k.includes('@')) out[k] = v;
	return out;
}

/** Whole-second clock that never repeats or goes back, so ModifiedDateTime orders writes (watermarks). */
class WriteClock {
	private last = 0;
	now(): number {
		this.last = Math.max(Date.now(), this.last);
		return this.last;
	}
}

export class Writer {
	private readonly clock = new WriteClock();

	constructor(
		private readonly store: Store,
		private readonly companyExists: (id: string) => boolean,
	) {}

	/** Validates supplied fields; returns their stored values and collects Infolog entries for the ones that do not fit. */
	private readSupplied(set: EntitySet, body: Record<string, unknown>, infolog: string[]): Values {
		const supplied: Values = {};
		for (const [name, raw] of Object.entries(body)) {
			const field = set.fieldByName.get(name);
			if (!field) {
				infolog.push(`Error: Field '${name}' does not exist in entity '${set.def.aotName}'.`);
				continue;
			}
			if (field.readOnly) continue;
			const c = coerce(field, raw);
			if (c.ok) supplied[name] = name === 'dataAreaId' ? String(c.value).toLowerCase() : c.value;
			else infolog.push(c.message);
		}
		return supplied;
	}

	private checkRow(set: EntitySet, values: Values, checkFields: Iterable<FieldDef>, infolog: string[]): void {
		for (const field of checkFields) {
			const v = values[field.name];
			if (field.mandatory && isBlank(field, v)) {
				infolog.push(`Error: Field '${field.label}' must be filled in.`);
				continue;
			}
			if (!field.foreignKey || isBlank(field, v)) continue;
			const target = this.store.set(field.foreignKey.entity);
			if (!target) continue;
			const company = target.def.companySpecific ? String(values.dataAreaId) : '';
			if (!target.get(company, String(v).toLowerCase())) {
				infolog.push(
					`Warning: The value '${String(v)}' in field '${field.label}' is not found in the related table '${field.foreignKey.tableLabel}'.`,
					`Warning: validateField failed on field '${set.def.aotName}.${field.name}'.`,
				);
			}
		}
	}

	private nextNumber(set: EntitySet, company: string, field: FieldDef): StoredValue {
		const seq = field.numberSequence as NonNullable<FieldDef['numberSequence']>;
		const id = `${set.def.setName}|${company}|${field.name}`;
		let n = this.store.sequences.get(id) ?? 0;
		let value: string;
		do {
			n++;
			value = `${seq.prefix ?? ''}${String(n).padStart(seq.width, '0')}`;
			// Keys handed out by the sequence must be free; skip numbers taken by seeded or manual rows.
		} while (set.def.keys.includes(field.name) && set.get(company, set.keyOf({ ...this.keyProbe(set, field.name, value) })));
		this.store.sequences.set(id, n);
		return value;
	}

	private keyProbe(set: EntitySet, name: string, value: string): Values {
		const probe: Values = {};
		for (const k of set.ownKeys) probe[k] = k === name ? value : '';
		return probe;
	}

	create(set: EntitySet, body: Record<string, unknown>, ctx: WriteContext): Row {
		const infolog: string[] = [];
		const supplied = this.readSupplied(set, body, infolog);
		const values: Values = { ...set.blank, ...supplied };
		if (set.def.companySpecific) {
			if (!('dataAreaId' in supplied)) values.dataAreaId = ctx.defaultCompany;
			if (!this.companyExists(String(values.dataAreaId))) infolog.push(`Error: Company '${String(values.dataAreaId)}' does not exist.`);
		}
		if (infolog.length) throw writeFailure(set.def, infolog, 'Create');
		const company = set.companyOf(values);
		for (const f of set.def.fields) if (f.numberSequence && isBlank(f, values[f.name])) values[f.name] = this.nextNumber(set, company, f);
		this.checkRow(set, values, set.def.fields, infolog);
		if (infolog.length) throw writeFailure(set.def, infolog, 'Create');
		if (set.get(company, set.keyOf(values))) {
			const own = set.ownKeys.map((k) => set.fieldByName.get(k) as FieldDef);
			const keyText = `${own.map((f) => f.label).join(', ')}: ${own.map((f) => String(values[f.name])).join(', ')}`;
			throw writeFailure(set.def, [`Error: Cannot create a record in ${set.def.table.label} (${set.def.table.name}). ${keyText}. The record already exists.`], 'Create');
		}
		const at = this.clock.now();
		if (set.fieldByName.has(MODIFIED_FIELD)) values[MODIFIED_FIELD] = formatDateTime(at);
		const row = set.insert(values);
		ctx.changes.push({ set, kind: 'Create', row, caller: ctx.caller, at });
		return row;
	}

	/** PATCH (merge) or PUT (replace: fields not supplied go back to their defaults). */
	update(set: EntitySet, target: { company: string; key: string; values: Values }, body: Record<string, unknown>, ifMatch: string | undefined, replace: boolean, ctx: WriteContext): Row {
		const old = this.find(set, target, ifMatch);
		const infolog: string[] = [];
		const supplied = this.readSupplied(set, body, infolog);
		for (const k of set.def.keys) {
			if (k in supplied && String(supplied[k]).toLowerCase() !== String(old.values[k]).toLowerCase()) {
				const f = set.fieldByName.get(k) as FieldDef;
				infolog.push(`Error: The key field '${f.label}' (${k}) cannot be changed from '${String(old.values[k])}' to '${String(supplied[k])}'.`);
			}
		}
		if (infolog.length) throw writeFailure(set.def, infolog, 'Update');
		const values: Values = { ...old.values };
		for (const f of set.def.fields) {
			const keep = !replace || set.def.keys.includes(f.name) || f.readOnly || f.numberSequence;
			values[f.name] = f.name in supplied && !set.def.keys.includes(f.name) ? supplied[f.name] : keep ? old.values[f.name] : blankValue(f);
		}
		const touched = set.def.fields.filter((f) => f.name in supplied || (replace && f.mandatory));
		this.checkRow(set, values, touched, infolog);
		if (infolog.length) throw writeFailure(set.def, infolog, 'Update');
		// An update that changes nothing is not written: no new version, no event.
		if (set.def.fields.every((f) => values[f.name] === old.values[f.name])) return old;
		const at = this.clock.now();
		if (set.fieldByName.has(MODIFIED_FIELD)) values[MODIFIED_FIELD] = formatDateTime(at);
		const row = set.update(old, values);
		ctx.changes.push({ set, kind: 'Update', row, pre: old, caller: ctx.caller, at });
		return row;
	}

	delete(set: EntitySet, target: { company: string; key: string; values: Values }, ifMatch: string | undefined, ctx: WriteContext): void {
		const old = this.find(set, target, ifMatch);
		set.remove(old);
		ctx.changes.push({ set, kind: 'Delete', row: old, pre: old, caller: ctx.caller, at: this.clock.now() });
	}

	private find(set: EntitySet, target: { company: string; key: string }, ifMatch: string | undefined): Row {
		const row = set.get(target.company, target.key);
		if (!row) throw notFoundSegment(set.def.setName);
		if (ifMatch !== undefined && !etagMatches(ifMatch, row.etag)) {
			throw new FoHttpError(odataError(412, `The ETag in the If-Match header (${ifMatch}) does not match the current version of the record (${row.etag}); it was changed by another request.`));
		}
		return row;
	}
}

/** `*` matches anything; otherwise one of the listed ETags, compared with or without the weak prefix. */
export function etagMatches(header: string, etag: string): boolean {
	const strip = (s: string) => s.trim().replace(/^W\//, '');
	return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}
