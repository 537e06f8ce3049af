import { compileFilter, FilterError, FilterFieldError, parseFilter, type FieldInfo, type FilterFieldType, type RecordPredicate } from '../common/odata-filter';
import { json, type EmuRequest, type EmuResponse } from '../common/http';
import type { Engine, RequestContext } from './engine';
import { badRequest, CODES } from './errors';
import { annotationFilter } from './prefer';
import type { Table } from './schema';
import { etagOf, serializeRow, type Expand, type ReadShape } from './serialize';
import { isLookupValue, type Row } from './store';
import type { ColumnType } from './tables/types';

/** Collection reads: `$select`, `$filter`, `$orderby`, `$top`, `$count`, `$expand` and server-driven paging. */
const SUPPORTED = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$expand', '$skiptoken', '$deltatoken', '$format']);

export const propertyNotFound = (table: Table, name: string) =>
	badRequest(`Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table.def.logicalName}'.`, CODES.propertyNotFound);

/** Rejects `$skip` and unknown system query options the way the service does. */
export function checkQueryOptions(req: EmuRequest): void {
	for (const name of new Set(req.query.keys())) {
		if (!name.startsWith('$')) continue;
		if (name === '$skip') throw badRequest('The query parameter $skip is not supported', CODES.propertyNotFound);
		if (!SUPPORTED.has(name)) throw badRequest(`The query parameter ${name} is not supported`, CODES.propertyNotFound);
	}
}

/** `$select` entries -> column names (a lookup may be selected as `_x_value` or by its column name). */
export function parseSelect(table: Table, text: string | null): string[] | undefined {
	if (text === null || text.trim() === '') return undefined;
	return text.split(',').map((raw) => {
		const name = raw.trim();
		const lookup = table.lookupByValueName.get(name);
		if (lookup) return lookup.column.name;
		const col = table.columns.get(name);
		if (!col || col.writeOnly) throw propertyNotFound(table, name);
		return name;
	});
}

function splitTopLevel(text: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let cur = '';
	for (const ch of text) {
		if (ch === '(') depth++;
		if (ch === ')') depth--;
		if (ch === ',' && depth === 0) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	if (cur.trim()) out.push(cur);
	return out;
}

/** `$expand=nav($select=a,b)` for single-valued (lookup) navigation properties; nested options other than $select are refused. */
export function parseExpand(engine: Engine, table: Table, text: string | null): Expand[] | undefined {
	if (!text) return undefined;
	return splitTopLevel(text).map((raw) => {
		const m = /^\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*$/.exec(raw);
		if (!m) throw badRequest(`Bad Request - Error in query syntax: '$expand=${text}'.`);
		const nav = table.lookupByNavigation.get(m[1].toLowerCase());
		if (!nav) throw propertyNotFound(table, m[1]);
		const target = engine.schema.table(nav.target);
		let select: string[] | undefined;
		if (m[2]) {
			for (const opt of m[2].split(';')) {
				const o = /^\s*\$select\s*=\s*(.*)$/.exec(opt);
				if (!o) throw badRequest(`The emulator supports only $select inside $expand (got '${opt}').`, CODES.propertyNotFound);
				select = parseSelect(target, o[1]);
			}
		}
		return { navigation: m[1], column: nav.lookup.column.name, select };
	});
}

const FILTER_TYPES: Record<ColumnType, FilterFieldType> = {
	string: 'string',
	memo: 'string',
	int: 'int',
	bigint: 'int',
	choice: 'int',
	decimal: 'decimal',
	money: 'decimal',
	double: 'decimal',
	boolean: 'boolean',
	datetime: 'datetime',
	dateonly: 'date',
	uniqueidentifier: 'guid',
	lookup: 'guid',
};

export function fieldResolver(table: Table): (name: string) => FieldInfo | undefined {
	return (name) => {
		const lookup = table.lookupByValueName.get(name);
		if (lookup) {
			const col = lookup.column.name;
			return { type: 'guid', get: (r) => (isLookupValue(r[col]) ? r[col].id : null) };
		}
		const col = table.columns.get(name);
		if (!col || col.writeOnly || col.type === 'lookup') return undefined;
		return { type: FILTER_TYPES[col.type] };
	};
}

export function compileQueryFilter(table: Table, text: string | null): RecordPredicate | undefined {
	if (text === null || text.trim() === '') return undefined;
	try {
		return compileFilter(parseFilter(text, 'dataverse'), fieldResolver(table));
	} catch (e) {
		throw e instanceof FilterFieldError && /^Could not find a property/.test(e.message)
			? propertyNotFound(table, e.token)
			: e instanceof FilterError
				? badRequest(`Invalid $filter: ${e.message}`, CODES.propertyNotFound)
				: e;
	}
}

type Comparator = (a: Row, b: Row) => number;

function compileOrderBy(table: Table, text: string | null): Comparator | undefined {
	if (text === null || text.trim() === '') return undefined;
	const resolve = fieldResolver(table);
	const parts = text.split(',').map((raw) => {
		const m = /^\s*([A-Za-z0-9_]+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
		if (!m) throw badRequest(`Bad Request - Error in query syntax: '$orderby=${text}'.`, CODES.propertyNotFound);
		const info = resolve(m[1]);
		if (!info) throw propertyNotFound(table, m[1]);
		const name = m[1];
		const get = info.get ?? ((r: Record<string, unknown>) => r[name]);
		const fold = info.type === 'string' ? (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v) : (v: unknown) => v;
		return { get: (r: Row) => fold(get(r)), dir: (m[2] ?? 'asc').toLowerCase() === 'desc' ? -1 : 1 };
	});
	return (a, b) => {
		for (const p of parts) {
			const x = p.get(a);
			const y = p.get(b);
			if (x === y) continue;
			// SQL Server sorts NULL first in ascending order.
			if (x === null || x === undefined) return -p.dir;
			if (y === null || y === undefined) return p.dir;
			return ((x as number) < (y as number) ? -1 : 1) * p.dir;
		}
		return 0;
	};
}

interface Cookie {
	page: number;
	offset: number;
	version?: number;
}

export function makeSkipToken(c: Cookie, tracking: boolean): string {
	const inner = `<cookie page="${c.page - 1}" offset="${c.offset}"${c.version !== undefined ? ` version="${c.version}"` : ''} />`;
	return `<cookie pagenumber="${c.page}" pagingcookie="${encodeURIComponent(inner)}" istracking="${tracking ? 'True' : 'False'}" />`;
}

export function readSkipToken(text: string): Cookie {
	const page = /pagenumber="(\d+)"/.exec(text);
	const pc = /pagingcookie="([^"]*)"/.exec(text);
	let inner = '';
	try {
		inner = decodeURIComponent(pc?.[1] ?? '');
	} catch {
		/* reported below */
	}
	const offset = /offset="(\d+)"/.exec(inner);
	if (!page || !offset) throw badRequest(`The $skiptoken value is not valid: '${text.slice(0, 200)}'.`);
	const version = /version="(\d+)"/.exec(inner);
	return { page: Number(page[1]), offset: Number(offset[1]), ...(version ? { version: Number(version[1]) } : {}) };
}

