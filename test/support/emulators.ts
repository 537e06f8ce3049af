/**
 * Token, F&O and Dataverse emulators on loopback (port 0) for integration tests, with an authenticated Transport
 * per system: the axios transport plus a bearer token from the token emulator's v2 endpoint, cached until
 * shortly before it expires.
 */
import { INTEGRATION_APP, TENANT_ID, type AppRegistration } from '../../emulators/common/directory';
import { startHttpServer, type Handler, type RunningServer } from '../../emulators/common/http';
import type { WorldOptions } from '../../emulators/common/world';
import { createDataverseEmulator, type DataverseEmulator } from '../../emulators/dataverse';
import { createFoEmulator, type FoEmulator } from '../../emulators/fo';
import { createTokenHandler } from '../../emulators/token/server';
import type { Transport } from '../../lib/odata';
import { createAxiosTransport, type AxiosTransport } from './axios-transport';

export interface EmulatedSystem<E> {
	/** Environment URL (the server's origin), as a connector's `environmentUrl`. */
	url: string;
	emulator: E;
	/** Authenticated as the integration app. */
	transport: Transport;
	/** Admin API (`/_emulator/...`, no token): faults, stats, settings, reset. */
	admin<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface Emulators {
	tokenUrl: string;
	fo: EmulatedSystem<FoEmulator>;
	dataverse: EmulatedSystem<DataverseEmulator>;
	close(): Promise<void>;
}

export interface EmulatorsOptions {
	seed?: WorldOptions | false;
	foPageSize?: number;
	dataverseMaxPageSize?: number;
	app?: AppRegistration;
}

/** Refreshes a minute early, so a token never expires between the check and the request. */
const EXPIRY_MARGIN_MS = 60_000;

export async function startEmulators(options: EmulatorsOptions = {}): Promise<Emulators> {
	const app = options.app ?? INTEGRATION_APP;
	const seed = options.seed ?? { customersPerCompany: 25 };
	const tokenServer = await startHttpServer(createTokenHandler().handler, 0);
	const axios = createAxiosTransport();
	const servers: RunningServer[] = [tokenServer];

	// An emulator needs its own URL (token audience, links) and the server needs the handler: a box breaks the cycle.
	const serve = async <E extends { handler: Handler }>(create: (baseUrl: string) => E) => {
		const box: { emulator?: E } = {};
		const server = await startHttpServer((request) => (box.emulator as E).handler(request), 0);
		servers.push(server);
		box.emulator = create(server.url);
		return { server, emulator: box.emulator };
	};
	const fo = await serve((baseUrl) => createFoEmulator({ baseUrl, pageSize: options.foPageSize, seed, eventRetryDelayMs: 20 }));
	const dataverse = await serve((baseUrl) =>
		createDataverseEmulator({ baseUrl, seed, ...(options.dataverseMaxPageSize ? { maxPageSize: options.dataverseMaxPageSize } : {}) }),
	);

	const system = <E>(url: string, emulator: E): EmulatedSystem<E> => ({
		url,
		emulator,
		transport: authenticated(axios, bearerTokens(tokenServer.url, app, url)),
		admin: async <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => {
			const response = await fetch(`${url}${path}`, {
				method,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await response.text();
			if (!response.ok) throw new Error(`${method} ${path} -> ${response.status} ${text}`);
			return (text ? JSON.parse(text) : undefined) as T;
		},
	});

	return {
		tokenUrl: tokenServer.url,
		fo: system(fo.server.url, fo.emulator),
		dataverse: system(dataverse.server.url, dataverse.emulator),
		close: async () => {
			axios.close();
			await fo.emulator.close();
			await dataverse.emulator.close();
			await Promise.all(servers.map((server) => server.close()));
		},
	};
}

/** Client-credentials tokens for `<resource>/.default`, cached until shortly before expiry. */
export function bearerTokens(tokenUrl: string, app: AppRegistration, resource: string): () => Promise<string> {
	let cached: { token: string; expiresAt: number } | undefined;
	return async () => {
		if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return cached.token;
		const response = await fetch(`${tokenUrl}/${TENANT_ID}/oauth2/v2.0/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: `${resource}/.default` }),
		});
		if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
		const body = (await response.json()) as { access_token: string; expires_in: number | string };
		cached = { token: body.access_token, expiresAt: Date.now() + Number(body.expires_in) * 1000 };
		return cached.token;
	};
}

export function authenticated(transport: AxiosTransport | Transport, token: () => Promise<string>): Transport {
	return async (request) => transport({ ...request, headers: { ...request.headers, Authorization: `Bearer ${await token()}` } });
}
