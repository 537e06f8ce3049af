/**
 * Query strings and a small $filter builder. The builder emits values only through formatLiteral and field names
 * only after checking they are property paths, so no caller-supplied text can become filter syntax; `rawFilter`
 * is the explicit escape hatch for filters a person wrote (map filters).
 */
import { formatLiteral, quoteString, type EdmType, type ODataValue } from './literals';
import { encodeQueryText } from './uri-encoding';

/** Binding strength, loosest first; decides where parentheses are needed when filters are combined. */
type Precedence = 'or' | 'and' | 'primary';

export interface Filter {
	readonly text: string;
	readonly precedence: Precedence;
}

const PROPERTY_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

function property(path: string): string {
	if (!PROPERTY_PATH.test(path)) throw new TypeError(`Invalid OData property path ${JSON.stringify(path)}`);
	return path;
}

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export function compare(field: string, operator: ComparisonOperator, value: ODataValue, type: EdmType): Filter {
	return { text: `${property(field)} ${operator} ${formatLiteral(value, type)}`, precedence: 'primary' };
}

export const eq = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'eq', value, type);
export const ne = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'ne', value, type);
export const gt = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'gt', value, type);
export const ge = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'ge', value, type);
export const lt = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'lt', value, type);
export const le = (field: string, value: ODataValue, type: EdmType): Filter => compare(field, 'le', value, type);

function combine(operator: 'and' | 'or', filters: readonly Filter[]): Filter {
	if (filters.length === 0) throw new TypeError(`${operator}() needs at least one filter`);
	if (filters.length === 1) return filters[0];
	// Parenthesise every nested compound of the other kind: correct by precedence alone, but unambiguous to read.
	const text = filters
		.map((filter) => (filter.precedence === 'primary' || filter.precedence === operator ? filter.text : `(${filter.text})`))
		.join(` ${operator} `);
	return { text, precedence: operator };
}

export const and = (...filters: Filter[]): Filter => combine('and', filters);
export const or = (...filters: Filter[]): Filter => combine('or', filters);

/** `not` binds tighter than `eq` in OData, so its operand is always parenthesised. */
export function not(filter: Filter): Filter {
	return { text: `not (${filter.text})`, precedence: 'primary' };
}

/** `field eq v1 or field eq v2 ...`: F&O supports neither `in` nor `has`. */
export function anyOf(field: string, values: readonly ODataValue[], type: EdmType): Filter {
	if (values.length === 0) throw new TypeError(`anyOf(${field}) needs at least one value`);
	return or(...values.map((value) => eq(field, value, type)));
}

/** Dataverse string functions (F&O uses `*` wildcards inside `eq` instead). */
export type StringFunction = 'contains' | 'startswith' | 'endswith';

export function stringFunction(name: StringFunction, field: string, value: string): Filter {
	return { text: `${name}(${property(field)},${quoteString(value)})`, precedence: 'primary' };
}

/** Trusted filter text, e.g. a map's filter; treated as loosest-binding so it is parenthesised when combined. */
export function rawFilter(text: string): Filter {
	if (text.trim() === '') throw new TypeError('rawFilter() needs a non-empty filter');
	return { text, precedence: 'or' };
}

export interface OrderBy {
	field: string;
	descending?: boolean;
}

export interface Expand {
	navigation: string;
	select?: readonly string[];
}

export interface QueryOptions {
	filter?: Filter;
	select?: readonly string[];
	expand?: readonly (string | Expand)[];
	orderBy?: readonly (string | OrderBy)[];
	top?: number;
	/** F&O only: Dataverse has no $skip and pages by nextLink. */
	skip?: number;
	count?: boolean;
	/** Other parameters, e.g. `{ 'cross-company': true }` (F&O) or `{ tag: 'dw' }` (Dataverse). */
	params?: Readonly<Record<string, string | number | boolean | undefined>>;
}

function nonNegativeInteger(name: string, value: number): string {
	if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
	return String(value);
}

function selectList(fields: readonly string[]): string {
	if (fields.length === 0) throw new TypeError('$select needs at least one field');
	return fields.map(property).join(',');
}

/** Returns `?...` or '' when there is nothing to add. Spaces become %20 (never `+`); `$`, `,` and `'` stay readable. */
export function buildQueryString(options: QueryOptions): string {
	const pairs: [string, string][] = [];
	if (options.filter) pairs.push(['$filter', options.filter.text]);
	if (options.select) pairs.push(['$select', selectList(options.select)]);
	if (options.expand && options.expand.length > 0) {
		const items = options.expand.map((item) => {
			if (typeof item === 'string') return property(item);
			return item.select ? `${property(item.navigation)}($select=${selectList(item.select)})` : property(item.navigation);
		});
		pairs.push(['$expand', items.join(',')]);
	}
	if (options.orderBy && options.orderBy.length > 0) {
		const items = options.orderBy.map((item) =>
			typeof item === 'string' ? property(item) : `${property(item.field)}${item.descending ? ' desc' : ''}`,
		);
		pairs.push(['$orderby', items.join(',')]);
	}
	if (options.top !== undefined) pairs.push(['$top', nonNegativeInteger('$top', options.top)]);
	if (options.skip !== undefined) pairs.push(['$skip', nonNegativeInteger('$skip', options.skip)]);
	if (options.count !== undefined) pairs.push(['$count', String(options.count)]);
	for (const [name, value] of Object.entries(options.params ?? {})) {
		if (value === undefined) continue;
		if (name === '' || name.startsWith('$')) {
			throw new TypeError(`Extra query parameter ${JSON.stringify(name)}: use the typed options for system query options`);
		}
		pairs.push([name, String(value)]);
	}
	if (pairs.length === 0) return '';
	return `?${pairs.map(([name, value]) => `${encodeQueryText(name)}=${encodeQueryText(value)}`).join('&')}`;
}

/** Appends the query to a URL that may already carry one (a nextLink base, `$metadata?...`). */
export function withQuery(url: string, options: QueryOptions): string {
	const query = buildQueryString(options);
	if (query === '') return url;
	return url.includes('?') ? `${url}&${query.slice(1)}` : `${url}${query}`;
}
