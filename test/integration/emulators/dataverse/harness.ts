import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTEGRATION_APP, TENANT_ID, USER_APP, type AppRegistration } from '../../../../emulators/common/directory';
import { startHttpServer, type RunningServer } from '../../../../emulators/common/http';
import { createDataverseEmulator, type DataverseEmulator, type DataverseEmulatorOptions } from '../../../../emulators/dataverse';
import { createTokenHandler } from '../../../../emulators/token/server';

/**
 * Conformance-test harness: the real token emulator and the Dataverse emulator on loopback (port 0),
 * tokens fetched through `POST /{tenant}/oauth2/v2.0/token`, Node's global fetch, and a small receiver
 * that records webhook deliveries and answers as a test tells it to.
 */
export interface Reply {
	status: number;
	headers: Headers;
	text: string;
	json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
	dv: DataverseEmulator;
	url: string;
	api: string;
	token: RunningServer;
	tokens: { integration: string; user: string };
	getToken(app: AppRegistration, scope?: string): Promise<string>;
	req(method: string, path: string, opts?: { headers?: Record<string, string>; body?: unknown; token?: string | null }): Promise<Reply>;
	companyId(code: string): Promise<string>;
	close(): Promise<void>;
}

export async function startHarness(options: Partial<DataverseEmulatorOptions> = {}): Promise<Harness> {
	const token = await startHttpServer(createTokenHandler().handler, 0);
	// The emulator needs the server's URL and the server needs the emulator's handler: a box breaks the cycle.
	const box: { dv?: DataverseEmulator } = {};
	const server = await startHttpServer((req) => (box.dv as DataverseEmulator).handler(req), 0);
	const dv = createDataverseEmulator({ baseUrl: server.url, ...options });
	box.dv = dv;
	const getToken = async (app: AppRegistration, scope = `${server.url}/.default`) => {
		const r = await fetch(`${token.url}/${TENANT_ID}/oauth2/v2.0/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope }),
		});
		if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${await r.text()}`);
		return ((await r.json()) as { access_token: string }).access_token;
	};
	const tokens = { integration: await getToken(INTEGRATION_APP), user: await getToken(USER_APP) };
	const api = `${server.url}/api/data/v9.2`;
	const req: Harness['req'] = async (method, path, opts = {}) => {
		const headers: Record<string, string> = { accept: 'application/json', 'odata-version': '4.0', 'odata-maxversion': '4.0', ...(opts.headers ?? {}) };
		const tok = opts.token === undefined ? tokens.integration : opts.token;
		if (tok) headers.authorization = `Bearer ${tok}`;
		let body: string | Buffer | undefined;
		if (opts.body !== undefined) {
			body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
			if (!headers['content-type']) headers['content-type'] = 'application/json';
		}
		const url = path.startsWith('http') ? path : path.startsWith('/') ? `${server.url}${path}` : `${api}/${path}`;
		const r = await fetch(url, { method, headers, body });
		const text = await r.text();
		let json: unknown;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			json = undefined;
		}
		return { status: r.status, headers: r.headers, text, json };
	};
	const companies = new Map<string, string>();
	const companyId = async (code: string) => {
		if (!companies.has(code)) {
			const r = await req('GET', `cdm_companies?$select=cdm_companyid&$filter=cdm_companycode eq '${code}'`);
			companies.set(code, r.json.value[0].cdm_companyid as string);
		}
		return companies.get(code) as string;
	};
	return {
		dv,
		url: server.url,
		api,
		token,
		tokens,
		getToken,
		req,
		companyId,
		close: async () => {
			await dv.close();
			await server.close();
			await token.close();
		},
	};
}

export interface Delivery {
	path: string;
	query: URLSearchParams;
	headers: http.IncomingHttpHeaders;
	body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
	at: number;
}

export interface Receiver {
	url: string;
	deliveries: Delivery[];
	/** How the next requests are answered: status and optional delay; default 200 at once. */
	respond: (d: Delivery) => Promise<{ status: number; delayMs?: number; body?: string }> | { status: number; delayMs?: number; body?: string };
	waitFor(n: number, timeoutMs?: number): Promise<Delivery[]>;
	close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
	const r: Receiver = {
		url: '',
		deliveries: [],
		respond: () => ({ status: 200 }),
		async waitFor(n, timeoutMs = 5000) {
			const end = Date.now() + timeoutMs;
			while (r.deliveries.length < n) {
				if (Date.now() > end) throw new Error(`expected ${n} deliveries, got ${r.deliveries.length}`);
				await new Promise((res) => setTimeout(res, 10));
			}
			return r.deliveries;
		},
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((res) => server.close(() => res()));
		},
	};
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const u = new URL(req.url ?? '/', 'http://x');
			const text = Buffer.concat(chunks).toString('utf8');
			const d: Delivery = { path: u.pathname, query: u.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined, at: Date.now() };
			r.deliveries.push(d);
			void Promise.resolve(r.respond(d)).then(async (answer) => {
				if (answer.delayMs) await new Promise((res2) => setTimeout(res2, answer.delayMs));
				if (!res.destroyed) {
					res.writeHead(answer.status, { 'content-type': 'text/plain' });
					res.end(answer.body ?? '');
				}
			});
		});
	});
	await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
	r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return r;
}

/** Builds a `multipart/mixed` batch body from simple part descriptions. */
export type PartSpec = { method: string; url: string; body?: unknown; headers?: Record<string, string>; contentId?: string };
export function batchBody(items: Array<PartSpec | { changeset: PartSpec[] }>, boundary = 'batch_test'): { contentType: string; body: string } {
	const lines: string[] = [];
	const part = (p: PartSpec) => {
		const out = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
		if (p.contentId) out.push(`Content-ID: ${p.contentId}`);
		out.push('', `${p.method} ${p.url} HTTP/1.1`);
		if (p.body !== undefined) out.push('Content-Type: application/json');
		for (const [k, v] of Object.entries(p.headers ?? {})) out.push(`${k}: ${v}`);
		out.push('');
		if (p.body !== undefined) out.push(JSON.stringify(p.body));
		return out;
	};
	items.forEach((it, i) => {
		lines.push(`--${boundary}`);
		if ('changeset' in it) {
			const cs = `changeset_${i}`;
			lines.push(`Content-Type: multipart/mixed; boundary=${cs}`, '');
			for (const p of it.changeset) lines.push(`--${cs}`, ...part(p));
			lines.push(`--${cs}--`);
		} else lines.push(...part(it));
	});
	lines.push(`--${boundary}--`, '');
	return { contentType: `multipart/mixed; boundary=${boundary}`, body: lines.join('\r\n') };
}
