/**
 * The pure engine: one source record in, the target record (plus key, lookups and hash) out, or a skip with its
 * reason, or a MapError naming map, row, value and record key. Never mutates its input, never does I/O.
 *
 * Lookups (F&O→Dataverse): a value becomes `lookups[<navigation>] = {entity, key: {<keyField>: value, <company>}}`;
 * an empty value clears the lookup: the record gets `_<navigation>_value: null`, which the Dataverse connector
 * writes as `<navigation>@odata.bind: null`. Dataverse→F&O: the key field is read from the expanded navigation
 * (`record.msdyn_customergroupid.msdyn_groupid`; `sourceQuery` says what to `$expand`); a null navigation is an
 * empty F&O value.
 *
 * Polymorphic lookups (F&O→Dataverse): the target type is the one named by `lookup.targetBy` (an F&O field whose
 * value picks the type), else the first type in the path (`customerid.Account(..).Contact(..)` → Account). The
 * engine cannot ask which table holds the key; a hint field is the deterministic way to say it. Dataverse→F&O:
 * the first expanded target navigation (`customerid_account`, `customerid_contact`) that is not null.
 */
import type { SystemName } from '../odata';
import type { EnvelopeKey, EnvelopeLookup, SkipDecision } from '../sync/envelope';
import type { CompiledMap, CompiledRow, DirectionPlan } from './compile';
import { valueKey } from './compile';
import { MapError } from './errors';
import { evaluateFilter } from './filters/expression';
import { hashPart, hashText } from './hash';
import { readPath } from './lookupPath';
import { canonical, tryNormalise, type ValueShape } from './normalise';
import type { Scalar, SyncDirection } from './types';

export type SourceRecord = Readonly<Record<string, unknown>>;

export interface MappedRecord {
	kind: 'mapped';
	target: { entity: string; key: EnvelopeKey; record: Record<string, Scalar>; lookups: Record<string, EnvelopeLookup> };
	source: { entity: string; key: EnvelopeKey };
	/** SHA-256 of the target values in field order, as `hashRecord` computes it from the stored target record. */
	hash: string;
}

export interface SkippedRecord {
	kind: 'skipped';
	decision: Extract<SkipDecision, 'filtered' | 'not-this-direction'>;
	detail: string;
}

export type MapResult = MappedRecord | SkippedRecord;

export function apply(compiled: CompiledMap, direction: SyncDirection, record: SourceRecord): MapResult {
	const plan = compiled.plans[direction];
	if (!plan) {
		return { kind: 'skipped', decision: 'not-this-direction', detail: `map ${compiled.id} maps no field ${direction}` };
	}
	if (plan.filter && !evaluateFilter(plan.filter, record)) {
		return { kind: 'skipped', decision: 'filtered', detail: `${plan.source.entity} source filter of map ${compiled.id} is false: ${plan.filterText}` };
	}
	const sourceKey = readSourceKey(compiled, plan, record);
	const context: FailContext = { map: compiled.id, direction, recordKey: sourceKey };
	const toFo = direction === 'dataverse->fo';
	const out: Record<string, Scalar> = { ...plan.template };
	const lookups: Record<string, EnvelopeLookup> = {};
	const rowValues: Array<Scalar | undefined> = new Array(plan.rows.length);
	const targetSide: SystemName = toFo ? 'fo' : 'dataverse';
	let hashInput = plan.hashPrefix;

	const companyCode = compiled.company ? companyOf(compiled, plan, record, sourceKey) : undefined;
	if (compiled.company && companyCode !== undefined) {
		hashInput += hashPart(companyCode.toLowerCase());
		if (toFo) out[compiled.company.fo] = companyCode.toLowerCase();
		else lookups[compiled.company.navigation] = { entity: 'cdm_companies', key: { [compiled.company.keyField]: companyCode } };
	}

	for (let i = 0; i < plan.rows.length; i++) {
		const row = plan.rows[i];
		const raw = toFo ? readDataverse(row, record) : row.fo === null ? undefined : record[row.fo];
		const value = translate(row, direction, raw, context);
		rowValues[i] = value;
		hashInput += hashPart(canonical(value));
		if (toFo || row.dataverse === null || row.dataverse.kind === 'column') {
			if (value !== undefined) out[row.target[targetSide]!] = value;
			else delete out[row.target[targetSide]!];
			continue;
		}
		const path = row.dataverse;
		if (value === null || value === undefined || value === '') {
			out[`_${path.navigation}_value`] = null;
			continue;
		}
		let navigation = path.navigation;
		let keyField: string;
		let entity: string;
		if (path.kind === 'lookup') {
			keyField = path.keyField;
			entity = row.lookup?.entities[path.navigation] ?? '';
		} else {
			const hint = row.lookup?.targetBy;
			const wanted = hint ? hint.values[String(record[hint.field])] : undefined;
			let chosen = path.targets[0];
			for (const candidate of path.targets) if (candidate.type === wanted) chosen = candidate;
			navigation = chosen.navigation;
			keyField = chosen.keyField;
			entity = row.lookup?.entities[chosen.type] ?? '';
		}
		const key: EnvelopeKey = { [keyField]: value };
		if (row.lookup?.companyPath !== undefined && companyCode !== undefined) key[row.lookup.companyPath] = companyCode;
		lookups[navigation] = { entity, key };
	}

	const targetKey: EnvelopeKey = {};
	for (const { part, from } of plan.targetKey) {
		const value = from === 'company' ? (toFo ? companyCode?.toLowerCase() : companyCode) : from >= 0 ? rowValues[from] : undefined;
		if (value === undefined || canonical(value) === null) fail(context, `no value for target key field ${part} of ${plan.target.entity}`, part, value ?? null);
		targetKey[part] = value as Scalar;
	}
	return {
		kind: 'mapped',
		target: { entity: plan.target.entity, key: targetKey, record: out, lookups },
		source: { entity: plan.source.entity, key: sourceKey },
		hash: hashText(hashInput),
	};
}

