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
import { compileFilter } from './filters/expression';
import { hashBoolean, hashEnd, hashNull, hashNumber, hashPrefixBytes, hashStart, hashString, hashText } from './hash';
import type { ColumnPath } from './lookupPath';
import { propertyName } from './propertyName';
import { canonical, FO_EMPTY_DATE, FO_EMPTY_GUID, normaliserFor, type ValueShape } from './normalise';
import type { LookupTarget, Scalar, SyncDirection } from './types';

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
	const program = programOf(compiled, plan);
	if (program.filter !== undefined && !program.filter(record)) {
		return { kind: 'skipped', decision: 'filtered', detail: `${plan.source.entity} source filter of map ${compiled.id} is false: ${plan.filterText}` };
	}
	const sourceKey = readSourceKey(compiled, plan, program, record);
	const toFo = program.toFo;
	const out: Record<string, Scalar> = { ...plan.template };
	const lookups: Record<string, EnvelopeLookup> = {};
	const keyValues: Array<Scalar | undefined> = new Array(program.keySlots);
	hashStart(program.hashPrefix);

	const company = program.company;
	const companyCode = company !== undefined ? companyOf(compiled, plan, program, record, sourceKey) : undefined;
	if (company !== undefined && companyCode !== undefined) {
		const lower = companyCode.toLowerCase();
		hashString(lower);
		if (toFo) out[company.fo] = lower;
		else {
			const key: EnvelopeKey = {};
			key[company.keyField] = companyCode;
			lookups[company.navigation] = { entity: 'cdm_companies', key };
		}
	}

	const steps = program.steps;
	for (let i = 0; i < steps.length; i++) {
		const step = steps[i];
		let value: Scalar | undefined;
		if (step.convertAs === CONVERT_CONSTANT) value = step.constant;
		else {
			const raw = step.read === READ_COLUMN ? record[step.readField] : readStep(step, record);
			if (step.convertAs === CONVERT_TEXT && typeof raw === 'string') {
				// normaliserFor's text path, inline: trailing spaces dropped, blank is the side's blank.
				let end = raw.length;
				while (end > 0 && raw.charCodeAt(end - 1) === 32) end--;
				value = end === 0 ? step.blank : end === raw.length ? raw : raw.slice(0, end);
			} else if (step.convertAs === CONVERT_TEXT && (raw === null || raw === undefined)) {
				value = step.blank;
			} else {
				try {
					value = step.convert(raw);
				} catch (error) {
					convertFailed({ map: compiled.id, direction, recordKey: sourceKey }, step.row, raw, error);
				}
			}
		}
		if (step.keySlot >= 0) keyValues[step.keySlot] = value;
		hashCanonical(value);
		if (step.write === WRITE_COLUMN) {
			if (value !== undefined) out[step.targetField] = value;
			else delete out[step.targetField];
			continue;
		}
		if (value === null || value === undefined || value === '') {
			out[step.clearField] = null;
			continue;
		}
		let navigation = step.navigation;
		let keyField = step.keyField;
		let entity = step.entity;
		if (step.write === WRITE_POLYMORPHIC) {
			const hint = step.targetBy;
			const wanted = hint ? hint.values[String(record[hint.field])] : undefined;
			const targets = step.targets;
			let chosen = targets[0];
			for (let t = 0; t < targets.length; t++) if (targets[t].type === wanted) chosen = targets[t];
			navigation = chosen.navigation;
			keyField = chosen.keyField;
			entity = chosen.entity;
		}
		// Stores into `{}`: an object literal with a computed name is built by a runtime call, and one spread site
		// copying the key shapes of every lookup (one per key field) goes megamorphic, which copies property by property.
		const key: EnvelopeKey = {};
		key[keyField] = value;
		// companyOf throws unless it finds the company, so a map with one always has the code here.
		if (step.companyPath !== undefined && companyCode !== undefined) key[step.companyPath] = companyCode;
		lookups[navigation] = { entity, key };
	}

	const targetKey: EnvelopeKey = {};
	for (const { part, from } of program.targetKey) {
		const value = from === 'company' ? (toFo ? companyCode?.toLowerCase() : companyCode) : from >= 0 ? keyValues[program.keySlotOf[from]] : undefined;
		if (value === undefined || canonical(value) === null) {
			fail({ map: compiled.id, direction, recordKey: sourceKey }, `no value for target key field ${part} of ${plan.target.entity}`, part, value ?? null);
		}
		targetKey[part] = value as Scalar;
	}
	return {
		kind: 'mapped',
		target: { entity: plan.target.entity, key: targetKey, record: out, lookups },
		source: { entity: plan.source.entity, key: sourceKey },
		hash: hashEnd(),
	};
}

