/**
 * The fingerprint of a mapped record: SHA-256 over its normalised, canonical values in field order. The same
 * values written and later read back from the target give the same hash, which is what echo suppression and
 * no-change detection compare (DESIGN §4).
 *
 * The hashed text is a fixed prefix naming the map's target fields (computed once per plan) followed by each
 * value, length-prefixed rather than JSON-escaped: unambiguous (`"1"` ≠ `1`, `null` ≠ `"null"`):
 *
 *   <JSON array of the field names>\n   then per value   z;  |  s<UTF-16 length>:<text>;  |  n<String(number)>;  |  t;  |  f;
 *
 * hashed as UTF-8 (a lone surrogate as U+FFFD, which is how a JS string reaches crypto). Hashes are persisted in
 * the ledger, so these bytes must never change (test/unit/maps/hash.test.ts pins them).
 *
 * The text is never built as a string: the values are UTF-8-encoded straight into one reused byte buffer (the
 * prefix copied in pre-encoded) and the buffer is hashed in one call. At 100,000+ records/s the string version
 * spent as long concatenating ~50 small parts, flattening and re-encoding them as SHA-256 spent hashing.
 */
import { hash } from 'node:crypto';
import type { Scalar } from './types';

/** `entries` are `[target field or path, canonical value]` pairs in the map's field order. */
export function hashEntries(entries: ReadonlyArray<readonly [string, Scalar]>): string {
	hashStart(hashPrefixBytes(hashPrefix(entries.map(([name]) => name))));
	for (const [, value] of entries) hashValue(value);
	return hashEnd();
}

/** Names the fields, in order, so that equal values under different fields never collide. */
export function hashPrefix(names: readonly string[]): string {
	return `${JSON.stringify(names)}\n`;
}

/** A prefix as the bytes `hashStart` copies; encode once per plan. */
export function hashPrefixBytes(prefix: string): Uint8Array {
	return new TextEncoder().encode(prefix);
}

/** SHA-256 (hex) of a whole text. */
export function hashText(text: string): string {
	return hash('sha256', text, 'hex');
}

/*
 * The hash input under construction. One per process: a hash is built synchronously from `hashStart` to `hashEnd`
 * with nothing in between that could start another (the engine calls no user code), and a hash abandoned by a
 * throw is simply overwritten by the next `hashStart`.
 */
const INITIAL_SIZE = 16 * 1024;
let bytes = new Uint8Array(INITIAL_SIZE);
let length = 0;

function reserve(extra: number): void {
	if (length + extra <= bytes.length) return;
	const grown = new Uint8Array(Math.max(bytes.length * 2, length + extra));
	grown.set(bytes.subarray(0, length));
	bytes = grown;
}

export function hashStart(prefix: Uint8Array): void {
	length = 0;
	reserve(prefix.length);
	bytes.set(prefix);
	length = prefix.length;
}

export function hashEnd(): string {
	const digest = hash('sha256', bytes.subarray(0, length), 'hex');
	// One huge value must not pin a huge buffer for the life of the process.
	if (bytes.length > 64 * INITIAL_SIZE) bytes = new Uint8Array(INITIAL_SIZE);
	length = 0;
	return digest;
}

const Z = 122; // z
const S = 115; // s
const N = 110; // n
const T = 116; // t
const F = 102; // f
const COLON = 58;
const SEMICOLON = 59;

/** The part of a canonical value (`canonical` already applied: blanks are null). */
export function hashValue(value: Scalar): void {
	if (value === null) hashNull();
	else if (typeof value === 'string') hashString(value);
	else if (typeof value === 'number') hashNumber(value);
	else hashBoolean(value);
}

export function hashNull(): void {
	reserve(2);
	bytes[length] = Z;
	bytes[length + 1] = SEMICOLON;
	length += 2;
}

export function hashBoolean(value: boolean): void {
	reserve(2);
	bytes[length] = value ? T : F;
	bytes[length + 1] = SEMICOLON;
	length += 2;
}

/** `s<value.length>:<value as UTF-8>;` */
export function hashString(value: string): void {
	const count = value.length;
	// 3 bytes per UTF-16 unit at most (a surrogate pair is 4 bytes for 2 units), 10 digits of length, `s:;`.
	reserve(count * 3 + 13);
	const out = bytes;
	let at = length;
	out[at++] = S;
	at = writeCount(out, at, count);
	out[at++] = COLON;
	for (let i = 0; i < count; i++) {
		const code = value.charCodeAt(i);
		if (code < 0x80) out[at++] = code;
		else {
			at = writeUtf8(out, at, value, i);
			break;
		}
	}
	out[at++] = SEMICOLON;
	length = at;
}

/** `n<String(value)>;` (`-0` is `n0;`, as the template literal it replaces wrote it). */
export function hashNumber(value: number): void {
	reserve(28);
	const out = bytes;
	let at = length;
	out[at++] = N;
	if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) at = writeCount(out, at, value);
	else {
		// Every number's String() is ASCII (digits, '-', '.', 'e', '+', Infinity, NaN) and at most 25 characters.
		const text = String(value);
		for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
	}
	out[at++] = SEMICOLON;
	length = at;
}

/** Decimal digits of a non-negative 31-bit integer. */
function writeCount(out: Uint8Array, at: number, count: number): number {
	if (count < 10) {
		out[at] = 48 + count;
		return at + 1;
	}
	let digits = 2;
	for (let limit = 100; limit <= count && digits < 10; limit *= 10) digits++;
	let rest = count;
	for (let i = at + digits - 1; i >= at; i--) {
		out[i] = 48 + (rest % 10);
		rest = (rest / 10) | 0;
	}
	return at + digits;
}

/** UTF-8 of `text` from index `from` on, lone surrogates as U+FFFD (EF BF BD), as V8 encodes a string for crypto. */
function writeUtf8(out: Uint8Array, at: number, text: string, from: number): number {
	const count = text.length;
	for (let i = from; i < count; i++) {
		let code = text.charCodeAt(i);
		if (code < 0x80) {
			out[at++] = code;
		} else if (code < 0x800) {
			out[at++] = 0xc0 | (code >> 6);
			out[at++] = 0x80 | (code & 0x3f);
		} else {
			if (code >= 0xd800 && code <= 0xdfff) {
				const next = i + 1 < count ? text.charCodeAt(i + 1) : 0;
				if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
					const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
					out[at++] = 0xf0 | (point >> 18);
					out[at++] = 0x80 | ((point >> 12) & 0x3f);
					out[at++] = 0x80 | ((point >> 6) & 0x3f);
					out[at++] = 0x80 | (point & 0x3f);
					i++;
					continue;
				}
				code = 0xfffd;
			}
			out[at++] = 0xe0 | (code >> 12);
			out[at++] = 0x80 | ((code >> 6) & 0x3f);
			out[at++] = 0x80 | (code & 0x3f);
		}
	}
	return at;
}
