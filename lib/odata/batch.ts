/**
 * OData $batch (multipart/mixed) for F&O and Dataverse: encoding requests, and decoding the response into one
 * result per request, in request order. No request is ever left without a result: a rolled-back changeset reports
 * its error on each of its requests, and requests a server never reached (Dataverse stops at the first error
 * unless asked to continue) are reported as not executed.
 */
import { randomUUID } from 'node:crypto';
import { errorFromResponse, ODataError, type ErrorContext } from './errors';
import {
	parseContentType,
	parseHttpResponseLines,
	splitLines,
	splitMultipart,
	type MimePart,
} from './multipart';
import type { SystemName } from './system';
import type { HttpMethod, HttpRequest, HttpResponse } from './transport';

export interface BatchRequest {
	method: HttpMethod;
	/** Relative to the service root (`CustomersV3(...)`), absolute, or a Content-ID reference such as `$1`. */
	url: string;
	/** Per-request headers, e.g. If-Match, If-None-Match, Prefer. */
	headers?: Readonly<Record<string, string>>;
	/** Serialised with JSON.stringify. */
	body?: unknown;
	/** Names the record in errors. */
	entity?: string;
	key?: Readonly<Record<string, unknown>>;
}

/** Requests applied atomically: all or none. GETs are not allowed inside. */
export interface BatchChangeset {
	changeset: readonly BatchRequest[];
}

export type BatchItem = BatchRequest | BatchChangeset;

/**
 * How request URLs are written inside the batch: `relative` to the service root (OData's default), `absolute-path`
 * (`/api/data/v9.2/accounts`, as in the Dataverse docs) or `absolute` (full URLs, accepted by both back ends).
 */
export type BatchUrlStyle = 'relative' | 'absolute-path' | 'absolute';

export interface EncodeBatchOptions {
	/** e.g. `https://env.operations.dynamics.com/data/` or `https://org.crm.dynamics.com/api/data/v9.2/`. */
	serviceRoot: string;
	urlStyle?: BatchUrlStyle;
	/** Dataverse: run every request even after one fails (outside changesets). */
	continueOnError?: boolean;
	/** Headers of the outer POST (auth excluded: the transport adds it). */
	headers?: Readonly<Record<string, string>>;
	/** Boundary id generator; tests pin it. */
	newId?: () => string;
}

export interface BatchOperation {
	/** Position among all requests of the batch, changesets flattened, 0-based. */
	index: number;
	/** `index + 1`: the Content-ID sent, so `$<index + 1>` references this request's result inside its changeset. */
	contentId: string;
	request: BatchRequest;
	/** Index of the changeset in the batch items, when the request is in one. */
	changesetItem?: number;
}

export interface EncodedBatch {
	request: HttpRequest;
	items: readonly BatchItem[];
	operations: readonly BatchOperation[];
}

const CRLF = '\r\n';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isChangeset(item: BatchItem): item is BatchChangeset {
	return (item as BatchChangeset).changeset !== undefined;
}