/** `hashValue(canonical(value))` without the intermediate: blanks of either side hash as null. */
function hashCanonical(value: Scalar | undefined): void {
	if (value === null || value === undefined) hashNull();
	else if (typeof value === 'string') {
		if (value === '' || value === FO_EMPTY_DATE || value === FO_EMPTY_GUID) hashNull();
		else hashString(value);
	} else if (typeof value === 'number') hashNumber(value);
	else hashBoolean(value);
}

/** Who to blame in a MapError; built only when something fails. */
interface FailContext {
	map: string;
	direction: SyncDirection;
	recordKey: EnvelopeKey;
}

function fail(context: FailContext, problem: string, field: string, value: unknown): never {
	throw new MapError(problem, { map: context.map, direction: context.direction, field, value, recordKey: context.recordKey });
}

/** A row's value does not convert: a value-map miss, or a type mismatch (anything `normalise` throws). */
function convertFailed(context: FailContext, row: CompiledRow, raw: unknown, error: unknown): never {
	if (error instanceof NoValueMapEntry) fail(context, error.message, row.label, raw);
	fail(context, `type mismatch: ${error instanceof Error ? error.message : String(error)}`, row.label, raw);
}

/** A value-map miss, raised inside a row's converter and turned into a MapError by `apply` (which knows the record). */
class NoValueMapEntry extends Error {}

/*
 * The per-record work of a plan, decided once: what each row reads, how it converts, where it writes. `apply` then
 * runs a flat loop with no per-record branching on the definition, no `{ok, value}` result objects and no string
 * building for paths. Programs are cached per plan object, so plans stay plain data (tests compare them) and a plan
 * derived later gets its own program.
 */
const READ_NONE = 0;
const READ_COLUMN = 1;
const READ_PATH = 2;
const READ_POLYMORPHIC = 3;
const WRITE_COLUMN = 0;
const WRITE_LOOKUP = 1;
const WRITE_POLYMORPHIC = 2;
/** `convert` for every value. */
const CONVERT_GENERIC = 0;
/** `convert` is normaliserFor's text path (no value map, no default): strings and blanks are done inline. */
const CONVERT_TEXT = 1;
/** The row reads nothing (`none`): its value is the same for every record, `constant`. */
const CONVERT_CONSTANT = 2;

interface StepTarget {
	type: string;
	navigation: string;
	keyField: string;
	/** `navigation.keyField`: how a flattened record names the value. */
	flat: string;
	entity: string;
}

/** Where a row's value is in a record, names resolved: see `readStep`. */
interface Reader {
	read: number;
	readField: string;
	readKey: string;
	readFlat: string;
	readTargets: readonly StepTarget[];
}

/** Every step has every field (unused ones empty), so the loop in `apply` sees one object shape. */
interface Step extends Reader {
	row: CompiledRow;
	convert: (raw: unknown) => Scalar | undefined;
	convertAs: number;
	/** CONVERT_TEXT: what a blank becomes (`''` towards F&O, null towards Dataverse). */
	blank: Scalar;
	/** CONVERT_CONSTANT: the value. */
	constant: Scalar | undefined;
	write: number;
	targetField: string;
	/** `_<navigation>_value`: what an empty lookup writes. */
	clearField: string;
	navigation: string;
	keyField: string;
	entity: string;
	targets: readonly StepTarget[];
	targetBy: LookupTarget['targetBy'] | undefined;
	companyPath: string | undefined;
	/** Index into the record's key values when a target key part comes from this row, else -1. */
	keySlot: number;
}

interface Program {
	toFo: boolean;
	/** The map's company columns (`compiled.company`), as property names. */
	company: { fo: string; navigation: string; keyField: string; flat: string } | undefined;
	/** `plan.targetKey` with its parts as property names. */
	targetKey: DirectionPlan['targetKey'];
	filter: ((record: SourceRecord) => boolean) | undefined;
	/** `plan.hashPrefix`, UTF-8. */
	hashPrefix: Uint8Array;
	steps: readonly Step[];
	keySlots: number;
	/** Row index in the plan → key slot. */
	keySlotOf: readonly number[];
	/** Source key parts, pre-split. */
	sourceKey: ReadonlyArray<{ part: string; navigation: string | undefined; keyField: string; flat: string }>;
	/** `hashRecord`: how each row is read from a record as the target side stores it, and normalised. */
	stored: readonly StoredField[];
}

