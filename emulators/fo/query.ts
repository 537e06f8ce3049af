import { compileFilter, FilterError, parseFilter, type FieldInfo, type RecordPredicate } from '../common/odata-filter';
import { ENUM_BY_NAME } from './enums';
import { badRequest } from './errors';
import { NAMESPACE, type FieldDef } from './model';
import { follow, navigationsOf, type Navigation } from './navigation';
import type { EntitySet, Row, Store } from './store';

/** F&O's documented maximum page size. */
export const MAX_PAGE_SIZE = 10_000;

export interface CollectionQuery {
	filter?: RecordPredicate;
	select?: string[];
	orderby?: Array<{ field: FieldDef; desc: boolean }>;
	top?: number;
	skip: number;
	count: boolean;
	crossCompany: boolean;
	/** One level, as F&O documents it; `$select` is the only option allowed inside. */
	expand?: Array<{ navigation: Navigation; select?: string[] }>;
}

const SUPPORTED = new Set(['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$format', '$expand']);
const KNOWN_UNSUPPORTED: Record<string, string> = {
	$search: 'The query option $search is not supported by Finance and Operations.',
	$apply: 'The query option $apply is not supported by Finance and Operations.',
	$skiptoken: 'Finance and Operations pages with $skip, not $skiptoken.',
};

export function filterFieldInfo(field: FieldDef): FieldInfo {
	const get = (r: Record<string, unknown>) => r[field.name];
	switch (field.type.kind) {
		case 'String':
			return { type: 'string', get };
		case 'Int32':
		case 'Int64':
			return { type: 'int', get };
		case 'Decimal':
			return { type: 'decimal', get };
		case 'Date':
			return { type: 'date', get };
		case 'DateTime':
			return { type: 'datetime', get };
		case 'Enum':
			return { type: 'enum', enumName: field.type.enum, enumMembers: ENUM_BY_NAME.get(field.type.enum)?.members.map((m) => m.name), get };
	}
}

function nonNegativeInt(name: string, text: string): number {
	if (!/^\d+$/.test(text)) throw badRequest(`Invalid value '${text}' for ${name} query option found. The ${name} query option requires a non-negative integer value.`);
	return Number(text);
}

function unknownProperty(set: EntitySet, name: string, where: string) {
	return badRequest(`The query specified in the URI is not valid. Could not find a property named '${name}' on type '${NAMESPACE}.${set.def.typeName}' (in ${where}).`);
}

/** `A,B($select=x,y)`: commas inside parentheses do not split. */
function splitTopLevel(text: string): string[] {
	const items: string[] = [];
	let depth = 0;
	let start = 0;
	for (let i = 0; i < text.length; i++) {
		if (text[i] === '(') depth++;
		else if (text[i] === ')') depth--;
		else if (text[i] === ',' && depth === 0) {
			items.push(text.slice(start, i));
			start = i + 1;
		}
	}
	items.push(text.slice(start));
	return items.map((item) => item.trim());
}

function parseExpand(store: Store, set: EntitySet, text: string): NonNullable<CollectionQuery['expand']> {
	const navigations = navigationsOf(store, set);
	return splitTopLevel(text).map((item) => {
		const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(item);
		if (!m) throw badRequest(`The query specified in the URI is not valid. $expand item '${item}' is not '<NavigationProperty>[($select=...)]'.`);
		const navigation = navigations.find((candidate) => candidate.name === m[1]);
		if (!navigation) {
			throw badRequest(`The query specified in the URI is not valid. Could not find a navigation property named '${m[1]}' on type '${NAMESPACE}.${set.def.typeName}' (in $expand).`);
		}
		if (m[2] === undefined) return { navigation };
		const option = /^\$select=([^;()]*)$/.exec(m[2].trim());
		if (!option) throw badRequest(`Only $select is supported inside $expand, and $expand is one level deep (got '${m[2]}').`);
		const names = option[1].split(',').map((name) => name.trim()).filter(Boolean);
		for (const name of names) if (!navigation.target.fieldByName.has(name)) throw unknownProperty(navigation.target, name, '$expand/$select');
		return { navigation, select: [...new Set(names)] };
	});
}

