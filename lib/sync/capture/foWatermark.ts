/**
 * F&O as a polling source: a watermark on the entity's modified-time field (`ModifiedDateTime`). F&O has no change
 * tracking over OData that reports deletes, so this source reports creates and updates only (both as 'update': the
 * field cannot tell them apart); deletes need F&O's data or business events.
 *
 * The times are whole seconds, so many writes share one, and a record can change twice within the same second
 * (same time, new ETag). F&O also stamps the time before the transaction commits, so a slow transaction becomes
 * visible after later ones with an older time. The cursor therefore keeps a position and the recent versions:
 *
 * - position P = (time, key) of the last record read going forward, in `$orderby=<field>,<key fields>` order;
 * - seen = the versions (key, time, ETag) already emitted whose time is within `lookbackMs` of P's time.
 *
 * A poll reads (1) the window behind P, `<field> ge P.time - lookbackMs` and (time, key) <= P, and emits what is
 * not in `seen`: a record changed again within P's second, or committed late; then (2) forward, (time, key) > P,
 * ordered, up to `maxChanges`. Both are keyset queries, so a poll never pages with a shifting `$skip` and a record
 * written later in the same second with a smaller key is not skipped. Records whose time is later but whose key was
 * emitted before are simply further forward. Every filter value goes through lib/odata's literals (string key
 * equality is written `ge … and le …`: F&O reads `*` inside `eq` as a wildcard).
 *
 * The cursor stays small: `seen` holds at most `maxTracked` versions. When more fall inside the window (a bulk
 * import of thousands of records in one second) the oldest are forgotten and the cursor keeps the newest position
 * it forgot (`fl`): records at or before it are not looked at again, so late commits there are missed instead of
 * being emitted twice.
 *
 * Event id: `<canonical key>@<modified time>#<ETag>` — the same version read twice gives the same id, two updates
 * within one second give two. Without an ETag in the response: `<canonical key>@<modified time>`.
 */
import { and, ge, gt, le, lt, eq, ODataError, or, type EdmType, type Expand, type Filter } from '../../odata';
import type { Connector, DataRecord, EntityInfo, ReadOptions } from '../../connectors';
import { canonicalKey } from '../../state/keys';
import { parseFoCursor, serializeFoCursor, type FoCursor, type KeyValue, type Position, type SeenEntry } from './foCursor';
import type { PolledChange, PollResult } from './types';

export interface FoWatermarkOptions {
	/** Public collection (`CustomersV3`). */
	entity: string;
	/** Default `ModifiedDateTime`. */
	modifiedField?: string;
	/** Fields to read; the modified field and the key fields are added. Default: all fields. */
	select?: string[];
	expand?: readonly Expand[];
	/** Records per page handed over by the connector (F&O pages server-side; this re-cuts). */
	pageSize?: number;
	/** Most changes returned by one poll (default 1,000); `more` says when more are waiting. */
	maxChanges?: number;
	/** Read every company (`cross-company=true`); default true. Ignored for entities shared by all companies. */
	crossCompany?: boolean;
	/** How far behind the watermark each poll looks again for records committed late (default 2,000 ms). */
	lookbackMs?: number;
	/** Most emitted versions the cursor remembers inside the look-back window (default 1,000). */
	maxTracked?: number;
}

export const DEFAULT_MODIFIED_FIELD = 'ModifiedDateTime';
export const DEFAULT_FO_MAX_CHANGES = 1000;
export const DEFAULT_LOOKBACK_MS = 2000;
export const DEFAULT_MAX_TRACKED = 1000;

interface KeyField {
	name: string;
	type: EdmType;
}

interface Plan {
	info: EntityInfo;
	field: string;
	keys: KeyField[];
	maxChanges: number;
	lookbackMs: number;
	maxTracked: number;
	read: Omit<ReadOptions, 'filter' | 'orderBy' | 'limit'>;
}

/** A record as read, with its position and version. */
interface Row {
	record: DataRecord;
	position: Position;
	modifiedText: string;
	etag?: string;
	hash: string;
}

function fail(entity: string, detail: string): ODataError {
	return new ODataError({ system: 'fo', entity, transient: false, detail });
}

function integer(entity: string, name: string, value: number, min: number): number {
	if (!Number.isSafeInteger(value) || value < min) throw fail(entity, `${name} must be an integer of at least ${min}, got ${value}`);
	return value;
}