/** Who to blame in a MapError; one object per record (closures per row would cost more than the mapping). */
interface FailContext {
	map: string;
	direction: SyncDirection;
	recordKey: EnvelopeKey;
}

function fail(context: FailContext, problem: string, field: string, value: unknown): never {
	throw new MapError(problem, { map: context.map, direction: context.direction, field, value, recordKey: context.recordKey });
}

function shaped(row: CompiledRow, shape: ValueShape, value: unknown, raw: unknown, context: FailContext): Scalar | undefined {
	const result = tryNormalise(value, shape);
	return result.ok ? result.value : fail(context, `type mismatch: ${result.message}`, row.label, raw);
}

/** Source value → target value: default for blanks, value map, then the target's storage shape. */
function translate(row: CompiledRow, direction: SyncDirection, raw: unknown, context: FailContext): Scalar | undefined {
	const shape = row.shape[direction === 'dataverse->fo' ? 'fo' : 'dataverse'];
	const sourceNone = direction === 'dataverse->fo' ? row.dataverse === null : row.fo === null;
	const blank = sourceNone || raw === undefined || raw === null || raw === '' || (direction === 'fo->dataverse' && canonical(raw as Scalar) === null);
	if (blank && row.hasDefault) return shaped(row, shape, row.default, raw, context);
	if (!row.valueMap) return shaped(row, shape, raw, raw, context);
	const lookup = row.valueMap[direction];
	const key = valueKey(blank ? null : raw);
	if (lookup.exact.has(key)) return shaped(row, shape, lookup.exact.get(key), raw, context);
	const folded = key.toLowerCase();
	if (lookup.folded.has(folded)) return shaped(row, shape, lookup.folded.get(folded), raw, context);
	if (blank) return shaped(row, shape, null, raw, context);
	const known = [...lookup.exact.keys()].map((entry) => entry.slice(2)).join(', ');
	return fail(context, `no value-map entry for this value (known: ${known})`, row.label, raw);
}

export function readDataverse(row: CompiledRow, record: SourceRecord): unknown {
	const path = row.dataverse;
	if (path === null) return undefined;
	switch (path.kind) {
		case 'column':
			return record[path.column];
		case 'lookup':
			return readPath(record, path.navigation, path.keyField);
		case 'polymorphic': {
			let seen: unknown = undefined;
			for (const target of path.targets) {
				const value = readPath(record, target.navigation, target.keyField);
				if (value !== undefined && value !== null && value !== '') return value;
				if (value !== undefined) seen = value;
			}
			return seen;
		}
	}
}

function readSourceKey(compiled: CompiledMap, plan: DirectionPlan, record: SourceRecord): EnvelopeKey {
	const key: EnvelopeKey = {};
	const missing: string[] = [];
	for (const part of plan.source.key) {
		const dot = part.indexOf('.');
		const value = plan.source.side === 'dataverse' && dot > 0 ? readPath(record, part.slice(0, dot), part.slice(dot + 1)) : record[part];
		if (value === undefined || value === null || value === '') missing.push(part);
		else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') key[part] = value;
		else missing.push(part);
	}
	if (missing.length > 0) {
		throw new MapError(`source record has no value for key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${plan.source.entity}`, {
			map: compiled.id,
			direction: plan.direction,
			field: missing.join(', '),
			recordKey: key,
		});
	}
	return key;
}

function companyOf(compiled: CompiledMap, plan: DirectionPlan, record: SourceRecord, sourceKey: EnvelopeKey): string {
	const company = compiled.company!;
	const value = plan.source.side === 'fo' ? record[company.fo] : readPath(record, company.navigation, company.keyField);
	if (typeof value !== 'string' || value === '') {
		const field = plan.source.side === 'fo' ? company.fo : company.dataverse;
		throw new MapError(`source record has no company (${field}); expand ${company.navigation} when reading Dataverse`, {
			map: compiled.id,
			direction: plan.direction,
			field,
			value: value ?? null,
			recordKey: sourceKey,
		});
	}
	return value;
}

/**
 * The hash of a record as stored on `side`, over the values this map writes to that side. Equal to the `hash` of
 * the `apply` that wrote it, as long as the side stored what it was sent: that equality is echo suppression.
 */
export function hashRecord(compiled: CompiledMap, side: SystemName, record: SourceRecord): string {
	const direction: SyncDirection = side === 'fo' ? 'dataverse->fo' : 'fo->dataverse';
	const plan = compiled.plans[direction];
	if (!plan) return hashText('');
	let hashInput = plan.hashPrefix;
	if (compiled.company) {
		const code = side === 'fo' ? record[compiled.company.fo] : readPath(record, compiled.company.navigation, compiled.company.keyField);
		hashInput += hashPart(typeof code === 'string' && code !== '' ? code.toLowerCase() : null);
	}
	for (const row of plan.rows) {
		const raw = side === 'fo' ? record[row.fo as string] : readDataverse(row, record);
		const result = tryNormalise(raw, row.shape[side]);
		if (!result.ok) {
			throw new MapError(`type mismatch in the stored record: ${result.message}`, { map: compiled.id, direction, field: row.label, value: raw });
		}
		hashInput += hashPart(canonical(result.value));
	}
	return hashText(hashInput);
}
