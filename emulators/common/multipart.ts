import { randomUUID } from 'node:crypto';
import { STATUS_TEXT } from './http';

/**
 * OData `$batch` in its multipart/mixed form (OData v4 part 1 §11.7, as both F&O and Dataverse speak it):
 * parsing of batch requests and serialising of batch responses. Bodies are kept as bytes; headers and
 * request lines are read as latin1 (one char per byte) so offsets stay exact, then request lines are
 * re-read as UTF-8 because clients put raw UTF-8 into URLs.
 */

export interface BatchRequestPart {
	kind: 'request';
	contentId?: string;
	method: string;
	/** As written in the part: absolute, absolute-path, relative, or a `$n` reference. */
	url: string;
	/** Inner HTTP headers, names lower-cased. */
	headers: Record<string, string>;
	body: Buffer;
}

export interface BatchChangeset {
	kind: 'changeset';
	boundary: string;
	parts: BatchRequestPart[];
}

export type BatchItem = BatchRequestPart | BatchChangeset;

export interface BatchResponsePart {
	kind: 'response';
	contentId?: string;
	status: number;
	headers?: Record<string, string>;
	body?: string | Buffer;
}

export interface BatchResponseChangeset {
	kind: 'changeset';
	parts: BatchResponsePart[];
}

export type BatchResponseItem = BatchResponsePart | BatchResponseChangeset;

export class BatchParseError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'BatchParseError';
	}
}

/** Reads `boundary` from a multipart Content-Type, quoted or not. */
export function boundaryOf(contentType: string): string | undefined {
	const [type, ...params] = contentType.split(';');
	if (type.trim().toLowerCase() !== 'multipart/mixed') return undefined;
	for (const p of params) {
		const eq = p.indexOf('=');
		if (eq < 0) continue;
		if (p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
		let v = p.slice(eq + 1).trim();
		if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
		return v || undefined;
	}
	return undefined;
}

const HEADER_END = /\r?\n\r?\n/;

function parseHeaderBlock(text: string, what: string): Record<string, string> {
	const headers: Record<string, string> = {};
	if (text.trim() === '') return headers;
	for (const raw of text.split(/\r?\n/)) {
		if (raw === '') continue;
		if ((raw.startsWith(' ') || raw.startsWith('\t')) && Object.keys(headers).length) {
			// Obsolete line folding: continue the previous header's value.
			const last = Object.keys(headers).at(-1) as string;
			headers[last] += ' ' + raw.trim();
			continue;
		}
		const colon = raw.indexOf(':');
		if (colon <= 0) throw new BatchParseError(`Malformed header line in ${what}: '${raw.slice(0, 80)}'.`);
		headers[raw.slice(0, colon).trim().toLowerCase()] = raw.slice(colon + 1).trim();
	}
	return headers;
}

/** Splits one multipart body (latin1 text) into its parts' raw text. */
function splitParts(text: string, boundary: string, what: string): string[] {
	const delimiter = `--${boundary}`;
	// The first delimiter may be at offset 0 or after a preamble that ends with a line break.
	let start: number;
	if (text.startsWith(delimiter)) start = 0;
	else {
		const m = new RegExp(`\\r?\\n${escapeRe(delimiter)}`).exec(text);
		if (!m) throw new BatchParseError(`The ${what} does not contain the boundary delimiter '${delimiter}'.`);
		start = m.index + m[0].length - delimiter.length;
	}
	const parts: string[] = [];
	let pos = start + delimiter.length;
	const next = new RegExp(`\\r?\\n${escapeRe(delimiter)}`, 'g');
	for (;;) {
		if (text.startsWith('--', pos)) return parts;
		const eol = /^[ \t]*\r?\n/.exec(text.slice(pos, pos + 200));
		if (!eol) throw new BatchParseError(`The boundary delimiter '${delimiter}' in the ${what} must be followed by a line break or '--'.`);
		const contentStart = pos + eol[0].length;
		next.lastIndex = contentStart;
		const m = next.exec(text);
		if (!m) throw new BatchParseError(`Unterminated part in the ${what}: no closing delimiter '${delimiter}--' found.`);
		parts.push(text.slice(contentStart, m.index));
		pos = m.index + m[0].length;
		if (pos >= text.length) throw new BatchParseError(`Unterminated ${what}: it ends without the closing delimiter '${delimiter}--'.`);
	}
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function splitHead(partText: string): { head: string; rest: string } {
	const m = HEADER_END.exec(partText);
	// A part may consist of headers only (rest empty); a part starting with a blank line has no headers.
	if (!m) return { head: partText, rest: '' };
	return { head: partText.slice(0, m.index), rest: partText.slice(m.index + m[0].length) };
}

const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'MERGE', 'HEAD', 'OPTIONS']);

