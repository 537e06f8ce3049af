/**
 * OData v4 literal encoding. Every value that ends up in a URL (key segment or $filter) goes through
 * formatLiteral, so quoting is decided in one place: a string value can never escape its quotes and become syntax.
 */

export type EdmPrimitiveType =
	| 'Edm.String'
	| 'Edm.Guid'
	| 'Edm.Int32'
	| 'Edm.Int64'
	| 'Edm.Decimal'
	| 'Edm.Double'
	| 'Edm.Boolean'
	| 'Edm.Date'
	| 'Edm.DateTimeOffset';

/** An enum type, written `<namespace>.<name>'<Symbol>'` (F&O only; Dataverse choices are plain integers). */
export interface EdmEnumType {
	readonly kind: 'enum';
	readonly namespace: string;
	readonly name: string;
}

export type EdmType = EdmPrimitiveType | EdmEnumType;

/**
 * The JavaScript values a literal may be made from. Strings are accepted for Int64 and Decimal because their
 * precision exceeds a double (F&O amounts, RecIds); Date or an ISO string for the date types.
 */
export type ODataValue = string | number | bigint | boolean | Date | null;

/** A value with the type it was (or should be) written as; `type` is null for the untyped `null` literal. */
export interface TypedValue {
	type: EdmType | null;
	value: ODataValue;
}

export const FO_ENUM_NAMESPACE = 'Microsoft.Dynamics.DataEntities';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUALIFIED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function enumType(name: string, namespace: string = FO_ENUM_NAMESPACE): EdmEnumType {
	if (!IDENTIFIER.test(name)) throw new TypeError(`Invalid OData enum type name ${JSON.stringify(name)}`);
	if (!QUALIFIED_NAME.test(namespace)) {
		throw new TypeError(`Invalid OData enum namespace ${JSON.stringify(namespace)}`);
	}
	return { kind: 'enum', namespace, name };
}

export function typeName(type: EdmType): string {
	return typeof type === 'string' ? type : `${type.namespace}.${type.name}`;
}

/** Doubling is the only escape OData has inside a string literal. */
export function quoteString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

export function formatLiteral(value: ODataValue, type: EdmType): string {
	if (value === null) return 'null';
	if (typeof type !== 'string') return formatEnum(value, type);
	switch (type) {
		case 'Edm.String':
			return quoteString(expect(value, type, 'string'));
		case 'Edm.Guid': {
			const guid = expect(value, type, 'string');
			if (!GUID.test(guid)) throw new TypeError(`Invalid Edm.Guid value ${JSON.stringify(guid)}`);
			return guid;
		}
		case 'Edm.Boolean':
			return String(expect(value, type, 'boolean'));
		case 'Edm.Int32':
			return formatInt32(value);
		case 'Edm.Int64':
			return formatInt64(value);
		case 'Edm.Decimal':
			return formatDecimal(value);
		case 'Edm.Double':
			return formatDouble(value);
		case 'Edm.Date':
			return formatDate(value);
		case 'Edm.DateTimeOffset':
			return formatDateTimeOffset(value);
	}
}

function expect<K extends 'string' | 'boolean'>(
	value: ODataValue,
	type: EdmType,
	jsType: K,
): K extends 'string' ? string : boolean {
	if (typeof value !== jsType) {
		throw new TypeError(`${typeName(type)} expects a ${jsType}, got ${describe(value)}`);
	}
	return value as K extends 'string' ? string : boolean;
}

