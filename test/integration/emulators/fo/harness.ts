import { APPS, INTEGRATION_APP, TENANT_ID, type AppRegistration } from '../../../../emulators/common/directory';
import { startHttpServer, type EmuRequest, type EmuResponse, type RunningServer } from '../../../../emulators/common/http';
import { parseBatchResponse, type BatchResponseItem } from '../../../../emulators/common/multipart';
import type { WorldOptions } from '../../../../emulators/common/world';
import { createFoEmulator, type FoEmulator } from '../../../../emulators/fo';
import { createTokenHandler } from '../../../../emulators/token/server';

/**
 * Starts the token emulator and an F&O emulator on loopback (port 0) and fetches real tokens from the
 * token endpoint, so every test goes through the same HTTP, auth and fault layers a client sees.
 */
export interface Harness {
	fo: FoEmulator;
	url: string;
	tokenUrl: string;
	token(app?: AppRegistration, scope?: string): Promise<string>;
	call(method: string, path: string, init?: CallInit): Promise<Reply>;
	get<T = Record<string, unknown>>(path: string, init?: CallInit): Promise<T>;
	batch(parts: BatchPart[], init?: CallInit): Promise<{ status: number; items: BatchResponseItem[] }>;
	close(): Promise<void>;
}

export interface CallInit {
	body?: unknown;
	headers?: Record<string, string>;
	/** Bearer token to use; default: the integration app's. `null` sends no Authorization header. */
	token?: string | null;
}

export interface Reply {
	status: number;
	headers: Headers;
	text: string;
	json: <T = Record<string, unknown>>() => T;
}

export type BatchRequest = { method: string; url: string; body?: unknown; contentId?: string; headers?: Record<string, string> };
export type BatchPart = BatchRequest | { changeset: BatchRequest[] };

export interface HarnessOptions {
	pageSize?: number;
	seed?: WorldOptions | false;
	eventRetryDelayMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
	const tokens = await startHttpServer(createTokenHandler().handler, 0);
	// The emulator needs the server's URL (token audience, links), so the server starts first and forwards.
	const holder: { fo?: FoEmulator } = {};
	const server: RunningServer = await startHttpServer((req: EmuRequest): Promise<EmuResponse> => (holder.fo as FoEmulator).handler(req), 0);
	const emulator = createFoEmulator({ baseUrl: server.url, pageSize: options.pageSize, seed: options.seed ?? { customersPerCompany: 25 }, eventRetryDelayMs: options.eventRetryDelayMs ?? 20 });
	holder.fo = emulator;
	const cache = new Map<string, string>();

	const token = async (app: AppRegistration = INTEGRATION_APP, scope = `${server.url}/.default`): Promise<string> => {
		const cacheKey = `${app.clientId} ${scope}`;
		const cached = cache.get(cacheKey);
		if (cached) return cached;
		const res = await fetch(`${tokens.url}/${TENANT_ID}/oauth2/v2.0/token`, {
			method: 'POST',
			body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope }),
		});
		if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
		const value = ((await res.json()) as { access_token: string }).access_token;
		cache.set(cacheKey, value);
		return value;
	};

	const call = async (method: string, path: string, init: CallInit = {}): Promise<Reply> => {
		const headers: Record<string, string> = { ...(init.headers ?? {}) };
		const bearer = init.token === undefined ? await token() : init.token;
		if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
		let body: string | Buffer | undefined;
		if (init.body !== undefined) {
			body = typeof init.body === 'string' || Buffer.isBuffer(init.body) ? init.body : JSON.stringify(init.body);
			headers['content-type'] ??= 'application/json';
		}
		const res = await fetch(path.startsWith('http') ? path : `${server.url}${path}`, { method, headers, body });
		const text = await res.text();
		return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
	};

	const get = async <T>(path: string, init?: CallInit): Promise<T> => {
		const r = await call('GET', path, init);
		if (r.status !== 200) throw new Error(`GET ${path} -> ${r.status} ${r.text}`);
		return r.json<T>();
	};

	const batch = async (parts: BatchPart[], init: CallInit = {}) => {
		const body = buildBatch(parts);
		const r = await call('POST', '/data/$batch', { ...init, body: body.body, headers: { 'content-type': body.contentType, ...(init.headers ?? {}) } });
		if (r.status !== 200) return { status: r.status, items: [] };
		return { status: r.status, items: parseBatchResponse(r.headers.get('content-type') ?? '', Buffer.from(r.text, 'utf8')) };
	};

	return {
		fo: emulator,
		url: server.url,
		tokenUrl: tokens.url,
		token,
		call,
		get,
		batch,
		close: async () => {
			await emulator.close();
			await server.close();
			await tokens.close();
		},
	};
}

