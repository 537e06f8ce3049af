/**
 * Values as the target stores them. The engine writes these, and hashes them, so that the value we wrote and the
 * value the target later reports back compare equal; a single difference here makes echo suppression loop
 * forever (DESIGN §4). The rules, per value kind (F&O = fo, Dataverse = dv):
 *
 * - string: trailing spaces dropped on both sides (X++ stores strings right-trimmed; trimming dv too makes a value
 *   that went through F&O equal its Dataverse original). fo has no null: blank is `''`. dv stores a blank as null.
 * - integer/decimal: JSON numbers (decimal strings accepted), `-0` is 0, rounded half away from zero to the row's
 *   `scale` when given. fo blank is 0; dv keeps null.
 * - boolean: true/false; dv keeps null.
 * - date: fo `YYYY-MM-DDT12:00:00Z` (how F&O serialises a date), dv `YYYY-MM-DD`; read in UTC. F&O's empty date
 *   `1900-01-01T12:00:00Z` is null: fo writes it for null, dv gets null for it.
 * - datetime: ISO UTC to whole seconds, `Z` suffix (both store seconds). 1900-01-01 on fo = null.
 * - enum (F&O symbol): matched case-insensitively to the metadata's symbol when known. fo null = field left out
 *   (F&O has no null enum; the record keeps its current or default symbol).
 * - choice: integer. guid: lower-case; blank = null.
 * - unknown kind (no metadata, no row `type`): strings as `string`, numbers as `decimal`, booleans as is; a null
 *   towards fo becomes `''`, the blank of the by far most common kind.
 */
import type { FieldKind, FieldOption } from '../connectors/types';
import type { SystemName } from '../odata';
import type { Scalar } from './types';

export const FO_EMPTY_DATE = '1900-01-01T12:00:00Z';
export const FO_EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** What a value must look like on one side. */
export interface ValueShape {
	side: SystemName;
	kind?: FieldKind;
	scale?: number;
	/** Enum symbols / choice values the target accepts (from metadata). */
	options?: readonly FieldOption[];
}

/** A value that does not fit its kind; the engine turns it into a MapError naming map, row and record. */
export class ValueTypeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ValueTypeError';
	}
}