interface StoredField extends Reader {
	row: CompiledRow;
	normalise: (value: unknown) => Scalar | undefined;
}

const programs = new WeakMap<DirectionPlan, Program>();

function programOf(compiled: CompiledMap, plan: DirectionPlan): Program {
	let program = programs.get(plan);
	if (!program) {
		program = compileProgram(compiled, plan);
		programs.set(plan, program);
	}
	return program;
}

function compileProgram(compiled: CompiledMap, plan: DirectionPlan): Program {
	const toFo = plan.direction === 'dataverse->fo';
	const keySlotOf: number[] = plan.rows.map(() => -1);
	let keySlots = 0;
	for (const { from } of plan.targetKey) if (typeof from === 'number' && from >= 0 && keySlotOf[from] < 0) keySlotOf[from] = keySlots++;
	const steps = plan.rows.map((row, index) => compileStep(row, plan.direction, toFo, keySlotOf[index]));
	const sourceKey = plan.source.key.map((text) => {
		const part = propertyName(text);
		const dot = part.indexOf('.');
		return plan.source.side === 'dataverse' && dot > 0
			? { part, navigation: propertyName(part.slice(0, dot)), keyField: propertyName(part.slice(dot + 1)), flat: part }
			: { part, navigation: undefined, keyField: '', flat: '' };
	});
	const filter = plan.filter;
	const company = compiled.company;
	return {
		toFo,
		company: company && {
			fo: propertyName(company.fo),
			navigation: propertyName(company.navigation),
			keyField: propertyName(company.keyField),
			flat: propertyName(`${company.navigation}.${company.keyField}`),
		},
		targetKey: plan.targetKey.map(({ part, from }) => ({ part: propertyName(part), from })),
		filter: filter ? compileFilter(filter) : undefined,
		hashPrefix: hashPrefixBytes(plan.hashPrefix),
		steps,
		keySlots,
		keySlotOf,
		sourceKey,
		stored: plan.rows.map((row) => storedField(row, plan.target.side)),
	};
}

/** How `hashRecord` reads a row from a record as the target side stores it (Dataverse: column, lookup path or polymorphic). */
function storedField(row: CompiledRow, side: SystemName): StoredField {
	const normalise = normaliserFor(row.shape[side]);
	const path = row.dataverse;
	const reader = (read: number, readField = '', readKey = '', targets: readonly StepTarget[] = []): StoredField => ({
		read,
		readField: propertyName(readField),
		readKey: propertyName(readKey),
		readFlat: propertyName(read === READ_PATH ? `${readField}.${readKey}` : ''),
		readTargets: targets,
		row,
		normalise,
	});
	if (side === 'fo') return reader(READ_COLUMN, row.fo as string);
	if (path === null) return reader(READ_NONE);
	if (path.kind === 'column') return reader(READ_COLUMN, path.column);
	if (path.kind === 'lookup') return reader(READ_PATH, path.navigation, path.keyField);
	return reader(READ_POLYMORPHIC, '', '', stepTargets(row, path));
}

function stepTargets(row: CompiledRow, path: ColumnPath | null): StepTarget[] {
	if (path?.kind !== 'polymorphic') return [];
	return path.targets.map((target) => ({
		type: target.type,
		navigation: propertyName(target.navigation),
		keyField: propertyName(target.keyField),
		flat: propertyName(`${target.navigation}.${target.keyField}`),
		entity: row.lookup?.entities[target.type] ?? '',
	}));
}

