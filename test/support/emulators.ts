/**
 * Token, F&O and Dataverse emulators on loopback (port 0, through emulators/index.ts) for integration tests, with an authenticated Transport
 * per system: the axios transport plus a bearer token from the token emulator's v2 endpoint, cached until
 * shortly before it expires.
 */
import { INTEGRATION_APP, TENANT_ID, type AppRegistration } from '../../emulators/common/directory';
import type { WorldOptions } from '../../emulators/common/world';
import type { DataverseEmulator } from '../../emulators/dataverse';
import type { FoEmulator } from '../../emulators/fo';
import { startEmulators as startSharedEmulators } from '../../emulators';
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
	const running = await startSharedEmulators({
		ports: { token: 0, fo: 0, dataverse: 0 },
		seed: options.seed ?? { customersPerCompany: 25 },
		foPageSize: options.foPageSize,
		eventRetryDelayMs: 20,
	});
	const axios = createAxiosTransport();
	const system = <E>(url: string, emulator: E): EmulatedSystem<E> => ({
		url,
		emulator,
		transport: authenticated(axios, bearerTokens(running.token.url, app, url)),
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
	const emulators: Emulators = {
		tokenUrl: running.token.url,
		fo: system(running.fo.url, running.fo.emulator),
		dataverse: system(running.dataverse.url, running.dataverse.emulator),
		close: async () => {
			axios.close();
			await running.close();
		},
	};
	if (options.dataverseMaxPageSize !== undefined) await emulators.dataverse.admin('POST', '/_emulator/settings', { maxPageSize: options.dataverseMaxPageSize });
	return emulators;
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