function parseRequestPart(partText: string, partHeaders: Record<string, string>, where: string): BatchRequestPart {
	const type = (partHeaders['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	if (type !== 'application/http') {
		throw new BatchParseError(`Each part in the ${where} must have Content-Type application/http (found '${partHeaders['content-type'] ?? ''}').`);
	}
	const { head, rest } = splitHead(partText.replace(/^(\r?\n)+/, ''));
	const lines = head.split(/\r?\n/);
	const requestLine = Buffer.from(lines[0] ?? '', 'latin1').toString('utf8');
	// Lenient about spaces inside the URL: clients put unencoded `$filter=a eq 'b'` into batch parts.
	const m = /^([A-Za-z]+) (\S.*?)(?: (HTTP\/\d\.\d))?\s*$/.exec(requestLine);
	if (!m || !METHODS.has(m[1].toUpperCase())) {
		throw new BatchParseError(`Bad request line in the ${where}: '${requestLine.slice(0, 120)}'. Expected '<METHOD> <URL> HTTP/1.1'.`);
	}
	const headers = parseHeaderBlock(lines.slice(1).join('\r\n'), where);
	if ((headers['content-type'] ?? '').toLowerCase().startsWith('multipart/mixed') || /(^|\/)\$batch(\?|$)/.test(m[2])) {
		throw new BatchParseError(`Batch requests cannot contain other batch requests (nested batch in the ${where}).`);
	}
	// The line break before the next delimiter belongs to the delimiter; trailing blank lines are padding.
	const body = Buffer.from(rest.replace(/(\r?\n)+$/, ''), 'latin1');
	const contentId = partHeaders['content-id'] ?? headers['content-id'];
	return { kind: 'request', ...(contentId !== undefined ? { contentId } : {}), method: m[1].toUpperCase(), url: m[2], headers, body };
}

/** Parses a `multipart/mixed` batch request body. Throws BatchParseError with a clear message on broken input. */
export function parseBatch(contentType: string, body: Buffer): BatchItem[] {
	const boundary = boundaryOf(contentType);
	if (!boundary) throw new BatchParseError(`The batch request must have Content-Type multipart/mixed with a boundary parameter (found '${contentType}').`);
	const text = body.toString('latin1');
	const items: BatchItem[] = [];
	splitParts(text, boundary, 'batch').forEach((partText, i) => {
		const { head, rest } = splitHead(partText);
		const partHeaders = parseHeaderBlock(head, `batch part ${i + 1}`);
		const ct = partHeaders['content-type'] ?? '';
		if (ct.toLowerCase().startsWith('multipart/mixed')) {
			const csBoundary = boundaryOf(ct);
			if (!csBoundary) throw new BatchParseError(`Change set in batch part ${i + 1} has no boundary parameter.`);
			const parts = splitParts(rest, csBoundary, `change set ${i + 1}`).map((csText, j) => {
				const inner = splitHead(csText);
				const innerHeaders = parseHeaderBlock(inner.head, `change set ${i + 1} part ${j + 1}`);
				if ((innerHeaders['content-type'] ?? '').toLowerCase().startsWith('multipart/mixed')) {
					throw new BatchParseError(`Change sets cannot be nested (change set ${i + 1} part ${j + 1}).`);
				}
				return parseRequestPart(inner.rest, innerHeaders, `change set ${i + 1} part ${j + 1}`);
			});
			items.push({ kind: 'changeset', boundary: csBoundary, parts });
		} else {
			items.push(parseRequestPart(rest, partHeaders, `batch part ${i + 1}`));
		}
	});
	return items;
}

export interface SerializeOptions {
	/** Boundary of the whole response; default `batchresponse_<guid>`. */
	boundary?: string;
	/** Boundary maker for change-set responses; default `changesetresponse_<guid>`. */
	changesetBoundary?: () => string;
}

function serializePart(part: BatchResponsePart, chunks: Buffer[], withContentId: boolean): void {
	let head = 'Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n';
	if (withContentId && part.contentId !== undefined) head += `Content-ID: ${part.contentId}\r\n`;
	head += `\r\nHTTP/1.1 ${part.status} ${STATUS_TEXT[part.status] ?? ''}\r\n`;
	const body = part.body === undefined ? undefined : Buffer.isBuffer(part.body) ? part.body : Buffer.from(part.body, 'utf8');
	for (const [k, v] of Object.entries(part.headers ?? {})) {
		if (k.toLowerCase() === 'content-length') continue;
		head += `${canonicalHeader(k)}: ${v}\r\n`;
	}
	head += '\r\n';
	chunks.push(Buffer.from(head, 'utf8'));
	if (body && body.length) chunks.push(body, Buffer.from('\r\n'));
}

/** `odata-entityid` -> `OData-EntityId`: responses read better with the casing the services use. */
function canonicalHeader(name: string): string {
	const special: Record<string, string> = { 'odata-entityid': 'OData-EntityId', 'odata-version': 'OData-Version', etag: 'ETag' };
	return special[name.toLowerCase()] ?? name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

/** Builds a multipart/mixed batch response. Returns the Content-Type (with boundary) and the body. */
export function serializeBatchResponse(items: BatchResponseItem[], opts: SerializeOptions = {}): { contentType: string; body: Buffer } {
	const boundary = opts.boundary ?? `batchresponse_${randomUUID()}`;
	const csBoundary = opts.changesetBoundary ?? (() => `changesetresponse_${randomUUID()}`);
	const chunks: Buffer[] = [];
	for (const item of items) {
		chunks.push(Buffer.from(`--${boundary}\r\n`));
		if (item.kind === 'changeset') {
			const cs = csBoundary();
			chunks.push(Buffer.from(`Content-Type: multipart/mixed; boundary=${cs}\r\n\r\n`));
			for (const part of item.parts) {
				chunks.push(Buffer.from(`--${cs}\r\n`));
				serializePart(part, chunks, true);
			}
			chunks.push(Buffer.from(`--${cs}--\r\n`));
		} else {
			serializePart(item, chunks, true);
		}
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return { contentType: `multipart/mixed; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

/** Parses a batch *response* (what serializeBatchResponse writes): for tests and for clients in lib/. */
export function parseBatchResponse(contentType: string, body: Buffer): BatchResponseItem[] {
	const boundary = boundaryOf(contentType);
	if (!boundary) throw new BatchParseError(`The batch response must have Content-Type multipart/mixed with a boundary (found '${contentType}').`);
	const readPart = (text: string, partHeaders: Record<string, string>): BatchResponsePart => {
		const { head, rest } = splitHead(text.replace(/^(\r?\n)+/, ''));
		const lines = head.split(/\r?\n/);
		const m = /^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '');
		if (!m) throw new BatchParseError(`Bad status line in batch response: '${lines[0] ?? ''}'.`);
		const headers = parseHeaderBlock(lines.slice(1).join('\r\n'), 'batch response part');
		const contentId = partHeaders['content-id'];
		return { kind: 'response', ...(contentId !== undefined ? { contentId } : {}), status: Number(m[1]), headers, body: Buffer.from(rest.replace(/(\r?\n)+$/, ''), 'latin1') };
	};
	return splitParts(body.toString('latin1'), boundary, 'batch response').map((partText) => {
		const { head, rest } = splitHead(partText);
		const partHeaders = parseHeaderBlock(head, 'batch response part');
		const ct = partHeaders['content-type'] ?? '';
		if (ct.toLowerCase().startsWith('multipart/mixed')) {
			const cs = boundaryOf(ct) ?? '';
			return {
				kind: 'changeset' as const,
				parts: splitParts(rest, cs, 'change set response').map((t) => {
					const inner = splitHead(t);
					return readPart(inner.rest, parseHeaderBlock(inner.head, 'change set response part'));
				}),
			};
		}
		return readPart(rest, partHeaders);
	});
}