async function plan(connector: Connector, options: FoWatermarkOptions): Promise<Plan> {
	if (connector.system !== 'fo') throw fail(options.entity, `the modified-time watermark reads F&O, not ${connector.system}`);
	const info = await connector.describe(options.entity);
	const field = options.modifiedField ?? DEFAULT_MODIFIED_FIELD;
	const modified = info.fields.find((candidate) => candidate.name === field);
	if (!modified) throw fail(info.name, `${info.name} has no field ${field}`);
	if (modified.kind !== 'datetime') throw fail(info.name, `${field} of ${info.name} is not a date-time field (it is ${modified.kind})`);
	const keys = info.key.map((name): KeyField => {
		const keyField = info.fields.find((candidate) => candidate.name === name);
		if (!keyField) throw fail(info.name, `the key field ${name} of ${info.name} is not in $metadata`);
		return { name, type: keyField.edmType };
	});
	const select = options.select ? [...new Set([...options.select, field, ...info.key])] : undefined;
	return {
		info,
		field,
		keys,
		maxChanges: integer(info.name, 'maxChanges', options.maxChanges ?? DEFAULT_FO_MAX_CHANGES, 1),
		lookbackMs: integer(info.name, 'lookbackMs', options.lookbackMs ?? DEFAULT_LOOKBACK_MS, 0),
		maxTracked: integer(info.name, 'maxTracked', options.maxTracked ?? DEFAULT_MAX_TRACKED, 1),
		read: {
			...(select ? { select } : {}),
			...(options.expand && options.expand.length > 0 ? { expand: options.expand } : {}),
			...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
			...((options.crossCompany ?? true) && info.companySpecific ? { crossCompany: true } : {}),
		},
	};
}

// ---- positions as filters (keyset) ---------------------------------------------------------------------------

const isString = (type: EdmType) => type === 'Edm.String';

/** `field = value` without `eq` on strings: F&O reads `*` inside an `eq` literal as a wildcard. */
function equal(key: KeyField, value: KeyValue): Filter {
	return isString(key.type) ? and(ge(key.name, value, key.type), le(key.name, value, key.type)) : eq(key.name, value, key.type);
}

/** (k1..kn) > (v1..vn) ('after') or (k1..kn) <= (v1..vn) ('atOrBefore'), compared field by field. */
function keysBeyond(keys: KeyField[], values: KeyValue[], direction: 'after' | 'atOrBefore', i = 0): Filter {
	const key = keys[i];
	const strict = direction === 'after' ? gt(key.name, values[i], key.type) : lt(key.name, values[i], key.type);
	if (i === keys.length - 1) return direction === 'after' ? strict : le(key.name, values[i], key.type);
	return or(strict, and(equal(key, values[i]), keysBeyond(keys, values, direction, i + 1)));
}

function modifiedLiteral(ms: number): Date {
	return new Date(ms);
}

/**
 * F&O reads `*` in a string literal as a wildcard and refuses it with `gt`/`lt`/`ge`/`le`: a position whose key holds
 * one cannot be written as a key filter. Its time still can; the key part is then compared here.
 */
const filterable = (position: Position) => position[1].every((value) => typeof value !== 'string' || !value.includes('*'));

/** Records after `p` in (modified, key) order. */
function after(p: Position, field: string, keys: KeyField[]): Filter {
	const time = modifiedLiteral(p[0]);
	return or(gt(field, time, 'Edm.DateTimeOffset'), and(eq(field, time, 'Edm.DateTimeOffset'), keysBeyond(keys, p[1], 'after')));
}

/** Records at or before `p` in (modified, key) order. */
function atOrBefore(p: Position, field: string, keys: KeyField[]): Filter {
	const time = modifiedLiteral(p[0]);
	return or(lt(field, time, 'Edm.DateTimeOffset'), and(eq(field, time, 'Edm.DateTimeOffset'), keysBeyond(keys, p[1], 'atOrBefore')));
}

// ---- rows ------------------------------------------------------------------------------------------------------

/** FNV-1a, base 36: the cursor keeps a short fingerprint of each ETag, not the ETag. */
export function versionHash(etag: string | undefined): string {
	if (etag === undefined || etag === '') return '';
	let hash = 0x811c9dc5;
	for (let i = 0; i < etag.length; i++) {
		hash ^= etag.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0).toString(36);
}