export function encodeBatch(items: readonly BatchItem[], options: EncodeBatchOptions): EncodedBatch {
	if (items.length === 0) throw new TypeError('A batch needs at least one request');
	const newId = options.newId ?? randomUUID;
	const serviceRoot = options.serviceRoot.endsWith('/') ? options.serviceRoot : `${options.serviceRoot}/`;
	const style = options.urlStyle ?? 'absolute';
	const batchBoundary = `batch_${newId()}`;
	const operations: BatchOperation[] = [];

	const encodeRequest = (request: BatchRequest, changesetItem: number | undefined): string => {
		const operation: BatchOperation = {
			index: operations.length,
			contentId: String(operations.length + 1),
			request,
			...(changesetItem === undefined ? {} : { changesetItem }),
		};
		operations.push(operation);
		return encodeRequestPart(operation, serviceRoot, style);
	};

	const parts = items.map((item, itemIndex) => {
		if (!isChangeset(item)) return encodeRequest(item, undefined);
		if (item.changeset.length === 0) throw new TypeError(`Changeset at item ${itemIndex} is empty`);
		const changesetBoundary = `changeset_${newId()}`;
		const inner = item.changeset.map((request) => {
			if (request.method === 'GET') throw new TypeError(`GET ${request.url} is not allowed inside a changeset`);
			return encodeRequest(request, itemIndex);
		});
		return (
			`Content-Type: multipart/mixed; boundary=${changesetBoundary}${CRLF}${CRLF}` +
			joinParts(inner, changesetBoundary)
		);
	});

	const headers: Record<string, string> = {
		Accept: 'application/json',
		'OData-MaxVersion': '4.0',
		'OData-Version': '4.0',
		...(options.continueOnError ? { Prefer: 'odata.continue-on-error' } : {}),
		...(options.headers ?? {}),
		'Content-Type': `multipart/mixed; boundary=${batchBoundary}`,
	};
	return {
		request: { method: 'POST', url: `${serviceRoot}$batch`, headers, body: `${joinParts(parts, batchBoundary)}${CRLF}` },
		items,
		operations,
	};
}

/** The CRLF before a delimiter belongs to the delimiter (RFC 2046), hence the join. */
function joinParts(parts: readonly string[], boundary: string): string {
	return `--${boundary}${CRLF}${parts.join(`${CRLF}--${boundary}${CRLF}`)}${CRLF}--${boundary}--`;
}

function encodeRequestPart(operation: BatchOperation, serviceRoot: string, style: BatchUrlStyle): string {
	const { request } = operation;
	const url = batchUrl(request.url, serviceRoot, style);
	if (/\s/.test(url)) throw new TypeError(`Batch request URL contains whitespace (encode it first): ${JSON.stringify(url)}`);
	const hasBody = request.body !== undefined;
	if (hasBody && (request.method === 'GET' || request.method === 'DELETE')) {
		throw new TypeError(`${request.method} ${request.url} cannot carry a body in a batch`);
	}
	const headers: Record<string, string> = { Accept: 'application/json' };
	if (hasBody) headers['Content-Type'] = 'application/json';
	for (const [name, value] of Object.entries(request.headers ?? {})) {
		// A CR or LF in a header would let a value inject headers or whole requests into the batch.
		if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) {
			throw new TypeError(`Invalid header ${JSON.stringify(name)} on batch request ${request.method} ${request.url}`);
		}
		const existing = Object.keys(headers).find((key) => key.toLowerCase() === name.toLowerCase());
		if (existing !== undefined) delete headers[existing];
		headers[name] = value;
	}
	// JSON.stringify never emits a raw line break, so a body cannot contain a delimiter line.
	const body = hasBody ? JSON.stringify(request.body) : '';
	return [
		'Content-Type: application/http',
		'Content-Transfer-Encoding: binary',
		`Content-ID: ${operation.contentId}`,
		'',
		`${request.method} ${url} HTTP/1.1`,
		...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
		'',
		body,
	].join(CRLF);
}

function batchUrl(url: string, serviceRoot: string, style: BatchUrlStyle): string {
	if (url.startsWith('$')) return url;
	const isAbsolute = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(url);
	const root = new URL(serviceRoot);
	if (style === 'relative') {
		if (isAbsolute && url.startsWith(serviceRoot)) return url.slice(serviceRoot.length);
		if (url.startsWith('/') && url.startsWith(root.pathname)) return url.slice(root.pathname.length);
		return url;
	}
	const full = isAbsolute ? url : url.startsWith('/') ? `${root.origin}${url}` : `${serviceRoot}${url}`;
	return style === 'absolute' || !full.startsWith(root.origin) ? full : full.slice(root.origin.length);
}

interface BatchResultBase {
	index: number;
	contentId: string;
	request: BatchRequest;
}

