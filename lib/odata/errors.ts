/**
 * One error type for everything an OData server can answer with, from either system, so that connectors, the
 * journal and the error log can store and show errors without knowing which back end produced them.
 */
import { parseRetryAfter } from './retry-after';
import { SYSTEM_LABELS, type SystemName } from './system';
import type { HttpResponse } from './transport';

export interface ErrorContext {
	system: SystemName;
	/** Entity set (F&O public collection name or Dataverse entity set name). */
	entity?: string;
	key?: Readonly<Record<string, unknown>>;
}

export interface ODataErrorDetails extends ErrorContext {
	status?: number;
	serverCode?: string;
	serverMessage?: string;
	innerMessage?: string;
	innerType?: string;
	retryAfterMs?: number;
	transient: boolean;
	/** What went wrong when the server gave no message (non-JSON body, protocol violation). */
	detail?: string;
}

export class ODataError extends Error {
	readonly system: SystemName;
	readonly entity?: string;
	readonly key?: Readonly<Record<string, unknown>>;
	/** Undefined when no HTTP status applies (e.g. a protocol violation such as a nextLink loop). */
	readonly status?: number;
	/** Dataverse hex code such as `0x80040265`; F&O sends an empty code. */
	readonly serverCode?: string;
	readonly serverMessage?: string;
	/** F&O `innererror.message` (the Infolog), or Dataverse's `@Microsoft.PowerApps.CDS.InnerError.Message`. */
	readonly innerMessage?: string;
	/** F&O `innererror.type`, e.g. `...OData.AxODataWriteException`. */
	readonly innerType?: string;
	readonly retryAfterMs?: number;
	/** Worth retrying later: throttling, gateway errors, a 500 that is not a business-rule failure. */
	readonly transient: boolean;

	constructor(details: ODataErrorDetails, options?: { cause?: unknown }) {
		super(composeMessage(details), options);
		this.name = 'ODataError';
		this.system = details.system;
		this.entity = details.entity;
		this.key = details.key;
		this.status = details.status;
		this.serverCode = details.serverCode;
		this.serverMessage = details.serverMessage;
		this.innerMessage = details.innerMessage;
		this.innerType = details.innerType;
		this.retryAfterMs = details.retryAfterMs;
		this.transient = details.transient;
	}

	/** Errors are journaled and shown in n8n items; JSON.stringify of an Error would drop the message. */
	toJSON(): Record<string, unknown> {
		const { name, message, system, entity, key, status, serverCode, serverMessage, innerMessage, innerType, retryAfterMs, transient } = this;
		return Object.fromEntries(
			Object.entries({ name, message, system, entity, key, status, serverCode, serverMessage, innerMessage, innerType, retryAfterMs, transient }).filter(
				([, value]) => value !== undefined,
			),
		);
	}
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	408: 'Request Timeout',
	409: 'Conflict',
	412: 'Precondition Failed',
	413: 'Payload Too Large',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	501: 'Not Implemented',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
};

const MAX_VALUE_LENGTH = 80;
const MAX_DETAIL_LENGTH = 300;

function composeMessage(details: ODataErrorDetails): string {
	let subject = SYSTEM_LABELS[details.system];
	if (details.entity) subject += ` ${details.entity}`;
	if (details.key && Object.keys(details.key).length > 0) subject += ` ${formatKeyForMessage(details.key)}`;
	const parts: string[] = [];
	if (details.status !== undefined) {
		const text = STATUS_TEXT[details.status];
		parts.push(`HTTP ${details.status}${text ? ` ${text}` : ''}`);
	}
	if (details.serverCode) parts.push(`[${details.serverCode}]`);
	const explanation = [details.innerMessage, details.serverMessage, details.detail].filter(
		(text, index, all): text is string => !!text && all.indexOf(text) === index,
	);
	// F&O's outer message is always "An error has occurred."; the Infolog in the inner message is what helps.
	if (explanation.length > 0) parts.push(explanation[0] + (explanation.length > 1 ? ` (${explanation.slice(1).join('; ')})` : ''));
	return `${subject}: ${parts.join(' ')}`;
}

