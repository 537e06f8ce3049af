/**
 * Server-driven paging: one page in memory at a time, however large the collection (initial sync reads millions
 * of rows). F&O pages with `$skip`-style nextLinks, Dataverse with `$skiptoken` and `Prefer: odata.maxpagesize`.
 */
import { ODataError, type ErrorContext } from './errors';
import { sendRequest, type SendOptions } from './request';
import { headerValue, type Transport } from './transport';

export type ODataRecord = Record<string, unknown>;

export interface Page {
	records: ODataRecord[];
	/** `@odata.count`, when `$count=true` was asked for. */
	count?: number;
	/** Absolute URL of the next page; absent on the last page. */
	nextLink?: string;
	/** Dataverse change tracking: present on the last page of a track-changes read. */
	deltaLink?: string;
	/** The URL this page was read from, for checkpoints: re-reading it resumes a run. */
	url: string;
	/** 0-based. */
	index: number;
}

export interface ReadPagesOptions extends SendOptions {
	context: ErrorContext;
	/** Sent with every page request (nextLinks need the same Prefer and auth-independent headers). */
	headers?: Readonly<Record<string, string>>;
	/** Sends `Prefer: odata.maxpagesize=N` (Dataverse; F&O ignores it). */
	maxPageSize?: number;
}

export async function* readPages(
	transport: Transport,
	firstUrl: string,
	options: ReadPagesOptions,
): AsyncGenerator<Page, void, undefined> {
	const headers = pageHeaders(options);
	const origin = new URL(firstUrl).origin;
	// Compared in WHATWG-normalised form; the URLs themselves are sent exactly as built or as the server wrote them.
	const visited = new Set<string>();
	let url: string | undefined = firstUrl;
	for (let index = 0; url !== undefined; index++) {
		visited.add(new URL(url).href);
		const response = await sendRequest(transport, { method: 'GET', url, headers }, options.context, options);
		const page = parseCollection(response.body, url, index, options.context);
		if (page.nextLink !== undefined) {
			const next = new URL(page.nextLink);
			if (next.origin !== origin) {
				// Following it would send our credentials to another host.
				throw protocolError(options.context, `nextLink points to another origin (${next.origin})`);
			}
			if (visited.has(next.href)) {
				throw protocolError(options.context, `nextLink loop: page ${index} links back to ${truncateUrl(page.nextLink)}`);
			}
		}
		yield page;
		url = page.nextLink;
	}
}

function pageHeaders(options: ReadPagesOptions): Record<string, string> {
	const headers: Record<string, string> = { ...(options.headers ?? {}) };
	if (headerValue(headers, 'accept') === undefined) headers.Accept = 'application/json';
	if (options.maxPageSize !== undefined) {
		if (!Number.isSafeInteger(options.maxPageSize) || options.maxPageSize <= 0) {
			throw new RangeError(`maxPageSize must be a positive integer, got ${options.maxPageSize}`);
		}
		const preferName = Object.keys(headers).find((name) => name.toLowerCase() === 'prefer') ?? 'Prefer';
		const preferences = (headers[preferName] ?? '')
			.split(',')
			.map((item) => item.trim())
			.filter((item) => item !== '' && !/^odata\.maxpagesize\s*=/i.test(item));
		preferences.push(`odata.maxpagesize=${options.maxPageSize}`);
		headers[preferName] = preferences.join(',');
	}
	return headers;
}

function parseCollection(body: string, url: string, index: number, context: ErrorContext): Page {
	let json: unknown;
	try {
		json = JSON.parse(body);
	} catch {
		throw protocolError(context, `page ${index} is not JSON`);
	}
	const value = json && typeof json === 'object' ? (json as Record<string, unknown>).value : undefined;
	if (!Array.isArray(value)) throw protocolError(context, `page ${index} is not an OData collection (no "value" array)`);
	const record = json as Record<string, unknown>;
	const page: Page = { records: value as ODataRecord[], url, index };
	const count = record['@odata.count'];
	if (typeof count === 'number' || (typeof count === 'string' && /^\d+$/.test(count))) page.count = Number(count);
	const nextLink = record['@odata.nextLink'];
	if (typeof nextLink === 'string' && nextLink !== '') page.nextLink = absolute(nextLink, url);
	const deltaLink = record['@odata.deltaLink'];
	if (typeof deltaLink === 'string' && deltaLink !== '') page.deltaLink = absolute(deltaLink, url);
	return page;
}

function absolute(link: string, base: string): string {
	return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(link) ? link : new URL(link, base).href;
}

function protocolError(context: ErrorContext, detail: string): ODataError {
	return new ODataError({ ...context, transient: false, detail });
}

function truncateUrl(url: string): string {
	return url.length > 200 ? `${url.slice(0, 199)}…` : url;
}