export interface BatchResponseResult extends BatchResultBase {
	outcome: 'succeeded' | 'failed';
	status: number;
	headers: Record<string, string>;
	body: string;
	/** The parsed body when it is JSON. */
	json?: unknown;
	/** Set when outcome is 'failed'. */
	error?: ODataError;
	/**
	 * Set on every request of a changeset that failed as a whole: the server rolled it back and answered once for
	 * all of them. `failedContentId` names the culprit when the server said which.
	 */
	changesetFailure?: { failedContentId?: string };
}

export interface BatchNotExecutedResult extends BatchResultBase {
	outcome: 'not-executed';
	reason: string;
}

export type BatchResult = BatchResponseResult | BatchNotExecutedResult;

export interface DecodeBatchOptions {
	system: SystemName;
	now?: () => number;
}

/**
 * Throws an ODataError when the whole batch failed without a multipart body (401, 429, a gateway error). A
 * multipart body is decoded whatever the outer status: Dataverse answers 400 with a multipart body when it stops
 * at a failing request.
 */
export function decodeBatchResponse(response: HttpResponse, batch: EncodedBatch, options: DecodeBatchOptions): BatchResult[] {
	const lines = splitLines(response.body);
	const boundary = multipartBoundary(response.headers['content-type'], lines);
	if (boundary === undefined) throw errorFromResponse(response, { system: options.system }, { now: options.now });
	const parts = splitMultipart(lines, boundary);
	if (parts.length > batch.items.length) {
		throw protocolError(options.system, `the response has ${parts.length} parts for ${batch.items.length} batch items`);
	}
	const byItem = groupOperations(batch);
	const results: BatchResult[] = [];
	parts.forEach((part, itemIndex) => {
		const operations = byItem[itemIndex];
		const item = batch.items[itemIndex];
		results.push(...(isChangeset(item) ? decodeChangeset(part, operations, options) : [responseResult(part, operations[0], options)]));
	});
	// A server that stops at an error answers that request last; anything else means the response was cut short.
	const last = results[results.length - 1];
	const stoppedBy = last?.outcome === 'failed' ? last : undefined;
	const culprit = stoppedBy?.changesetFailure?.failedContentId ?? stoppedBy?.contentId;
	const reason = stoppedBy
		? `not executed: the batch stopped after request ${culprit} failed` +
			` (HTTP ${stoppedBy.status}); send Prefer: odata.continue-on-error to run the rest`
		: 'not executed: the batch response ended before reaching this request';
	for (const operations of byItem.slice(parts.length)) {
		for (const operation of operations) results.push(notExecuted(operation, reason));
	}
	return results;
}

function groupOperations(batch: EncodedBatch): BatchOperation[][] {
	const groups: BatchOperation[][] = batch.items.map(() => []);
	let next = 0;
	batch.items.forEach((item, itemIndex) => {
		const count = isChangeset(item) ? item.changeset.length : 1;
		for (let i = 0; i < count; i++) groups[itemIndex].push(batch.operations[next++]);
	});
	return groups;
}

function multipartBoundary(contentType: string | undefined, lines: readonly string[]): string | undefined {
	if (contentType !== undefined) {
		const parsed = parseContentType(contentType);
		if (parsed.mediaType.startsWith('multipart/') && parsed.params.boundary) return parsed.params.boundary;
	}
	// No usable header (a proxy rewrote it): trust a body that opens with a delimiter line.
	const first = lines.find((line) => line.trim() !== '');
	const match = first === undefined ? null : /^--(\S+?)\s*$/.exec(first);
	return match ? match[1] : undefined;
}