function compileStep(row: CompiledRow, direction: SyncDirection, toFo: boolean, keySlot: number): Step {
	const path = row.dataverse;
	const targets = stepTargets(row, path);
	let read = READ_NONE;
	let readField = '';
	let readKey = '';
	if (!toFo) {
		if (row.fo !== null) {
			read = READ_COLUMN;
			readField = row.fo;
		}
	} else if (path !== null) {
		if (path.kind === 'column') {
			read = READ_COLUMN;
			readField = path.column;
		} else if (path.kind === 'lookup') {
			read = READ_PATH;
			readField = path.navigation;
			readKey = path.keyField;
		} else read = READ_POLYMORPHIC;
	}
	const plain = toFo || path === null || path.kind === 'column';
	const convert = converter(row, direction);
	const shape = row.shape[toFo ? 'fo' : 'dataverse'];
	let convertAs = !row.valueMap && !row.hasDefault && isTextShape(shape) ? CONVERT_TEXT : CONVERT_GENERIC;
	let constant: Scalar | undefined;
	if (read === READ_NONE) {
		// Nothing to read: the converter sees undefined for every record. One that throws keeps throwing per record.
		try {
			constant = convert(undefined);
			convertAs = CONVERT_CONSTANT;
		} catch {
			convertAs = CONVERT_GENERIC;
		}
	}
	return {
		row,
		read,
		readField: propertyName(readField),
		readKey: propertyName(readKey),
		readFlat: propertyName(read === READ_PATH ? `${readField}.${readKey}` : ''),
		readTargets: targets,
		convert,
		convertAs,
		blank: toFo ? '' : null,
		constant,
		write: plain ? WRITE_COLUMN : path.kind === 'lookup' ? WRITE_LOOKUP : WRITE_POLYMORPHIC,
		targetField: propertyName((plain ? row.target[toFo ? 'fo' : 'dataverse'] : undefined) ?? ''),
		clearField: propertyName(plain ? '' : `_${path.navigation}_value`),
		navigation: propertyName(plain ? '' : path.navigation),
		keyField: propertyName(!plain && path.kind === 'lookup' ? path.keyField : ''),
		entity: !plain && path.kind === 'lookup' ? (row.lookup?.entities[path.navigation] ?? '') : '',
		targets,
		targetBy: plain ? undefined : targetByOf(row.lookup?.targetBy),
		companyPath: plain || row.lookup?.companyPath === undefined ? undefined : propertyName(row.lookup.companyPath),
		keySlot,
	};
}

function targetByOf(hint: LookupTarget['targetBy']): LookupTarget['targetBy'] {
	return hint && { field: propertyName(hint.field), values: hint.values };
}

/** `readPath` without building the flattened name per record. */
function readPathOf(record: SourceRecord, navigation: string, keyField: string, flat: string): unknown {
	const expanded = record[navigation];
	if (expanded !== undefined) {
		if (expanded === null) return null;
		if (typeof expanded === 'object') return (expanded as Record<string, unknown>)[keyField] ?? null;
	}
	return record[flat];
}

function readStep(step: Reader, record: SourceRecord): unknown {
	switch (step.read) {
		case READ_COLUMN:
			return record[step.readField];
		case READ_PATH:
			return readPathOf(record, step.readField, step.readKey, step.readFlat);
		case READ_POLYMORPHIC: {
			// The first non-blank target, else the last one present (null), else undefined.
			let seen: unknown = undefined;
			for (const target of step.readTargets) {
				const value = readPathOf(record, target.navigation, target.keyField, target.flat);
				if (value !== undefined && value !== null && value !== '') return value;
				if (value !== undefined) seen = value;
			}
			return seen;
		}
		default:
			return undefined;
	}
}

/** The shapes `normaliserFor` gives its text path (kept in step with it: `apply` inlines that path, CONVERT_TEXT). */
function isTextShape(shape: ValueShape): boolean {
	return shape.kind === undefined || shape.kind === 'string' || shape.kind === 'lookup';
}

/**
 * Source value → target value for one row and direction: default for blanks, value map, then the target's storage
 * shape. Throws ValueTypeError (a type mismatch) or NoValueMapEntry; `apply` names map, row and record.
 */
