import { ENUM_BY_NAME } from './enums';
import { EMPTY_DATE, type FieldDef } from './model';

/**
 * Values are stored exactly as they are returned in JSON (strings, numbers, enum symbols, ISO dates), so
 * reads need no conversion. Every field always has a value: F&O has no nulls, blanks are '' / 0 /
 * the first enum member / the empty date 1900-01-01T12:00:00Z.
 */
export type StoredValue = string | number;

export function blankValue(field: FieldDef): StoredValue {
	if (field.default !== undefined) return field.default;
	switch (field.type.kind) {
		case 'String':
			return '';
		case 'Int32':
		case 'Int64':
		case 'Decimal':
			return 0;
		case 'Date':
		case 'DateTime':
			return EMPTY_DATE;
		case 'Enum':
			return ENUM_BY_NAME.get(field.type.enum)?.members[0]?.name ?? '';
	}
}

/** True when the value counts as "not filled in" for mandatory checks and foreign keys. */
export function isBlank(field: FieldDef, value: StoredValue): boolean {
	if (field.type.kind === 'String') return value === '';
	if (field.type.kind === 'Date' || field.type.kind === 'DateTime') return value === EMPTY_DATE;
	if (field.type.kind === 'Enum') return false;
	return value === 0;
}

export type Coerced = { ok: true; value: StoredValue } | { ok: false; message: string };

const INT32 = { min: -2147483648, max: 2147483647 };
const describe = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

function invalid(field: FieldDef, input: unknown, expected: string): Coerced {
	return { ok: false, message: `Error: The value ${describe(input)} is not valid for field '${field.label}' (${field.name}); expected ${expected}.` };
}

/** Turns a JSON value from a request body into the stored value, or explains why it does not fit. */
export function coerce(field: FieldDef, input: unknown): Coerced {
	const bad = (expected: string) => invalid(field, input, expected);
	const t = field.type;
	if (input === null) return { ok: false, message: `Error: Field '${field.label}' (${field.name}) does not allow null values.` };
	switch (t.kind) {
		case 'String': {
			if (typeof input !== 'string') return invalid(field, input, 'Edm.String');
			if (input.length > t.maxLength) {
				return { ok: false, message: `Error: The value for field '${field.label}' (${field.name}) is ${input.length} characters long; the maximum length is ${t.maxLength}.` };
			}
			return { ok: true, value: input };
		}
		case 'Int32':
		case 'Int64': {
			const n = typeof input === 'string' && /^-?\d+$/.test(input) ? Number(input) : input;
			if (typeof n !== 'number' || !Number.isInteger(n)) return bad(`Edm.${t.kind}`);
			if (t.kind === 'Int32' && (n < INT32.min || n > INT32.max)) return bad('Edm.Int32 (out of range)');
			return { ok: true, value: n };
		}
		case 'Decimal': {
			// IEEE754Compatible clients send decimals as strings.
			const n = typeof input === 'string' && /^-?\d+(\.\d+)?$/.test(input) ? Number(input) : input;
			if (typeof n !== 'number' || !Number.isFinite(n)) return bad('Edm.Decimal');
			return { ok: true, value: n };
		}
		case 'Date':
		case 'DateTime': {
			if (typeof input !== 'string') return bad('Edm.DateTimeOffset');
			const m = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(input);
			const ms = m ? Date.parse(m[2] ? input : `${input}T12:00:00Z`) : NaN;
			if (Number.isNaN(ms)) return bad('Edm.DateTimeOffset');
			if (t.kind === 'Date') return { ok: true, value: `${new Date(ms).toISOString().slice(0, 10)}T12:00:00Z` };
			return { ok: true, value: formatDateTime(ms) };
		}
		case 'Enum': {
			const def = ENUM_BY_NAME.get(t.enum);
			if (typeof input !== 'string' || !def) return bad(`an enum symbol of ${t.enum}`);
			const member = def.members.find((mm) => mm.name.toLowerCase() === input.toLowerCase());
			if (!member) return bad(`one of ${t.enum}: ${def.members.map((mm) => mm.name).join(', ')}`);
			return { ok: true, value: member.name };
		}
	}
}

/** F&O date-times carry whole seconds. */
export function formatDateTime(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function edmType(field: FieldDef, namespace: string): string {
	switch (field.type.kind) {
		case 'String':
			return 'Edm.String';
		case 'Int32':
			return 'Edm.Int32';
		case 'Int64':
			return 'Edm.Int64';
		case 'Decimal':
			return 'Edm.Decimal';
		case 'Date':
		case 'DateTime':
			return 'Edm.DateTimeOffset';
		case 'Enum':
			return `${namespace}.${field.type.enum}`;
	}
}
