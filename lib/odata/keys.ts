/**
 * Entity key segments: `(dataAreaId='usmf',CustomerAccount='US-001')`, `(00000000-0000-0000-0000-000000000001)`,
 * `(accountnumber='A1',_msdyn_company_value=<guid>)`. Values are quote-doubled first (literals.ts) and
 * percent-encoded second, so that `'` stays a literal quote and `/`, `?`, `#`, `%` cannot end the path segment.
 */
import { formatLiteral, parseLiteral, type EdmType, type ODataValue, type TypedValue } from './literals';
import { encodePathSegmentText, percentDecode } from './uri-encoding';

export interface KeyField {
	name: string;
	type: EdmType;
}

export interface KeySegmentOptions {
	/**
	 * Write a single-field key without its name, `(<guid>)`: the form for a Dataverse primary key. Alternate keys,
	 * even single-field ones such as `_primarycontactid_value`, must keep the name.
	 */
	bare?: boolean;
}

export interface ParsedKeyPart extends TypedValue {
	/** Absent for the bare `(value)` form. */
	name?: string;
}

export interface ParsedKey {
	/** The entity set, when the segment was given as `CustomersV3(...)`. */
	entitySet?: string;
	parts: ParsedKeyPart[];
	/** Named parts as a record (the bare form has none). */
	values: Record<string, ODataValue>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isODataValue(value: unknown): value is Exclude<ODataValue, null> {
	return (
		typeof value === 'string' ||
		typeof value === 'number' ||
		typeof value === 'bigint' ||
		typeof value === 'boolean' ||
		value instanceof Date
	);
}

/**
 * `entity` is only used in error messages. A key field whose value is undefined or null is missing: neither F&O nor
 * Dataverse addresses a record by a null key part.
 */
export function formatKeySegment(
	entity: string,
	fields: readonly KeyField[],
	record: Readonly<Record<string, unknown>>,
	options: KeySegmentOptions = {},
): string {
	if (fields.length === 0) throw new TypeError(`${entity}: a key needs at least one field`);
	if (options.bare && fields.length !== 1) {
		throw new TypeError(`${entity}: only a single-field key can be written bare, this one has ${fields.length}`);
	}
	const missing = fields.filter((field) => record[field.name] === undefined || record[field.name] === null);
	if (missing.length > 0) {
		const names = missing.map((field) => field.name).join(', ');
		const all = fields.map((field) => field.name).join(', ');
		throw new TypeError(`${entity}: key field(s) ${names} missing (the key is ${all})`);
	}
	const parts = fields.map((field) => {
		if (!IDENTIFIER.test(field.name)) throw new TypeError(`${entity}: invalid key field name ${JSON.stringify(field.name)}`);
		const value = record[field.name];
		if (!isODataValue(value)) {
			throw new TypeError(`${entity}: key field ${field.name} has an unsupported value of type ${typeof value}`);
		}
		let literal: string | undefined;
		let failure: Error | undefined;
		try {
			literal = formatLiteral(value, field.type);
		} catch (error) {
			failure = error as Error;
		}
		if (literal === undefined) {
			throw new TypeError(`${entity}: key field ${field.name}: ${failure?.message}`, { cause: failure });
		}
		const encoded = encodePathSegmentText(literal);
		return options.bare ? encoded : `${field.name}=${encoded}`;
	});
	return `(${parts.join(',')})`;
}

/** The inverse of formatKeySegment; accepts `(...)` or `EntitySet(...)`, percent-encoded or not. */
export function parseKeySegment(segment: string): ParsedKey {
	const text = percentDecode(segment);
	const open = text.indexOf('(');
	if (open < 0 || !text.endsWith(')')) throw new SyntaxError(`Not a key segment: ${JSON.stringify(segment)}`);
	const prefix = text.slice(0, open);
	if (prefix !== '' && !IDENTIFIER.test(prefix)) {
		throw new SyntaxError(`Invalid entity set name ${JSON.stringify(prefix)} in key segment`);
	}
	const parts: ParsedKeyPart[] = [];
	let position = open + 1;
	const end = text.length - 1;
	while (true) {
		const nameMatch = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(text.slice(position, end));
		const name = nameMatch?.[1];
		if (nameMatch) position += nameMatch[0].length;
		const literalEnd = scanLiteral(text, position, end);
		const parsed = parseLiteral(text.slice(position, literalEnd));
		parts.push(name === undefined ? parsed : { name, ...parsed });
		position = literalEnd;
		if (position === end) break;
		if (text[position] !== ',') throw new SyntaxError(`Expected ',' at ${position} in key segment ${JSON.stringify(text)}`);
		position += 1;
	}
	const named = parts.filter((part) => part.name !== undefined);
	if (named.length !== parts.length && parts.length > 1) {
		throw new SyntaxError(`A key segment mixes named and unnamed values: ${JSON.stringify(text)}`);
	}
	const values: Record<string, ODataValue> = {};
	for (const part of named) {
		if (Object.prototype.hasOwnProperty.call(values, part.name as string)) {
			throw new SyntaxError(`Key field ${part.name} appears twice in ${JSON.stringify(text)}`);
		}
		values[part.name as string] = part.value;
	}
	return { ...(prefix ? { entitySet: prefix } : {}), parts, values };
}

/** Returns the index just past one literal starting at `start`; quoted text may contain ',' and ')'. */
function scanLiteral(text: string, start: number, end: number): number {
	let position = start;
	const quoteAt = text.indexOf("'", start);
	const startsQuoted =
		text[start] === "'" ||
		// An enum literal, Namespace.Type'Symbol': the quote follows a qualified name.
		(quoteAt > start && quoteAt < end && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.slice(start, quoteAt)));
	if (startsQuoted) {
		position = quoteAt + 1;
		while (position < end) {
			if (text[position] === "'") {
				if (text[position + 1] === "'") position += 2;
				else return position + 1;
			} else position += 1;
		}
		throw new SyntaxError(`Unterminated string in key segment ${JSON.stringify(text)}`);
	}
	while (position < end && text[position] !== ',') position += 1;
	if (position === start) throw new SyntaxError(`Empty value at ${start} in key segment ${JSON.stringify(text)}`);
	return position;
}