function toRow(p: Plan, record: DataRecord): Row {
	const text = record[p.field];
	const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
	const values = p.keys.map((key) => record[key.name]);
	const keyText = () => p.keys.map((key, i) => `${key.name}=${JSON.stringify(values[i])}`).join(', ');
	if (!values.every((value): value is KeyValue => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
		throw fail(p.info.name, `a record has no usable key (${keyText()})`);
	}
	if (typeof text !== 'string' || Number.isNaN(ms)) throw fail(p.info.name, `record (${keyText()}) has no ${p.field} date-time (${JSON.stringify(text)})`);
	const etag = typeof record['@odata.etag'] === 'string' ? record['@odata.etag'] : undefined;
	return { record, position: [ms, values], modifiedText: text, ...(etag !== undefined ? { etag } : {}), hash: versionHash(etag) };
}

const seenId = (modified: number, keys: KeyValue[], hash: string) => JSON.stringify([modified, keys, hash]);

function keyOf(p: Plan, values: KeyValue[]): Record<string, KeyValue> {
	return Object.fromEntries(p.keys.map((key, i) => [key.name, values[i]]));
}

function toChange(p: Plan, row: Row): PolledChange {
	const key = keyOf(p, row.position[1]);
	const record: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(row.record)) if (!name.startsWith('@odata.')) record[name] = value;
	const etagPart = row.etag !== undefined ? `#${row.etag.replace(/^W\//, '').replace(/^"|"$/g, '')}` : '';
	return {
		change: 'update',
		key,
		eventId: `${canonicalKey(key)}@${row.modifiedText}${etagPart}`,
		at: row.modifiedText,
		...(row.etag !== undefined ? { version: row.etag } : {}),
		record,
	};
}

/** The same order as the service's `$orderby` (F&O compares strings without regard to case). */
export function comparePositions(a: Position, b: Position): number {
	if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
	for (let i = 0; i < a[1].length; i++) {
		const x = typeof a[1][i] === 'string' ? (a[1][i] as string).toLowerCase() : a[1][i];
		const y = typeof b[1][i] === 'string' ? (b[1][i] as string).toLowerCase() : b[1][i];
		if (x === y) continue;
		if (typeof x === typeof y) return x < y ? -1 : 1;
		return String(x) < String(y) ? -1 : 1;
	}
	return 0;
}

interface Query {
	filter?: Filter;
	/** Rows the filter could not narrow by key (a key value with `*`) are kept or dropped here. */
	keep?: (position: Position) => boolean;
	limit?: number;
}

async function read(connector: Connector, p: Plan, options: Pick<ReadOptions, 'filter' | 'limit' | 'select'> & { descending?: boolean; keep?: Query['keep'] }): Promise<Row[]> {
	const orderBy = [p.field, ...p.keys.map((key) => key.name)].map((field) => ({ field, ...(options.descending ? { descending: true } : {}) }));
	const rows: Row[] = [];
	// A read of positions only (the baseline) needs neither the caller's columns nor its expansions.
	const { expand, select, ...rest } = p.read;
	const shape = options.select ? { select: options.select } : { ...(select ? { select } : {}), ...(expand ? { expand } : {}) };
	const readOptions: ReadOptions = {
		...rest,
		...shape,
		...(options.filter ? { filter: options.filter } : {}),
		orderBy,
		...(options.limit !== undefined ? { limit: options.limit } : {}),
	};
	for await (const page of connector.readPages(p.info.name, readOptions)) {
		for (const record of page) {
			const row = toRow(p, record);
			if (!options.keep || options.keep(row.position)) rows.push(row);
		}
	}
	return rows;
}

/** Reads the queries one after the other, until `enough` rows were kept. */
async function readAll(connector: Connector, p: Plan, queries: Query[], enough = Number.POSITIVE_INFINITY): Promise<Row[]> {
	const rows: Row[] = [];
	for (const query of queries) {
		if (rows.length >= enough) break;
		rows.push(...(await read(connector, p, { ...(query.filter ? { filter: query.filter.text } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}), ...(query.keep ? { keep: query.keep } : {}) })));
	}
	return rows;
}

// ---- the poll --------------------------------------------------------------------------------------------------

/** No cursor: the newest position, and the versions in the window behind it (so they are not reported as late). */
async function baseline(connector: Connector, p: Plan): Promise<PollResult> {
	const rows = await read(connector, p, { descending: true, limit: p.maxTracked + 1, select: [p.field, ...p.keys.map((key) => key.name)] });
	const cursor: FoCursor = { v: 1, e: p.info.name, f: p.field, k: p.keys.map((key) => key.name), p: null, s: [] };
	if (rows.length > 0) {
		const newest = rows[0].position;
		const windowStart = newest[0] - p.lookbackMs;
		const inWindow = rows.filter((row) => row.position[0] >= windowStart);
		cursor.p = newest;
		cursor.s = inWindow.slice(0, p.maxTracked).map((row): SeenEntry => [row.position[0], row.position[1], row.hash]);
		if (inWindow.length > p.maxTracked) cursor.fl = inWindow[p.maxTracked].position;
		cursor.s.reverse();
	}
	return { changes: [], cursor: serializeFoCursor(cursor), more: false };
}