/** `undefined` = leave the field out of the written record. */
export function normalise(value: unknown, shape: ValueShape): Scalar | undefined {
	const kind = shape.kind ?? inferKind(value);
	const fo = shape.side === 'fo';
	if (value === undefined) value = null;
	switch (kind) {
		case 'string':
		case 'lookup':
		case undefined: {
			const text = asText(value, kind ?? 'string');
			if (text === null || text === '') return fo ? '' : null;
			return text;
		}
		case 'integer':
		case 'decimal': {
			const number = asNumber(value, kind, shape.scale);
			if (number === null) return fo ? 0 : null;
			return number;
		}
		case 'boolean':
			if (value === null || value === '') return null;
			if (typeof value === 'boolean') return value;
			throw new ValueTypeError(`expected a boolean, got ${describe(value)}`);
		case 'date': {
			const date = asDate(value);
			if (date === null) return fo ? FO_EMPTY_DATE : null;
			return fo ? `${date}T12:00:00Z` : date;
		}
		case 'datetime': {
			const dateTime = asDateTime(value);
			if (dateTime === null) return fo ? FO_EMPTY_DATE : null;
			return dateTime;
		}
		case 'enum': {
			if (value === null || value === '') return fo ? undefined : null;
			if (typeof value !== 'string') throw new ValueTypeError(`expected an enum symbol, got ${describe(value)}`);
			if (!shape.options) return value;
			const lower = value.toLowerCase();
			const option = shape.options.find((candidate) => String(candidate.name).toLowerCase() === lower);
			if (!option) throw new ValueTypeError(`${JSON.stringify(value)} is not one of ${shape.options.map((o) => o.name).join(', ')}`);
			return option.name;
		}
		case 'choice': {
			const choice = asNumber(value, 'integer', undefined);
			if (choice === null) return null;
			if (shape.options && !shape.options.some((option) => option.value === choice)) {
				throw new ValueTypeError(`${choice} is not one of the choice values ${shape.options.map((o) => o.value).join(', ')}`);
			}
			return choice;
		}
		case 'guid': {
			if (value === null || value === '') return fo ? FO_EMPTY_GUID : null;
			if (typeof value !== 'string' || !/^\{?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?$/.test(value)) {
				throw new ValueTypeError(`expected a GUID, got ${describe(value)}`);
			}
			const guid = value.replace(/[{}]/g, '').toLowerCase();
			return fo && guid === FO_EMPTY_GUID ? FO_EMPTY_GUID : guid === FO_EMPTY_GUID ? null : guid;
		}
	}
}

/**
 * `normalise` bound to one shape, chosen once per row at compile time. Text (the kind of most fields, and of every
 * field without metadata) takes a branch-free path; every other value goes through `normalise` itself, so the rules
 * live in one place and both paths agree by construction. `apply` inlines the text path for strings and blanks
 * (`isTextShape` there names the same kinds): change both together.
 */
export function normaliserFor(shape: ValueShape): (value: unknown) => Scalar | undefined {
	const blank = shape.side === 'fo' ? '' : null;
	if (shape.kind !== undefined && shape.kind !== 'string' && shape.kind !== 'lookup') return (value) => normalise(value, shape);
	return (value) => {
		if (typeof value === 'string') {
			const text = trimTrailingSpaces(value);
			return text === '' ? blank : text;
		}
		if (value === null || value === undefined) return blank;
		return normalise(value, shape);
	};
}

/** `normalise` without the throw, for callers that report the problem in their own terms. */
export function tryNormalise(value: unknown, shape: ValueShape): { ok: true; value: Scalar | undefined } | { ok: false; message: string } {
	try {
		return { ok: true, value: normalise(value, shape) };
	} catch (error) {
		return { ok: false, message: error instanceof Error ? error.message : String(error) };
	}
}

/** The value a hash and a diff compare: blanks of either side (`''`, 0-GUID, F&O's empty date) are null. */
export function canonical(value: Scalar | undefined): Scalar {
	if (value === undefined || value === '' || value === FO_EMPTY_DATE || value === FO_EMPTY_GUID) return null;
	return value;
}

function inferKind(value: unknown): FieldKind | undefined {
	if (typeof value === 'number') return 'decimal';
	if (typeof value === 'boolean') return 'boolean';
	return undefined;
}

function asText(value: unknown, kind: string): string | null {
	if (value === null) return null;
	if (typeof value === 'string') return trimTrailingSpaces(value);
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	throw new ValueTypeError(`expected a ${kind}, got ${describe(value)}`);
}

function trimTrailingSpaces(text: string): string {
	let end = text.length;
	while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
	return end === text.length ? text : text.slice(0, end);
}

function asNumber(value: unknown, kind: 'integer' | 'decimal', scale: number | undefined): number | null {
	if (value === null || value === '') return null;
	let number: number;
	if (typeof value === 'number') number = value;
	else if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) number = Number(value);
	else throw new ValueTypeError(`expected ${kind === 'integer' ? 'an integer' : 'a decimal number'}, got ${describe(value)}`);
	if (!Number.isFinite(number)) throw new ValueTypeError(`expected a finite number, got ${describe(value)}`);
	if (kind === 'integer' && !Number.isInteger(number)) throw new ValueTypeError(`expected an integer, got ${describe(value)}`);
	if (scale !== undefined) number = roundHalfAway(number, scale);
	return number === 0 ? 0 : number;
}

function roundHalfAway(number: number, scale: number): number {
	const factor = 10 ** scale;
	// The nudge makes 1.005 (stored as 1.00499999...) round the way a decimal database rounds it.
	const rounded = Math.round(Math.abs(number) * factor * (1 + Number.EPSILON)) / factor;
	return number < 0 ? -rounded : rounded;
}

const DATE_PART = /^(\d{4})-(\d{2})-(\d{2})/;

function asDate(value: unknown): string | null {
	if (value === null || value === '') return null;
	let date: string | undefined;
	if (value instanceof Date && !Number.isNaN(value.getTime())) date = value.toISOString().slice(0, 10);
	else if (typeof value === 'string' && DATE_PART.test(value)) {
		if (value.length === 10) date = validCalendarDate(value);
		else {
			const ms = Date.parse(value);
			date = Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
		}
	}
	if (date === undefined) throw new ValueTypeError(`expected a date (YYYY-MM-DD or ISO date-time), got ${describe(value)}`);
	return date === '1900-01-01' ? null : date;
}

function validCalendarDate(text: string): string | undefined {
	const ms = Date.parse(`${text}T00:00:00Z`);
	return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text ? text : undefined;
}

function asDateTime(value: unknown): string | null {
	if (value === null || value === '') return null;
	let ms = NaN;
	if (value instanceof Date) ms = value.getTime();
	else if (typeof value === 'string' && DATE_PART.test(value)) {
		const zoned = value.length === 10 ? `${value}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
		ms = Date.parse(zoned);
	}
	if (Number.isNaN(ms)) throw new ValueTypeError(`expected an ISO date-time, got ${describe(value)}`);
	const text = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
	return text.startsWith('1900-01-01') ? null : text;
}

function describe(value: unknown): string {
	if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
	if (value === null) return 'null';
	if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
	return `${typeof value} ${String(value)}`;
}
