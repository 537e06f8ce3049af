/**
 * The HTTP seam of lib/: every module that talks to F&O or Dataverse receives a Transport instead of importing an
 * HTTP client. n8n nodes pass one built on `this.helpers.httpRequestWithAuthentication` (proxies, credentials,
 * token refresh); tests, emulators and benches pass the axios one in test/support.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRequest {
	method: HttpMethod;
	/** Absolute URL, already encoded (see keys.ts and query.ts). */
	url: string;
	headers: Record<string, string>;
	body?: string;
}

export interface HttpResponse {
	status: number;
	/** Header names are lower-case. */
	headers: Record<string, string>;
	/** Raw text: a $batch response is multipart and must reach batch.ts undecoded. */
	body: string;
}

/**
 * Resolves with every HTTP status (4xx and 5xx included) so that callers decide what an error is; rejects only when
 * no response was received, preferably with a {@link NetworkError}.
 */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A failure before any HTTP status was received. `code` follows Node's socket error codes (ECONNRESET, ETIMEDOUT,
 * ...) because that is what retry.ts classifies. The message must never carry request headers: HTTP client errors
 * often embed the request config, Authorization header included.
 */
export class NetworkError extends Error {
	readonly code: string;

	constructor(code: string, message: string) {
		super(message);
		this.name = 'NetworkError';
		this.code = code;
	}
}

export function isSuccessStatus(status: number): boolean {
	return status >= 200 && status < 300;
}

/** Case-insensitive header lookup, for header maps that did not come through a Transport (e.g. $batch parts). */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted) return value;
	}
	return undefined;
}
