import { badRequest } from './errors';
import { NAMESPACE } from './model';
import type { EntitySet, Values } from './store';

/** A resource path below /data: `Set`, `Set(keys)`, `Set(keys)/Property`, `Set/$count`. */
export interface ParsedPath {
	setName: string;
	/** Raw text between the parentheses, undefined when the path addresses the collection. */
	keyText?: string;
	/** What follows the entity or collection: a property name or `$count`. */
	tail?: string;
}

/**
 * Splits the decoded path after `/data/`. Quotes are honoured so a key literal may contain `/`, `(` or `)`.
 * Percent-decoding happens first: clients escape quotes as %27 and non-ASCII as UTF-8 escapes.
 */
export function parseResourcePath(rest: string): ParsedPath {
	let text: string;
	try {
		text = decodeURIComponent(rest);
	} catch {
		throw badRequest(`The request URI is not valid: malformed percent-encoding in '${rest}'.`);
	}
	const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text);
	if (!m) throw badRequest(`The request URI is not valid. '${text}' does not start with an entity set name.`);
	const setName = m[0];
	let i = setName.length;
	let keyText: string | undefined;
	if (text[i] === '(') {
		let inQuote = false;
		let j = i + 1;
		for (; j < text.length; j++) {
			const c = text[j];
			if (c === "'") {
				if (inQuote && text[j + 1] === "'") j++;
				else inQuote = !inQuote;
			} else if (c === ')' && !inQuote) break;
		}
		if (j >= text.length) throw badRequest(`The key in the request URI is not valid: '${text.slice(i)}' has no closing parenthesis${inQuote ? ' (unterminated string literal)' : ''}.`);
		keyText = text.slice(i + 1, j);
		i = j + 1;
	}
	let tail: string | undefined;
	if (i < text.length) {
		if (text[i] !== '/') throw badRequest(`The request URI is not valid: unexpected '${text.slice(i)}' after '${text.slice(0, i)}'.`);
		tail = text.slice(i + 1);
		if (!/^(\$count|[A-Za-z_][A-Za-z0-9_]*)$/.test(tail)) throw badRequest(`The request URI is not valid: unsupported segment '${tail}'.`);
	}
	return { setName, keyText, tail };
}

type KeyLiteral = { kind: 'string'; value: string } | { kind: 'number'; value: number };

function splitKeyParts(text: string): Array<{ name?: string; literal: KeyLiteral; raw: string }> {
	const parts: Array<{ name?: string; literal: KeyLiteral; raw: string }> = [];
	let i = 0;
	const skipWs = () => {
		while (text[i] === ' ') i++;
	};
	while (i <= text.length) {
		skipWs();
		const start = i;
		let name: string | undefined;
		const nm = /^([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(text.slice(i));
		if (nm) {
			name = nm[1];
			i += nm[0].length;
			skipWs();
		}
		let literal: KeyLiteral;
		if (text[i] === "'") {
			let value = '';
			let j = i + 1;
			for (;;) {
				const q = text.indexOf("'", j);
				if (q < 0) throw badRequest(`The key in the request URI is not valid: unterminated string literal in '${text}'.`);
				value += text.slice(j, q);
				if (text[q + 1] === "'") {
					value += "'";
					j = q + 2;
				} else {
					i = q + 1;
					break;
				}
			}
			literal = { kind: 'string', value };
		} else {
			const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
			if (!num) throw badRequest(`The key in the request URI is not valid: '${text.slice(start) || text}' is not a key value. String key values must be quoted, e.g. CustomerAccount='US-001'.`);
			literal = { kind: 'number', value: Number(num[0]) };
			i += num[0].length;
		}
		parts.push({ name, literal, raw: text.slice(start, i) });
		skipWs();
		if (i >= text.length) break;
		if (text[i] !== ',') throw badRequest(`The key in the request URI is not valid: unexpected '${text.slice(i)}' in '${text}'.`);
		i++;
	}
	return parts;
}

/** Parses and checks a key segment against the entity's full key. Returns stored key values. */
export function parseKey(set: EntitySet, keyText: string): { company: string; key: string; values: Values } {
	const def = set.def;
	const template = def.keys.map((k) => `${k}=${set.fieldByName.get(k)?.type.kind === 'String' ? "'…'" : '…'}`).join(',');
	const invalid = (detail: string) =>
		badRequest(
			`The key in the request URI is not valid for resource '${NAMESPACE}.${def.typeName}'. Ensure that the names and number of key values match the declared or alternate key for the resource. ${detail} Expected: ${def.setName}(${template}).`,
		);
	if (keyText.trim() === '') throw invalid('The key is empty.');
	const parts = splitKeyParts(keyText);
	const values: Values = {};
	if (parts.length === 1 && parts[0].name === undefined) {
		if (def.keys.length !== 1) throw invalid(`A single unnamed key value was given, but the key has ${def.keys.length} parts (${def.keys.join(', ')}).`);
		parts[0].name = def.keys[0];
	}
	for (const p of parts) {
		if (p.name === undefined) throw invalid(`Key value '${p.raw}' has no name; composite keys must name every part.`);
		const keyName = def.keys.find((k) => k.toLowerCase() === p.name?.toLowerCase());
		if (!keyName || keyName !== p.name) {
			throw invalid(keyName ? `Key part '${p.name}' must be written '${keyName}'.` : `'${p.name}' is not a key property of ${def.setName}.`);
		}
		if (keyName in values) throw invalid(`Key part '${keyName}' is given twice.`);
		const field = set.fieldByName.get(keyName);
		const wantsString = field?.type.kind === 'String';
		if (wantsString && p.literal.kind !== 'string') throw invalid(`Key part '${keyName}' is a string and must be quoted: ${keyName}='${p.literal.value}'.`);
		if (!wantsString && p.literal.kind !== 'number') throw invalid(`Key part '${keyName}' is a number and must not be quoted.`);
		values[keyName] = keyName === 'dataAreaId' ? String(p.literal.value).toLowerCase() : p.literal.value;
	}
	const missing = def.keys.filter((k) => !(k in values));
	if (missing.length) throw invalid(`Missing key part(s): ${missing.join(', ')}.`);
	return { company: set.companyOf(values), key: set.keyOf(values), values };
}

/** The canonical key segment of a row, percent-encoded for use in a URL (Location, @odata.id). */
export function formatKey(set: EntitySet, values: Values): string {
	return set.def.keys
		.map((k) => {
			const v = values[k];
			return `${k}=${typeof v === 'number' ? String(v) : `'${encodeURIComponent(String(v).replace(/'/g, "''"))}'`}`;
		})
		.join(',');
}