/** Reads the query options of a collection or entity request; anything unsupported is a 400, never ignored. */
export function parseQuery(set: EntitySet, query: URLSearchParams, store?: Store): CollectionQuery {
	const out: CollectionQuery = { skip: 0, count: false, crossCompany: false };
	for (const [name, value] of query) {
		if (name.startsWith('$')) {
			if (KNOWN_UNSUPPORTED[name]) throw badRequest(KNOWN_UNSUPPORTED[name]);
			if (!SUPPORTED.has(name)) throw badRequest(`The query parameter '${name}' is not supported.`);
		}
		if (name === 'cross-company') out.crossCompany = value.toLowerCase() === 'true';
	}
	const format = query.get('$format');
	if (format !== null && format.toLowerCase() !== 'json' && !format.toLowerCase().startsWith('application/json')) {
		throw badRequest(`The requested format '${format}' is not supported; only json is.`);
	}
	const filterText = query.get('$filter');
	if (filterText !== null) {
		try {
			out.filter = compileFilter(parseFilter(filterText, 'fo'), (name) => {
				const f = set.fieldByName.get(name);
				return f ? filterFieldInfo(f) : undefined;
			});
		} catch (error) {
			throw error instanceof FilterError ? badRequest(`The query specified in the URI is not valid. $filter: ${error.message}`) : error;
		}
	}
	const select = query.get('$select');
	if (select !== null) {
		const names = select.split(',').map((s) => s.trim()).filter(Boolean);
		if (!names.length) throw badRequest('The $select query option is empty.');
		for (const n of names) if (n !== '*' && !set.fieldByName.has(n)) throw unknownProperty(set, n, '$select');
		if (!names.includes('*')) out.select = [...new Set(names)];
	}
	const orderby = query.get('$orderby');
	if (orderby !== null) {
		out.orderby = orderby.split(',').map((clause) => {
			const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/.exec(clause);
			if (!m) throw badRequest(`The query specified in the URI is not valid. $orderby clause '${clause}' is not '<Property> [asc|desc]'.`);
			const field = set.fieldByName.get(m[1]);
			if (!field) throw unknownProperty(set, m[1], '$orderby');
			return { field, desc: m[2] === 'desc' };
		});
	}
	const expand = query.get('$expand');
	if (expand !== null) {
		if (!store) throw badRequest('$expand is not supported here.');
		out.expand = parseExpand(store, set, expand);
	}
	const top = query.get('$top');
	if (top !== null) out.top = nonNegativeInt('$top', top);
	const skip = query.get('$skip');
	if (skip !== null) out.skip = nonNegativeInt('$skip', skip);
	const count = query.get('$count');
	if (count !== null) {
		if (count !== 'true' && count !== 'false') throw badRequest(`Invalid value '${count}' for $count query option found. Valid values are 'true' and 'false'.`);
		out.count = count === 'true';
	}
	return out;
}

export interface Page {
	rows: Row[];
	/** Matching rows in total (before $skip/$top), when $count=true asked for it. */
	total?: number;
	/** Set when more rows remain for a nextLink. */
	nextSkip?: number;
}

function comparator(orderby: NonNullable<CollectionQuery['orderby']>): (a: Row, b: Row) => number {
	return (a, b) => {
		for (const { field, desc } of orderby) {
			let x = a.values[field.name];
			let y = b.values[field.name];
			if (typeof x === 'string' && typeof y === 'string' && field.type.kind === 'String') {
				x = x.toLowerCase();
				y = y.toLowerCase();
			}
			if (x < y) return desc ? 1 : -1;
			if (x > y) return desc ? -1 : 1;
		}
		return a.recId - b.recId;
	};
}

/**
 * One page of a collection. Without $orderby the rows are walked in stored (RecId) order and the walk
 * stops as soon as the page is full, so deep paging through large sets never sorts or copies the set.
 */
export function readPage(set: EntitySet, q: CollectionQuery, companies: string[] | undefined, pageSize: number): Page {
	const wanted = q.top ?? Number.POSITIVE_INFINITY;
	const limit = Math.min(pageSize, wanted);
	if (q.orderby) {
		const all: Row[] = [];
		for (const row of set.rows(companies)) if (!q.filter || q.filter(row.values)) all.push(row);
		all.sort(comparator(q.orderby));
		const rows = all.slice(q.skip, q.skip + limit);
		const more = q.skip + rows.length < all.length && rows.length < wanted;
		return { rows, total: q.count ? all.length : undefined, nextSkip: more ? q.skip + rows.length : undefined };
	}
	const rows: Row[] = [];
	let matched = 0;
	let more = false;
	for (const row of set.rows(companies)) {
		if (q.filter && !q.filter(row.values)) continue;
		matched++;
		if (matched <= q.skip) continue;
		if (rows.length < limit) {
			rows.push(row);
			continue;
		}
		more = rows.length < wanted;
		if (!q.count) break;
	}
	return { rows, total: q.count ? matched : undefined, nextSkip: more ? q.skip + rows.length : undefined };
}

export function countRows(set: EntitySet, q: CollectionQuery, companies: string[] | undefined): number {
	if (!q.filter) return companies === undefined ? set.count : companies.reduce((n, c) => n + (set.partitions.get(c)?.size ?? 0), 0);
	let n = 0;
	for (const row of set.rows(companies)) if (!q.filter || q.filter(row.values)) n++;
	return n;
}

/** Serialises one row: `@odata.etag` first, then the (selected) fields in definition order. */
export function rowJson(row: Row, select?: string[]): string {
	const etag = `"@odata.etag":${JSON.stringify(row.etag)}`;
	if (select) {
		const picked: Record<string, unknown> = {};
		for (const n of select) picked[n] = row.values[n];
		const body = JSON.stringify(picked);
		return body === '{}' ? `{${etag}}` : `{${etag},${body.slice(1)}`;
	}
	row.json ??= JSON.stringify(row.values);
	return `{${etag},${row.json.slice(1)}`;
}

/** A row with its `$expand`ed navigations appended (single: the row or null; collection: an array). */
export function expandedRowJson(set: EntitySet, row: Row, q: Pick<CollectionQuery, 'select' | 'expand'>): string {
	const base = rowJson(row, q.select);
	if (!q.expand || q.expand.length === 0) return base;
	const parts = q.expand.map(({ navigation, select }) => {
		const related = follow(set, row, navigation);
		const body = related === null ? 'null' : Array.isArray(related) ? `[${related.map((r) => rowJson(r, select)).join(',')}]` : rowJson(related, select);
		return `${JSON.stringify(navigation.name)}:${body}`;
	});
	return `${base.slice(0, -1)},${parts.join(',')}}`;
}
