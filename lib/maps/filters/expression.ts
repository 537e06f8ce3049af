/**
 * The one filter tree both syntaxes parse into, and its evaluation against a source record. Comparisons follow
 * how both back ends compare (SQL Server collations): strings case-insensitively, blanks equal to null.
 */
import { propertyName } from '../propertyName';

export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** `{date}` is a calendar date (`YYYY-MM-DD`); `{symbol}` an F&O enum value (`AccountType::Customer` → `Customer`). */
export type FilterValue = string | number | boolean | null | { date: string } | { symbol: string };

export type FilterExpr =
	| { op: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
	| { op: 'not'; operand: FilterExpr }
	| { op: 'compare'; comparison: Comparison; field: string; value: FilterValue }
	/** `like` takes `*`/`?` wildcards (F&O); the other three are Dataverse's string functions. */
	| { op: 'match'; how: 'like' | 'startswith' | 'endswith' | 'contains'; field: string; pattern: string };

/** Thrown by both parsers; `token` is the text the parser stopped at. */
export class FilterSyntaxError extends Error {
	readonly token: string;
	readonly position: number;

	constructor(message: string, token: string, position: number) {
		super(message);
		this.name = 'FilterSyntaxError';
		this.token = token;
		this.position = position;
	}
}

/** Fields the filter reads, so a reader can `$select` them. */
export function filterFields(expr: FilterExpr, into: Set<string> = new Set()): Set<string> {
	switch (expr.op) {
		case 'and':
		case 'or':
			filterFields(expr.left, into);
			filterFields(expr.right, into);
			break;
		case 'not':
			filterFields(expr.operand, into);
			break;
		default:
			into.add(expr.field);
	}
	return into;
}

export function evaluateFilter(expr: FilterExpr, record: Readonly<Record<string, unknown>>): boolean {
	switch (expr.op) {
		case 'and':
			return evaluateFilter(expr.left, record) && evaluateFilter(expr.right, record);
		case 'or':
			return evaluateFilter(expr.left, record) || evaluateFilter(expr.right, record);
		case 'not':
			return !evaluateFilter(expr.operand, record);
		case 'compare':
			return compare(record[expr.field], expr.comparison, expr.value);
		case 'match':
			return match(record[expr.field], expr.how, expr.pattern);
	}
}

type Record_ = Readonly<Record<string, unknown>>;

/**
 * `evaluateFilter` decided once per filter: a tree of closures that read their field by its internalized name and
 * compare against an expected text lower-cased in advance. Same results as `evaluateFilter` (the unit tests run
 * every filter case through both).
 */
export function compileFilter(expr: FilterExpr): (record: Record_) => boolean {
	switch (expr.op) {
		case 'and': {
			const left = compileFilter(expr.left);
			const right = compileFilter(expr.right);
			return (record) => left(record) && right(record);
		}
		case 'or': {
			const left = compileFilter(expr.left);
			const right = compileFilter(expr.right);
			return (record) => left(record) || right(record);
		}
		case 'not': {
			const operand = compileFilter(expr.operand);
			return (record) => !operand(record);
		}
		case 'compare': {
			const field = propertyName(expr.field);
			const { comparison, value } = expr;
			if (typeof value !== 'string') return (record) => compare(record[field], comparison, value);
			return compareWithText(field, comparison, value);
		}
		case 'match': {
			const field = propertyName(expr.field);
			const { how, pattern } = expr;
			return (record) => match(record[field], how, pattern);
		}
	}
}

/** `compare` against a text, with what `orderOf` derives from the expected text done once. */
function compareWithText(field: string, comparison: Comparison, expected: string): (record: Record_) => boolean {
	const blankExpected = expected === '';
	const lower = expected.toLowerCase();
	const asNumber = expected.trim() === '' ? NaN : Number(expected);
	return (record) => {
		const actual = record[field];
		if (isBlank(actual)) {
			if (comparison === 'eq') return blankExpected;
			if (comparison === 'ne') return !blankExpected;
			return false;
		}
		let order: number | undefined;
		if (typeof actual === 'string') {
			const text = actual.toLowerCase();
			order = text < lower ? -1 : text > lower ? 1 : 0;
		} else if (typeof actual === 'number') order = Number.isNaN(asNumber) ? undefined : sign(actual - asNumber);
		else if (typeof actual === 'boolean') order = String(actual).toLowerCase() === lower ? 0 : undefined;
		if (order === undefined) return comparison === 'ne';
		return holds(order, comparison);
	};
}

/** F&O's empty date, `1900-01-01` alone or followed by a time (what /^1900-01-01(T|$)/ matches). */
const F_AND_O_EMPTY_DATE = '1900-01-01';

function isBlank(value: unknown): boolean {
	if (value === undefined || value === null || value === '') return true;
	return typeof value === 'string' && value.startsWith(F_AND_O_EMPTY_DATE) && (value.length === 10 || value.charCodeAt(10) === 84);
}

function compare(actual: unknown, comparison: Comparison, expected: FilterValue): boolean {
	if (expected === null) {
		const blank = isBlank(actual);
		if (comparison === 'eq') return blank;
		if (comparison === 'ne') return !blank;
		return false;
	}
	if (isBlank(actual)) {
		// A blank never satisfies an ordering, and equals nothing but blank.
		const blankExpected = expected === '';
		if (comparison === 'eq') return blankExpected;
		if (comparison === 'ne') return !blankExpected;
		return false;
	}
	const order = orderOf(actual, expected);
	if (order === undefined) return comparison === 'ne';
	return holds(order, comparison);
}

function holds(order: number, comparison: Comparison): boolean {
	switch (comparison) {
		case 'eq':
			return order === 0;
		case 'ne':
			return order !== 0;
		case 'lt':
			return order < 0;
		case 'le':
			return order <= 0;
		case 'gt':
			return order > 0;
		case 'ge':
			return order >= 0;
	}
}

/** Sign of actual - expected, or undefined when the two cannot be compared (then only `ne` holds). */
function orderOf(actual: unknown, expected: Exclude<FilterValue, null>): number | undefined {
	if (typeof expected === 'object') {
		if ('date' in expected) {
			const text = actual instanceof Date ? actual.toISOString() : typeof actual === 'string' ? actual : undefined;
			if (text === undefined || !/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
			return sign(text.slice(0, 10).localeCompare(expected.date));
		}
		return typeof actual === 'string' ? sign(compareText(actual, expected.symbol)) : undefined;
	}
	if (typeof expected === 'number') {
		const number = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
		return Number.isNaN(number) ? undefined : sign(number - expected);
	}
	if (typeof expected === 'boolean') {
		const bool = typeof actual === 'boolean' ? actual : actual === 'true' || actual === 'Yes' ? true : actual === 'false' || actual === 'No' ? false : undefined;
		return bool === undefined ? undefined : bool === expected ? 0 : bool ? 1 : -1;
	}
	if (typeof actual === 'number') {
		const number = expected.trim() === '' ? NaN : Number(expected);
		return Number.isNaN(number) ? undefined : sign(actual - number);
	}
	if (typeof actual === 'boolean') return compareText(String(actual), expected) === 0 ? 0 : undefined;
	if (typeof actual !== 'string') return undefined;
	return sign(compareText(actual, expected));
}

function compareText(a: string, b: string): number {
	const x = a.toLowerCase();
	const y = b.toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

const likeCache = new Map<string, RegExp>();

function match(actual: unknown, how: 'like' | 'startswith' | 'endswith' | 'contains', pattern: string): boolean {
	if (typeof actual !== 'string' && typeof actual !== 'number') return false;
	const text = String(actual).toLowerCase();
	const needle = pattern.toLowerCase();
	switch (how) {
		case 'startswith':
			return text.startsWith(needle);
		case 'endswith':
			return text.endsWith(needle);
		case 'contains':
			return text.includes(needle);
		case 'like': {
			let regex = likeCache.get(needle);
			if (!regex) {
				const body = needle.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
				regex = new RegExp(`^${body}$`, 's');
				likeCache.set(needle, regex);
			}
			return regex.test(text);
		}
	}
}