function converter(row: CompiledRow, direction: SyncDirection): (raw: unknown) => Scalar | undefined {
	const toFo = direction === 'dataverse->fo';
	const norm = normaliserFor(row.shape[toFo ? 'fo' : 'dataverse']);
	const sourceNone = toFo ? row.dataverse === null : row.fo === null;
	// From F&O its own blanks (empty date, zero GUID) are blank too: canonical(raw) === null.
	const foBlanks = !toFo;
	const isBlank = (raw: unknown): boolean =>
		sourceNone || raw === undefined || raw === null || raw === '' || (foBlanks && (raw === FO_EMPTY_DATE || raw === FO_EMPTY_GUID));
	const hasDefault = row.hasDefault;
	const fallback = row.default;
	const valueMap = row.valueMap?.[direction];
	if (!valueMap) return (raw) => (hasDefault && isBlank(raw) ? norm(fallback) : norm(raw));
	const { exact, folded } = valueMap;
	// Exact entries keyed by the raw value itself (a Map tells 1, '1' and true apart, as valueKey does), holding the
	// normalised target value: no key string is built and nothing is normalised per record for the common hit.
	// normalise is pure, so a value normalised now equals one normalised later; one that throws is re-normalised
	// per record so the error still surfaces there.
	const direct = new Map<Scalar, () => Scalar | undefined>();
	for (const [key, target] of exact) {
		const source = rawOfValueKey(key);
		if (source === NOT_PRIMITIVE) continue;
		let result: Scalar | undefined;
		try {
			result = norm(target);
		} catch {
			direct.set(source, () => norm(target));
			continue;
		}
		direct.set(source, () => result);
	}
	let known: string | undefined;
	return (raw) => {
		const blank = isBlank(raw);
		if (blank && hasDefault) return norm(fallback);
		const hit = direct.get(blank ? null : (raw as Scalar));
		if (hit !== undefined) return hit();
		const key = valueKey(blank ? null : raw);
		if (exact.has(key)) return norm(exact.get(key));
		const foldedKey = key.toLowerCase();
		if (folded.has(foldedKey)) return norm(folded.get(foldedKey));
		if (blank) return norm(null);
		known ??= [...exact.keys()].map((entry) => entry.slice(2)).join(', ');
		throw new NoValueMapEntry(`no value-map entry for this value (known: ${known})`);
	};
}

const NOT_PRIMITIVE = Symbol('not a primitive');

/** The inverse of `valueKey` for primitives (`${n}` round-trips through Number). */
function rawOfValueKey(key: string): Scalar | typeof NOT_PRIMITIVE {
	if (key === 'null') return null;
	if (key.startsWith('s:')) return key.slice(2);
	if (key.startsWith('n:')) return Number(key.slice(2));
	if (key === 'b:true') return true;
	if (key === 'b:false') return false;
	return NOT_PRIMITIVE;
}

function readSourceKey(compiled: CompiledMap, plan: DirectionPlan, program: Program, record: SourceRecord): EnvelopeKey {
	const key: EnvelopeKey = {};
	let missing: string[] | undefined;
	for (const { part, navigation, keyField, flat } of program.sourceKey) {
		const value = navigation !== undefined ? readPathOf(record, navigation, keyField, flat) : record[part];
		if (value === undefined || value === null || value === '') (missing ??= []).push(part);
		else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') key[part] = value;
		else (missing ??= []).push(part);
	}
	if (missing !== undefined) {
		throw new MapError(`source record has no value for key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${plan.source.entity}`, {
			map: compiled.id,
			direction: plan.direction,
			field: missing.join(', '),
			recordKey: key,
		});
	}
	return key;
}

function companyOf(compiled: CompiledMap, plan: DirectionPlan, program: Program, record: SourceRecord, sourceKey: EnvelopeKey): string {
	const company = compiled.company!;
	const names = program.company!;
	const value = plan.source.side === 'fo' ? record[names.fo] : readPathOf(record, names.navigation, names.keyField, names.flat);
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
	const program = programOf(compiled, plan);
	hashStart(program.hashPrefix);
	const company = program.company;
	if (company !== undefined) {
		const code = side === 'fo' ? record[company.fo] : readPathOf(record, company.navigation, company.keyField, company.flat);
		if (typeof code === 'string' && code !== '') hashString(code.toLowerCase());
		else hashNull();
	}
	const fields = program.stored;
	for (let i = 0; i < fields.length; i++) {
		const field = fields[i];
		const raw = field.read === READ_COLUMN ? record[field.readField] : readStep(field, record);
		let value: Scalar | undefined;
		let problem: string | undefined;
		try {
			value = field.normalise(raw);
		} catch (error) {
			problem = error instanceof Error ? error.message : String(error);
		}
		if (problem !== undefined) {
			throw new MapError(`type mismatch in the stored record: ${problem}`, { map: compiled.id, direction, field: field.row.label, value: raw });
		}
		hashCanonical(value);
	}
	return hashEnd();
}