function describe(value: unknown): string {
	if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()})`;
	if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
	if (typeof value === 'bigint') return `bigint ${value}n`;
	return `${typeof value} ${String(value)}`;
}

function requireFinite(value: number, type: EdmPrimitiveType): void {
	if (!Number.isFinite(value)) {
		throw new RangeError(`${type} cannot represent ${String(value)}: only finite numbers are allowed`);
	}
}

function formatInt32(value: ODataValue): string {
	if (typeof value === 'bigint') value = Number(value);
	if (typeof value !== 'number') throw new TypeError(`Edm.Int32 expects a number, got ${describe(value)}`);
	requireFinite(value, 'Edm.Int32');
	if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
		throw new RangeError(`Edm.Int32 value ${value} is not an integer in [${INT32_MIN}, ${INT32_MAX}]`);
	}
	return String(value);
}

function formatInt64(value: ODataValue): string {
	let big: bigint;
	if (typeof value === 'bigint') big = value;
	else if (typeof value === 'number') {
		requireFinite(value, 'Edm.Int64');
		if (!Number.isSafeInteger(value)) {
			throw new RangeError(`Edm.Int64 value ${value} is not a safe integer: pass it as a bigint or a string`);
		}
		big = BigInt(value);
	} else if (typeof value === 'string' && INTEGER.test(value)) big = BigInt(value);
	else throw new TypeError(`Edm.Int64 expects an integer number, bigint or digit string, got ${describe(value)}`);
	if (big < INT64_MIN || big > INT64_MAX) throw new RangeError(`Edm.Int64 value ${big} is out of range`);
	return big.toString();
}

function formatDecimal(value: ODataValue): string {
	if (typeof value === 'bigint') return value.toString();
	if (typeof value === 'number') {
		requireFinite(value, 'Edm.Decimal');
		return plainNumber(value);
	}
	if (typeof value === 'string' && DECIMAL.test(value)) return value.replace(/^\+/, '');
	throw new TypeError(`Edm.Decimal expects a finite number, bigint or decimal string, got ${describe(value)}`);
}

function formatDouble(value: ODataValue): string {
	if (typeof value !== 'number') throw new TypeError(`Edm.Double expects a number, got ${describe(value)}`);
	requireFinite(value, 'Edm.Double');
	return String(value);
}

/** OData 4.0 decimal literals have no exponent, but String(1e-7) is "1e-7". */
function plainNumber(value: number): string {
	const text = String(value);
	const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
	if (!match) return text;
	const [, sign, whole, fraction = '', exponent] = match;
	const digits = whole + fraction;
	const point = whole.length + Number(exponent);
	if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
	if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
	return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function validDate(date: Date, type: EdmPrimitiveType): Date {
	if (Number.isNaN(date.getTime())) throw new RangeError(`${type} got an invalid Date`);
	return date;
}

function isRealCalendarDate(year: string, month: string, day: string): boolean {
	const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
	return date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/** A Date object is read in UTC, the time zone both back ends store dates in. */
function formatDate(value: ODataValue): string {
	if (value instanceof Date) return validDate(value, 'Edm.Date').toISOString().slice(0, 10);
	if (typeof value === 'string') {
		const match = DATE.exec(value);
		if (match && isRealCalendarDate(match[1], match[2], match[3])) return value;
	}
	throw new TypeError(`Edm.Date expects a Date or a 'YYYY-MM-DD' string, got ${describe(value)}`);
}

function formatDateTimeOffset(value: ODataValue): string {
	if (value instanceof Date) return validDate(value, 'Edm.DateTimeOffset').toISOString().replace('.000Z', 'Z');
	if (typeof value === 'string') {
		const match = DATE_TIME_OFFSET.exec(value);
		if (match && isRealCalendarDate(match[1], match[2], match[3])) {
			// Kept verbatim when already UTC so that sub-millisecond digits (Date cannot hold them) survive.
			if (match[8] === 'Z') return value;
			const date = new Date(value);
			if (!Number.isNaN(date.getTime())) return date.toISOString().replace('.000Z', 'Z');
		}
	}
	throw new TypeError(
		`Edm.DateTimeOffset expects a Date or an ISO 8601 string with a time zone (Z or +hh:mm), got ${describe(value)}`,
	);
}

function formatEnum(value: ODataValue, type: EdmEnumType): string {
	if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
		throw new TypeError(`${typeName(type)} expects an enum symbol name such as 'Yes', got ${describe(value)}`);
	}
	return `${typeName(type)}'${value}'`;
}

/**
 * Reads one literal back. Numbers are typed by their shape (Int32 if they fit, else Int64; Decimal with a point;
 * Double with an exponent) because a literal alone does not say which numeric type its property has.
 */
export function parseLiteral(text: string): TypedValue {
	if (text === 'null') return { type: null, value: null };
	if (text === 'true' || text === 'false') return { type: 'Edm.Boolean', value: text === 'true' };
	if (text.startsWith("'")) return { type: 'Edm.String', value: unquoteString(text) };
	if (GUID.test(text)) return { type: 'Edm.Guid', value: text };
	if (DATE.test(text)) return { type: 'Edm.Date', value: text };
	if (DATE_TIME_OFFSET.test(text)) return { type: 'Edm.DateTimeOffset', value: text };
	if (INTEGER.test(text)) {
		const big = BigInt(text);
		if (big >= INT32_MIN && big <= INT32_MAX) return { type: 'Edm.Int32', value: Number(big) };
		if (big < INT64_MIN || big > INT64_MAX) throw new SyntaxError(`Integer literal ${text} exceeds Edm.Int64`);
		return { type: 'Edm.Int64', value: Number.isSafeInteger(Number(big)) ? Number(big) : big };
	}
	if (DECIMAL.test(text)) {
		const number = Number(text);
		return { type: 'Edm.Decimal', value: plainNumber(number) === text.replace(/^\+/, '') ? number : text };
	}
	if (/^[+-]?\d+(\.\d+)?[eE][+-]?\d+$/.test(text)) return { type: 'Edm.Double', value: Number(text) };
	const enumMatch = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+)'([A-Za-z_][A-Za-z0-9_]*)'$/.exec(text);
	if (enumMatch) {
		const qualified = enumMatch[1];
		const dot = qualified.lastIndexOf('.');
		return {
			type: enumType(qualified.slice(dot + 1), qualified.slice(0, dot)),
			value: enumMatch[2],
		};
	}
	throw new SyntaxError(`Not an OData literal: ${JSON.stringify(text)}`);
}

function unquoteString(text: string): string {
	if (text.length < 2 || !text.endsWith("'")) throw new SyntaxError(`Unterminated string literal: ${text}`);
	const inner = text.slice(1, -1);
	// Inside the outer quotes every run of quotes must have an even length.
	if (inner.replace(/''/g, '').includes("'")) {
		throw new SyntaxError(`Unescaped quote in string literal: ${text}`);
	}
	return inner.replace(/''/g, "'");
}
