import { badRequest, CODES, DvError } from './errors';
import type { Table } from './schema';
import type { AlternateKeyDef } from './tables/types';

/**
 * Key segments: `(guid)`, `(accountid=guid)` and alternate keys `(accountnumber='A1',_msdyn_company_value=guid)`.
 * The segment is percent-decoded first, then read as OData literals (quotes doubled inside strings), which
 * is the order URL parsing happens in: `%27` is an ordinary quote by the time literals are read.
 */
export type KeyLiteral =
	| { kind: 'string'; value: string }
	| { kind: 'guid'; value: string }
	| { kind: 'number'; value: number }
	| { kind: 'boolean'; value: boolean }
	| { kind: 'null' };

export type ParsedKey = { kind: 'single'; value: KeyLiteral } | { kind: 'named'; parts: Array<{ name: string; value: KeyLiteral }> };

export type ResolvedKey = { kind: 'id'; id: string } | { kind: 'alt'; key: AlternateKeyDef; values: unknown[]; indexKey: string };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isGuid = (s: string) => GUID.test(s);

export function percentDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		throw badRequest(`Bad Request - Error in query syntax: invalid percent-encoding in '${text.slice(0, 100)}'.`);
	}
}

function syntax(text: string): DvError {
	return badRequest(`Bad Request - Error in query syntax: the key segment '(${text})' is not valid.`);
}

function readLiteral(text: string, i: number, whole: string): { value: KeyLiteral; end: number } {
	if (text[i] === "'") {
		let value = '';
		let j = i + 1;
		for (;;) {
			const q = text.indexOf("'", j);
			if (q < 0) throw syntax(whole);
			value += text.slice(j, q);
			if (text[q + 1] === "'") {
				value += "'";
				j = q + 2;
			} else return { value: { kind: 'string', value }, end: q + 1 };
		}
	}
	let j = i;
	while (j < text.length && text[j] !== ',') j++;
	const raw = text.slice(i, j).trim();
	if (GUID.test(raw)) return { value: { kind: 'guid', value: raw.toLowerCase() }, end: j };
	if (raw === 'null') return { value: { kind: 'null' }, end: j };
	if (raw === 'true' || raw === 'false') return { value: { kind: 'boolean', value: raw === 'true' }, end: j };
	if (/^-?\d+(\.\d+)?$/.test(raw)) return { value: { kind: 'number', value: Number(raw) }, end: j };
	throw syntax(whole);
}

/** Parses the text between the parentheses (already percent-decoded). */
export function parseKeySegment(text: string): ParsedKey {
	const trimmed = text.trim();
	if (trimmed === '') throw syntax(text);
	// A lone literal: `(guid)`.
	if (!/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(trimmed)) {
		const { value, end } = readLiteral(trimmed, 0, text);
		if (trimmed.slice(end).trim() !== '') throw syntax(text);
		return { kind: 'single', value };
	}
	const parts: Array<{ name: string; value: KeyLiteral }> = [];
	let i = 0;
	while (i < trimmed.length) {
		const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/.exec(trimmed.slice(i));
		if (!m) throw syntax(text);
		i += m[0].length;
		const { value, end } = readLiteral(trimmed, i, text);
		parts.push({ name: m[1], value });
		i = end;
		while (trimmed[i] === ' ') i++;
		if (i >= trimmed.length) break;
		if (trimmed[i] !== ',') throw syntax(text);
		i++;
	}
	return { kind: 'named', parts };
}

function invalidKey(table: Table): DvError {
	const t = `Microsoft.Dynamics.CRM.${table.def.logicalName}`;
	return badRequest(
		`The key in the request URI is not valid for resource '${t}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource '${t}'.`,
		CODES.keyNotValid,
	);
}

/** Normalises a key value for the index: Dataverse's collation compares strings case-insensitively. */
export function indexPart(v: unknown): string {
	if (v === null || v === undefined) return '\u0000';
	if (typeof v === 'string') return v.toLowerCase();
	return String(v);
}

export const indexKeyOf = (values: unknown[]) => values.map(indexPart).join('\u001f');

/** Maps a parsed key onto the table's primary key or one of its alternate keys. */
export function resolveKey(table: Table, parsed: ParsedKey): ResolvedKey {
	if (parsed.kind === 'single') {
		if (parsed.value.kind !== 'guid') throw invalidKey(table);
		return { kind: 'id', id: parsed.value.value };
	}
	if (parsed.parts.length === 1 && parsed.parts[0].name === table.def.primaryId) {
		const v = parsed.parts[0].value;
		if (v.kind !== 'guid') throw invalidKey(table);
		return { kind: 'id', id: v.value };
	}
	const given = new Map<string, KeyLiteral>();
	for (const p of parsed.parts) {
		// Lookups appear in keys as their `_x_value` property; plain columns by their logical name.
		const lookup = table.lookupByValueName.get(p.name);
		const column = lookup ? lookup.column.name : table.columns.has(p.name) && !table.lookups.has(p.name) ? p.name : undefined;
		if (!column || given.has(column)) throw invalidKey(table);
		given.set(column, p.value);
	}
	const key = table.keys.find((k) => k.columns.length === given.size && k.columns.every((c) => given.has(c)));
	if (!key) throw invalidKey(table);
	const values = key.columns.map((c) => {
		const lit = given.get(c) as KeyLiteral;
		const col = table.columns.get(c);
		const type = col?.type;
		if (lit.kind === 'null') return null;
		if (type === 'lookup' || type === 'uniqueidentifier') {
			if (lit.kind !== 'guid') throw invalidKey(table);
			return lit.value;
		}
		if (type === 'string' || type === 'memo') {
			if (lit.kind !== 'string') throw invalidKey(table);
			return lit.value;
		}
		if (type === 'int' || type === 'bigint' || type === 'decimal' || type === 'money' || type === 'double' || type === 'choice') {
			if (lit.kind !== 'number') throw invalidKey(table);
			return lit.value;
		}
		if (type === 'boolean') {
			if (lit.kind !== 'boolean') throw invalidKey(table);
			return lit.value;
		}
		if (lit.kind !== 'string') throw invalidKey(table);
		return lit.value;
	});
	return { kind: 'alt', key, values, indexKey: indexKeyOf(values) };
}

/** Formats a key back into URL form (for OData-EntityId and error messages). */
export function formatKeyLiteral(v: unknown): string {
	if (typeof v === 'string') return isGuid(v) ? v : `'${v.replace(/'/g, "''")}'`;
	if (v === null || v === undefined) return 'null';
	return String(v);
}