/** Rebuilds the query string with one parameter replaced, keeping the client's other options. */
export function linkWith(engine: Engine, ctx: RequestContext, table: Table, req: EmuRequest, set: Record<string, string | undefined>): string {
	const params = new URLSearchParams(req.rawQuery);
	for (const [k, v] of Object.entries(set)) {
		if (v === undefined) params.delete(k);
		else params.set(k, v);
	}
	const qs = params.toString().replace(/\+/g, '%20').replace(/%24/g, '$').replace(/%2C/gi, ',');
	return `${engine.apiRoot(ctx)}/${table.def.entitySetName}${qs ? `?${qs}` : ''}`;
}

export function contextUrl(engine: Engine, ctx: RequestContext, table: Table, select: string[] | undefined, suffix = ''): string {
	const sel = select ? `(${select.map((c) => (table.lookups.has(c) ? `_${c}_value` : c)).join(',')})` : '';
	return `${engine.apiRoot(ctx)}/$metadata#${table.def.entitySetName}${sel}${suffix}`;
}

/** Memoised filtered+sorted id lists so that following nextLinks costs a slice, not a re-scan. */
export class QueryCache {
	private readonly entries = new Map<string, { mutations: number; ids: string[] }>();

	get(key: string, mutations: number, compute: () => string[]): string[] {
		const hit = this.entries.get(key);
		if (hit && hit.mutations === mutations) return hit.ids;
		const ids = compute();
		this.entries.delete(key);
		this.entries.set(key, { mutations, ids });
		if (this.entries.size > 32) this.entries.delete(this.entries.keys().next().value as string);
		return ids;
	}
}

export interface QueryPlan {
	select?: string[];
	shape: ReadShape;
	pageSize: number;
	preferenceApplied: string[];
}

export function readShape(engine: Engine, ctx: RequestContext, table: Table, req: EmuRequest): QueryPlan {
	const select = parseSelect(table, req.query.get('$select'));
	const expand = parseExpand(engine, table, req.query.get('$expand'));
	const annotations = annotationFilter(ctx.prefer.annotations);
	const preferenceApplied: string[] = [];
	if (ctx.prefer.annotations) preferenceApplied.push(`odata.include-annotations="${ctx.prefer.annotations}"`);
	let pageSize = engine.settings.maxPageSize;
	if (ctx.prefer.maxPageSize !== undefined) {
		pageSize = Math.max(1, Math.min(ctx.prefer.maxPageSize, engine.settings.maxPageSize));
		preferenceApplied.push(`odata.maxpagesize=${pageSize}`);
	}
	return { select, shape: { select: select ? new Set(select) : undefined, annotations, expand }, pageSize, preferenceApplied };
}