export function buildBatch(parts: BatchPart[]): { contentType: string; body: string } {
	const boundary = 'batch_test_7f3a';
	const request = (r: BatchRequest) => {
		const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
		if (r.contentId) lines.push(`Content-ID: ${r.contentId}`);
		lines.push('', `${r.method} ${r.url} HTTP/1.1`);
		for (const [k, v] of Object.entries(r.headers ?? {})) lines.push(`${k}: ${v}`);
		if (r.body !== undefined) lines.push('Content-Type: application/json; type=entry');
		lines.push('', r.body === undefined ? '' : JSON.stringify(r.body));
		return lines.join('\r\n');
	};
	let out = '';
	parts.forEach((p, i) => {
		out += `--${boundary}\r\n`;
		if ('changeset' in p) {
			const cs = `changeset_${i}`;
			out += `Content-Type: multipart/mixed; boundary=${cs}\r\n\r\n`;
			for (const r of p.changeset) out += `--${cs}\r\n${request(r)}\r\n`;
			out += `--${cs}--\r\n`;
		} else out += `${request(p)}\r\n`;
	});
	out += `--${boundary}--\r\n`;
	return { contentType: `multipart/mixed; boundary=${boundary}`, body: out };
}

/** Encodes a key value for a URL the way careful clients do: quotes doubled, then percent-encoded. */
export const keyLiteral = (v: string) => `'${encodeURIComponent(v.replace(/'/g, "''"))}'`;
export const customerPath = (company: string, account: string) => `/data/CustomersV3(dataAreaId=${keyLiteral(company)},CustomerAccount=${keyLiteral(account)})`;

export const OTHER_APPS = APPS;

/** A webhook receiver on loopback that records requests and answers with scripted statuses. */
export interface Receiver {
	url: string;
	received: Array<{ headers: Record<string, string>; body: Record<string, unknown>; at: number }>;
	/** Statuses to answer with, consumed in order; 200 when empty. */
	script: number[];
	delayMs: number;
	waitFor(count: number, timeoutMs?: number): Promise<void>;
	close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
	const received: Receiver['received'] = [];
	const state = { script: [] as number[], delayMs: 0 };
	const server = await startHttpServer(async (req) => {
		if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
		received.push({ headers: req.headers, body: JSON.parse(req.body.toString('utf8')) as Record<string, unknown>, at: Date.now() });
		const status = state.script.shift() ?? 200;
		return { status, body: '' };
	}, 0);
	const receiver: Receiver = {
		url: `${server.url}/hook`,
		received,
		get script() {
			return state.script;
		},
		set script(v: number[]) {
			state.script = v;
		},
		get delayMs() {
			return state.delayMs;
		},
		set delayMs(v: number) {
			state.delayMs = v;
		},
		async waitFor(count, timeoutMs = 5000) {
			const until = Date.now() + timeoutMs;
			while (received.length < count) {
				if (Date.now() > until) throw new Error(`receiver got ${received.length} of ${count} deliveries`);
				await new Promise((r) => setTimeout(r, 10));
			}
		},
		close: () => server.close(),
	};
	return receiver;
}
