/**
 * The F&O watermark cursor: compact JSON, validated field by field when read back, so that a corrupt or foreign
 * cursor is a clear `CaptureCursorError` rather than a wrong query.
 *
 * ```json
 * {"v":1,"e":"CustomersV3","f":"ModifiedDateTime","k":["dataAreaId","CustomerAccount"],
 *  "p":[1717236000000,["usmf","US-001"]],"fl":[…],"s":[[1717236000000,["usmf","US-001"],"1x2y3z"]]}
 * ```
 *
 * - `p`: the position (modified time in ms, key values) of the last record read going forward; null before any.
 * - `s`: the versions already emitted inside the look-back window behind `p`: modified ms, key values, and a short
 *   hash of the record's ETag ("" when the service sent none).
 * - `fl`: when more versions fell in the window than the cursor keeps, the newest position it forgot: records at or
 *   before it are not looked at again.
 */
import { CaptureCursorError } from './errors';

export type KeyValue = string | number;

/** Modified time (epoch ms) and the key values in key-field order. */
export type Position = [modifiedMs: number, keys: KeyValue[]];

/** A version already emitted: modified time, key values, ETag hash. */
export type SeenEntry = [modifiedMs: number, keys: KeyValue[], version: string];

export interface FoCursor {
	v: 1;
	/** Entity set. */
	e: string;
	/** Modified-time field. */
	f: string;
	/** Key fields, in the order of every key value list. */
	k: string[];
	p: Position | null;
	fl?: Position;
	s: SeenEntry[];
}

/** Far above any sensible `maxTracked`: a longer list is not a cursor we wrote. */
const MAX_SEEN = 100_000;

export function serializeFoCursor(cursor: FoCursor): string {
	return JSON.stringify(cursor.fl ? cursor : { v: cursor.v, e: cursor.e, f: cursor.f, k: cursor.k, p: cursor.p, s: cursor.s });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function keyValues(value: unknown, length: number, where: string, fail: (detail: string) => Error): KeyValue[] {
	if (!Array.isArray(value) || value.length !== length) throw fail(`${where} must list ${length} key value(s)`);
	for (const item of value) {
		if (typeof item === 'string') continue;
		if (typeof item === 'number' && Number.isFinite(item)) continue;
		throw fail(`${where} holds a key value that is not a string or a number`);
	}
	return value as KeyValue[];
}

function modifiedMs(value: unknown, where: string, fail: (detail: string) => Error): number {
	if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw fail(`${where} must be a time in milliseconds`);
	return value;
}

function position(value: unknown, keys: number, where: string, fail: (detail: string) => Error): Position {
	if (!Array.isArray(value) || value.length !== 2) throw fail(`${where} must be [modified, [key values]]`);
	return [modifiedMs(value[0], `${where}[0]`, fail), keyValues(value[1], keys, `${where}[1]`, fail)];
}

/**
 * Reads a cursor back. `expected` names what it must have been made for; a cursor for another entity, field or
 * key is refused rather than reinterpreted.
 */
export function parseFoCursor(text: string, expected: { entity: string; field: string; keys: readonly string[] }): FoCursor {
	const fail = (detail: string) => new CaptureCursorError('fo', expected.entity, detail);
	if (typeof text !== 'string' || text.trim() === '') throw fail('it is empty');
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		throw fail('it is not JSON');
	}
	if (!isObject(json)) throw fail('it is not a JSON object');
	if (json.v !== 1) throw fail(`unknown version ${JSON.stringify(json.v)}`);
	if (typeof json.e !== 'string' || typeof json.f !== 'string') throw fail('it names no entity or modified field');
	if (!Array.isArray(json.k) || json.k.length === 0 || !json.k.every((name) => typeof name === 'string' && name !== '')) throw fail('it names no key fields');
	const keys = json.k as string[];
	if (json.e !== expected.entity) throw fail(`it was made for entity ${json.e}`);
	if (json.f !== expected.field) throw fail(`it was made for modified field ${json.f}, not ${expected.field}`);
	if (keys.length !== expected.keys.length || keys.some((name, i) => name !== expected.keys[i])) {
		throw fail(`it was made for key (${keys.join(', ')}), but ${expected.entity}'s key is (${expected.keys.join(', ')})`);
	}
	const p = json.p === null ? null : position(json.p, keys.length, 'p', fail);
	const fl = json.fl === undefined ? undefined : position(json.fl, keys.length, 'fl', fail);
	if (!Array.isArray(json.s) || json.s.length > MAX_SEEN) throw fail('s must be a list of emitted versions');
	const s = json.s.map((entry: unknown, i): SeenEntry => {
		if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[2] !== 'string') throw fail(`s[${i}] must be [modified, [key values], version]`);
		return [modifiedMs(entry[0], `s[${i}][0]`, fail), keyValues(entry[1], keys.length, `s[${i}][1]`, fail), entry[2]];
	});
	if (p === null && (s.length > 0 || fl !== undefined)) throw fail('it lists emitted versions but no position');
	return { v: 1, e: json.e, f: json.f, k: keys, p, ...(fl ? { fl } : {}), s };
}