const COUNT_LIMIT = 5000;

export function queryCollection(engine: Engine, ctx: RequestContext, table: Table, req: EmuRequest, cache: QueryCache): EmuResponse {
	checkQueryOptions(req);
	const plan = readShape(engine, ctx, table, req);
	const filterText = req.query.get('$filter');
	const orderText = req.query.get('$orderby');
	const predicate = compileQueryFilter(table, filterText);
	const order = compileOrderBy(table, orderText);
	const topText = req.query.get('$top');
	let top: number | undefined;
	if (topText !== null) {
		if (!/^\d+$/.test(topText)) throw badRequest(`Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`, CODES.propertyNotFound);
		top = Number(topText);
	}
	const store = engine.store.of(table.def.logicalName);
	const ids = cache.get(`${table.def.logicalName}\u0001${filterText ?? ''}\u0001${orderText ?? ''}`, store.mutations, () => {
		const rows: Row[] = [];
		for (const r of store.rows.values()) if (!predicate || predicate(r)) rows.push(r);
		if (order) rows.sort(order);
		return rows.map((r) => r[table.def.primaryId] as string);
	});
	const skipToken = req.query.get('$skiptoken');
	const cookie = skipToken ? readSkipToken(skipToken) : { page: 1, offset: 0 };
	const limit = top === undefined ? ids.length : Math.min(top, ids.length);
	const end = Math.min(limit, cookie.offset + plan.pageSize);
	const value: Record<string, unknown>[] = [];
	for (let i = cookie.offset; i < end; i++) {
		const row = store.get(ids[i]);
		if (row) value.push(serializeRow(engine.schema, engine.store, table, row, plan.shape));
	}
	const body: Record<string, unknown> = { '@odata.context': contextUrl(engine, ctx, table, plan.select) };
	const countParam = req.query.get('$count');
	if (countParam !== null && countParam !== 'true' && countParam !== 'false') throw badRequest(`Invalid value '${countParam}' for $count.`, CODES.propertyNotFound);
	if (countParam === 'true') {
		body['@odata.count'] = Math.min(limit, COUNT_LIMIT);
		if (limit > COUNT_LIMIT) body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = true;
	}
	body.value = value;
	if (end < limit) {
		body['@odata.nextLink'] = linkWith(engine, ctx, table, req, { $skiptoken: makeSkipToken({ page: cookie.page + 1, offset: end }, false) });
	}
	const headers: Record<string, string> = {};
	if (plan.preferenceApplied.length) headers['preference-applied'] = plan.preferenceApplied.join(',');
	return json(200, body, headers);
}

/** `/accounts/$count`: a plain number (capped at 5,000 as the service caps it). */
export function countCollection(engine: Engine, table: Table, req: EmuRequest): EmuResponse {
	const predicate = compileQueryFilter(table, req.query.get('$filter'));
	let n = 0;
	for (const r of engine.store.of(table.def.logicalName).rows.values()) if (!predicate || predicate(r)) n++;
	return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'odata-version': '4.0' }, body: String(Math.min(n, COUNT_LIMIT)) };
}

export function retrieveOne(engine: Engine, ctx: RequestContext, table: Table, row: Row, req: EmuRequest): EmuResponse {
	for (const name of req.query.keys()) {
		if (name.startsWith('$') && name !== '$select' && name !== '$expand' && name !== '$format') throw badRequest(`The query parameter ${name} is not supported`, CODES.propertyNotFound);
	}
	const plan = readShape(engine, ctx, table, req);
	const etag = etagOf(row);
	// Conditional GET: not with $expand or annotations, as documented.
	const inm = req.headers['if-none-match'];
	if (inm && inm !== 'null' && !plan.shape.expand && !plan.shape.annotations && inm.split(',').map((s) => s.trim()).includes(etag)) {
		return { status: 304, headers: { etag, 'odata-version': '4.0' } };
	}
	const body = { '@odata.context': contextUrl(engine, ctx, table, plan.select, '/$entity'), ...serializeRow(engine.schema, engine.store, table, row, plan.shape) };
	const headers: Record<string, string> = { etag };
	if (plan.preferenceApplied.length) headers['preference-applied'] = plan.preferenceApplied.filter((p) => !p.startsWith('odata.maxpagesize')).join(',');
	if (!headers['preference-applied']) delete headers['preference-applied'];
	return json(200, body, headers);
}