function decodeChangeset(part: MimePart, operations: readonly BatchOperation[], options: DecodeBatchOptions): BatchResult[] {
	const type = parseContentType(part.headers['content-type'] ?? '');
	if (type.mediaType.startsWith('multipart/') && type.params.boundary) {
		const innerParts = splitMultipart(part.bodyLines, type.params.boundary);
		if (innerParts.length > operations.length) {
			throw protocolError(options.system, `a changeset of ${operations.length} requests got ${innerParts.length} responses`);
		}
		// Content-ID first; parts without a known one take the remaining requests in order.
		const assigned = new Map<MimePart, BatchOperation>();
		for (const innerPart of innerParts) {
			const contentId = partContentId(innerPart);
			const match = operations.find((operation) => operation.contentId === contentId);
			if (match && ![...assigned.values()].includes(match)) assigned.set(innerPart, match);
		}
		const unclaimed = operations.filter((operation) => ![...assigned.values()].includes(operation));
		for (const innerPart of innerParts) {
			if (!assigned.has(innerPart)) assigned.set(innerPart, unclaimed.shift() as BatchOperation);
		}
		const results = new Map<BatchOperation, BatchResult>();
		for (const [innerPart, operation] of assigned) results.set(operation, responseResult(innerPart, operation, options));
		return operations.map(
			(operation) =>
				results.get(operation) ?? notExecuted(operation, 'not executed: the changeset response has no part for this request'),
		);
	}
	// A failed changeset is answered with one response for all its requests (OData 4.0, 11.7.4).
	const culpritId = partContentId(part);
	const culprit =
		operations.find((operation) => operation.contentId === culpritId) ?? (operations.length === 1 ? operations[0] : undefined);
	const entities = new Set(operations.map((operation) => operation.request.entity));
	const anonymous = culprit ? undefined : { entity: entities.size === 1 ? operations[0].request.entity : undefined };
	const shared = responseResult(part, culprit ?? operations[0], options, anonymous);
	if (shared.outcome === 'succeeded' && operations.length === 1) return [shared];
	const error =
		shared.error ??
		protocolError(options.system, `a changeset of ${operations.length} requests was answered with a single HTTP ${shared.status}`);
	return operations.map((operation) => ({
		...shared,
		index: operation.index,
		contentId: operation.contentId,
		request: operation.request,
		outcome: 'failed',
		error,
		changesetFailure: culprit ? { failedContentId: culprit.contentId } : {},
	}));
}

function partContentId(part: MimePart): string | undefined {
	const fromPart = part.headers['content-id'];
	if (fromPart !== undefined) return fromPart.replace(/^<|>$/g, '');
	const { headers } = safeParse(part);
	return headers?.['content-id']?.replace(/^<|>$/g, '');
}

function safeParse(part: MimePart): Partial<ReturnType<typeof parseHttpResponseLines>> {
	try {
		return parseHttpResponseLines(part.bodyLines);
	} catch {
		return {};
	}
}

function responseResult(
	part: MimePart,
	operation: BatchOperation,
	options: DecodeBatchOptions,
	/** Set when the response is for a whole changeset and no request is known to be the culprit. */
	anonymous?: { entity?: string },
): BatchResponseResult {
	let message;
	try {
		message = parseHttpResponseLines(part.bodyLines);
	} catch (error) {
		throw protocolError(options.system, `unreadable response for request ${operation.contentId}: ${(error as Error).message}`);
	}
	const json = parseJson(message);
	const base = {
		index: operation.index,
		contentId: operation.contentId,
		request: operation.request,
		status: message.status,
		headers: message.headers,
		body: message.body,
		...(json === undefined ? {} : { json }),
	};
	if (message.status >= 200 && message.status < 300) return { ...base, outcome: 'succeeded' };
	const context: ErrorContext = { system: options.system, entity: anonymous ? anonymous.entity : operation.request.entity };
	if (!anonymous && operation.request.key) context.key = operation.request.key;
	return { ...base, outcome: 'failed', error: errorFromResponse(message, context, { now: options.now }) };
}

function parseJson(message: { headers: Record<string, string>; body: string }): unknown {
	if (message.body === '' || !/json/i.test(message.headers['content-type'] ?? 'application/json')) return undefined;
	try {
		return JSON.parse(message.body) as unknown;
	} catch {
		return undefined;
	}
}

function notExecuted(operation: BatchOperation, reason: string): BatchNotExecutedResult {
	return { index: operation.index, contentId: operation.contentId, request: operation.request, outcome: 'not-executed', reason };
}

function protocolError(system: SystemName, detail: string): ODataError {
	return new ODataError({ system, transient: false, detail: `malformed $batch response: ${detail}` });
}