function formatKeyForMessage(key: Readonly<Record<string, unknown>>): string {
	const fields = Object.entries(key).map(([name, value]) => {
		const text = typeof value === 'string' ? `'${value}'` : value instanceof Date ? value.toISOString() : String(value);
		return `${name}=${truncate(text, MAX_VALUE_LENGTH)}`;
	});
	return `(${fields.join(', ')})`;
}

function truncate(text: string, max: number): string {
	return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Error bodies are shown to people and stored in logs; a proxy or a misconfigured service could echo a token.
 */
export function redactSecrets(text: string): string {
	return text
		.replace(/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]')
		.replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted token]')
		.replace(/\b(access_token|refresh_token|id_token|client_secret|password)(["']?\s*[=:]\s*["']?)[^\s"'&,;}]+/gi, '$1$2[redacted]');
}

/**
 * Business-rule failures on F&O come back as 500 with an AxODataWriteException (validateField / validateWrite,
 * duplicate key, missing related record). Sending the same request again fails the same way.
 */
export function isFoBusinessFailure(innerType: string | undefined, innerMessage: string | undefined): boolean {
	if (innerType && /\.AxOData(Write|Delete)Exception$/.test(innerType)) return true;
	return !!innerMessage && /^(Write|Delete|Update|Create) failed for table row\b/.test(innerMessage);
}

export function isTransientStatus(status: number, innerType?: string, innerMessage?: string): boolean {
	if (status === 408 || status === 429 || status === 502 || status === 503 || status === 504) return true;
	if (status === 500) return !isFoBusinessFailure(innerType, innerMessage);
	return false;
}

interface ParsedErrorBody {
	serverCode?: string;
	serverMessage?: string;
	innerMessage?: string;
	innerType?: string;
	detail?: string;
}

function asString(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	// OData v3 (and some older F&O builds) wrap messages as {"lang":"en-US","value":"..."}.
	if (value && typeof value === 'object' && typeof (value as { value?: unknown }).value === 'string') {
		return (value as { value: string }).value;
	}
	return undefined;
}

function parseErrorBody(body: string): ParsedErrorBody {
	const trimmed = body.trim();
	if (trimmed === '') return {};
	let json: unknown;
	try {
		json = JSON.parse(trimmed);
	} catch {
		return { detail: describeNonJson(trimmed) };
	}
	const error = json && typeof json === 'object' ? (json as { error?: unknown }).error : undefined;
	if (!error || typeof error !== 'object') return { detail: truncate(redactSecrets(trimmed), MAX_DETAIL_LENGTH) };
	const record = error as Record<string, unknown>;
	const inner = record.innererror && typeof record.innererror === 'object' ? (record.innererror as Record<string, unknown>) : {};
	const code = asString(record.code);
	const clean = (text: string | undefined) => (text === undefined || text === '' ? undefined : redactSecrets(text));
	return {
		serverCode: code === '' ? undefined : code,
		serverMessage: clean(asString(record.message)),
		innerMessage: clean(asString(inner.message) ?? asString(record['@Microsoft.PowerApps.CDS.InnerError.Message'])),
		innerType: clean(asString(inner.type)),
	};
}

function describeNonJson(text: string): string {
	const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
	const plain = title ?? text.replace(/<[^>]*>/g, ' ');
	return truncate(redactSecrets(plain.replace(/\s+/g, ' ').trim()), MAX_DETAIL_LENGTH);
}

export interface ErrorFromResponseOptions {
	/** Clock used to turn an HTTP-date Retry-After into a delay. */
	now?: () => number;
}

export function errorFromResponse(
	response: HttpResponse,
	context: ErrorContext,
	options: ErrorFromResponseOptions = {},
): ODataError {
	const parsed = parseErrorBody(response.body);
	const now = options.now ?? Date.now;
	return new ODataError({
		...context,
		status: response.status,
		...parsed,
		retryAfterMs: parseRetryAfter(response.headers['retry-after'], now()),
		transient: isTransientStatus(response.status, parsed.innerType, parsed.innerMessage),
	});
}
