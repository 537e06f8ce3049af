import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An emulator handles requests as plain values: a request in, a response out. Keeping handlers free of
 * node:http lets $batch feed its inner requests back through the very same handler.
 */
export interface EmuRequest {
	method: string;
	/** Path with percent-escapes kept, e.g. `/data/CustomersV3(dataAreaId='usmf',CustomerAccount='O''Brien')`. */
	rawPath: string;
	/** Raw query string without `?`, escapes kept (OData literals are decoded by the parsers that need them). */
	rawQuery: string;
	query: URLSearchParams;
	/** Header names lower-cased. */
	headers: Record<string, string>;
	body: Buffer;
	/** Set for requests that arrived inside a $batch: auth was checked on the batch itself. */
	inBatch?: { contentId?: string; changeset?: string };
	/** Authenticated caller, filled in by the emulator's auth step. */
	caller?: Caller;
}

export interface Caller {
	appId: string;
	objectId: string;
	tenantId: string;
}

export interface EmuResponse {
	status: number;
	headers?: Record<string, string>;
	body?: string | Buffer;
}

export type Handler = (req: EmuRequest) => Promise<EmuResponse>;

export const STATUS_TEXT: Record<number, string> = http.STATUS_CODES as Record<number, string>;

export function json(status: number, value: unknown, headers: Record<string, string> = {}): EmuResponse {
	return {
		status,
		headers: { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', ...headers },
		body: JSON.stringify(value),
	};
}

export function empty(status: number, headers: Record<string, string> = {}): EmuResponse {
	return { status, headers };
}

export function splitUrl(url: string): { rawPath: string; rawQuery: string } {
	const q = url.indexOf('?');
	return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

export function makeRequest(
	method: string,
	url: string,
	headers: Record<string, string>,
	body: Buffer,
): EmuRequest {
	const { rawPath, rawQuery } = splitUrl(url);
	const lower: Record<string, string> = {};
	for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
	return { method: method.toUpperCase(), rawPath, rawQuery, query: new URLSearchParams(rawQuery), headers: lower, body };
}

export interface RunningServer {
	url: string;
	port: number;
	close(): Promise<void>;
}

/** Starts a loopback HTTP server around a handler. Port 0 picks a free port. */
export async function startHttpServer(handler: Handler, port: number, host = '127.0.0.1'): Promise<RunningServer> {
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const headers: Record<string, string> = {};
			for (const [k, v] of Object.entries(req.headers)) {
				if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
			}
			const emuReq = makeRequest(req.method ?? 'GET', req.url ?? '/', headers, Buffer.concat(chunks));
			handler(emuReq)
				.catch((error: unknown) => internalError(error))
				.then((out) => {
					const body = out.body === undefined ? undefined : Buffer.isBuffer(out.body) ? out.body : Buffer.from(out.body);
					const hdrs: Record<string, string> = { ...(out.headers ?? {}) };
					if (body !== undefined) hdrs['content-length'] = String(body.length);
					else if (out.status !== 204 && out.status !== 304) hdrs['content-length'] = '0';
					res.writeHead(out.status, hdrs);
					res.end(body);
				})
				.catch(() => res.destroy());
		});
	});
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => resolve());
	});
	const actual = (server.address() as AddressInfo).port;
	return {
		url: `http://${host}:${actual}`,
		port: actual,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

function internalError(error: unknown): EmuResponse {
	const message = error instanceof Error ? error.message : String(error);
	return json(500, { error: { code: '', message: `Emulator internal error: ${message}` } });
}