/** Keeps the versions inside the window behind `position`, at most `maxTracked` of them (see `fl`). */
function trim(p: Plan, cursor: FoCursor): void {
	if (cursor.p === null) return;
	const windowStart = cursor.p[0] - p.lookbackMs;
	let seen = cursor.s.filter((entry) => entry[0] >= windowStart);
	if (seen.length > p.maxTracked) {
		seen = [...seen].sort((a, b) => comparePositions([a[0], a[1]], [b[0], b[1]]));
		const forgotten = seen[seen.length - p.maxTracked - 1];
		const floor: Position = [forgotten[0], forgotten[1]];
		if (!cursor.fl || comparePositions(floor, cursor.fl) > 0) cursor.fl = floor;
		seen = seen.slice(seen.length - p.maxTracked);
	}
	if (cursor.fl && cursor.fl[0] < windowStart) delete cursor.fl;
	cursor.s = seen;
}

export async function pollFoWatermark(connector: Connector, options: FoWatermarkOptions, cursorText?: string): Promise<PollResult> {
	const p = await plan(connector, options);
	if (cursorText === undefined) return baseline(connector, p);
	const cursor = parseFoCursor(cursorText, { entity: p.info.name, field: p.field, keys: p.keys.map((key) => key.name) });
	const seen = new Set(cursor.s.map(([modified, keys, hash]) => seenId(modified, keys, hash)));
	const changes: PolledChange[] = [];
	let more = false;
	const emit = (row: Row) => {
		changes.push(toChange(p, row));
		seen.add(seenId(row.position[0], row.position[1], row.hash));
		cursor.s.push([row.position[0], row.position[1], row.hash]);
	};

	// 1. Behind the position: a record changed again within its second, or committed late.
	if (cursor.p !== null) {
		const position = cursor.p;
		const floor = cursor.fl;
		const filters = [ge(p.field, modifiedLiteral(position[0] - p.lookbackMs), 'Edm.DateTimeOffset')];
		const checks: Array<(candidate: Position) => boolean> = [];
		if (filterable(position)) filters.push(atOrBefore(position, p.field, p.keys));
		else {
			filters.push(le(p.field, modifiedLiteral(position[0]), 'Edm.DateTimeOffset'));
			checks.push((candidate) => comparePositions(candidate, position) <= 0);
		}
		if (floor && filterable(floor)) filters.push(after(floor, p.field, p.keys));
		else if (floor) {
			filters.push(ge(p.field, modifiedLiteral(floor[0]), 'Edm.DateTimeOffset'));
			checks.push((candidate) => comparePositions(candidate, floor) > 0);
		}
		const query: Query = { filter: and(...filters) };
		if (checks.length > 0) query.keep = (candidate) => checks.every((check) => check(candidate));
		else query.limit = cursor.s.length + p.maxChanges + 1;
		for (const row of await readAll(connector, p, [query])) {
			if (seen.has(seenId(row.position[0], row.position[1], row.hash))) continue;
			if (changes.length === p.maxChanges) {
				more = true;
				break;
			}
			emit(row);
		}
	}

	// 2. Forward from the position.
	const budget = p.maxChanges - changes.length;
	if (budget === 0) more = true;
	else {
		const position = cursor.p;
		let queries: Query[];
		if (position === null) queries = [{ limit: budget + 1 }];
		else if (filterable(position)) queries = [{ filter: after(position, p.field, p.keys), limit: budget + 1 }];
		else {
			const time = modifiedLiteral(position[0]);
			queries = [
				{ filter: eq(p.field, time, 'Edm.DateTimeOffset'), keep: (candidate) => comparePositions(candidate, position) > 0 },
				{ filter: gt(p.field, time, 'Edm.DateTimeOffset'), limit: budget + 1 },
			];
		}
		for (const row of await readAll(connector, p, queries, budget + 1)) {
			if (changes.length === p.maxChanges) {
				more = true;
				break;
			}
			cursor.p = row.position;
			if (!seen.has(seenId(row.position[0], row.position[1], row.hash))) emit(row);
		}
	}

	trim(p, cursor);
	return { changes, cursor: serializeFoCursor(cursor), more };
}
