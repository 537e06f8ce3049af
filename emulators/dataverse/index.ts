import { verifyBearer } from '../common/directory';
import { Faults, type FaultResponses } from '../common/faults';
import type { Handler } from '../common/http';
import type { WorldOptions } from '../common/world';
import { adminHandler } from './admin';
import { Engine, type Settings } from './engine';
import { CODES, DvError, errorResponse } from './errors';
import { createRouter } from './router';
import { seed, type Projection, type SeedOptions } from './seed';
import { Store } from './store';
import { Webhooks } from './webhooks';

/**
 * Dataverse Web API emulator. `handler` is the faults-wrapped router; mount it with
 * `startHttpServer(handler, port)` at the origin given as `baseUrl` (which is also the token audience).
 */
export interface DataverseEmulatorOptions {
	/** Server origin, e.g. `http://127.0.0.1:4012`: used in @odata.context, OData-EntityId, links and as token audience. */
	baseUrl: string;
	/** World options for the seed; `false` = no business data (system rows only). */
	seed?: WorldOptions | false;
	/** More of the world to project into Dataverse at start (default: companies, currencies, units, own parties). */
	project?: Projection[];
	webhookTimeoutMs?: number;
	/** Page size default/maximum (Dataverse: 5,000). */
	maxPageSize?: number;
	/** Used in the 401 WWW-Authenticate header; default the public Entra authority for the emulator tenant. */
	authorityUrl?: string;
}

export interface DataverseEmulator {
	handler: Handler;
	faults: Faults;
	engine: Engine;
	webhooks: Webhooks;
	/** Waits for queued asynchronous webhook deliveries. */
	drain(): Promise<void>;
	close(): Promise<void>;
}

const protectionMessage = 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.';

export const dataverseFaultResponses: FaultResponses = {
	throttled: (retryAfterSec) =>
		errorResponse(new DvError(429, CODES.throttled, protectionMessage), { 'retry-after': String(retryAfterSec) }),
	serverError: (status) =>
		errorResponse(new DvError(status, CODES.unexpected, status === 503 ? 'The service is temporarily unavailable. Please retry.' : 'An unexpected error occurred.')),
};

export function createDataverseEmulator(opts: DataverseEmulatorOptions): DataverseEmulator {
	const baseUrl = opts.baseUrl.replace(/\/+$/, '');
	const settings: Partial<Settings> = {};
	if (opts.webhookTimeoutMs !== undefined) settings.webhookTimeoutMs = opts.webhookTimeoutMs;
	if (opts.maxPageSize !== undefined) settings.maxPageSize = opts.maxPageSize;
	const engine = new Engine(baseUrl, settings);
	const webhooks = new Webhooks(engine);
	const seedOptions = (world: WorldOptions | false | undefined, project?: Projection[]): SeedOptions | false =>
		world === false ? false : { world: world ?? {}, project: project ?? [] };
	seed(engine, seedOptions(opts.seed, opts.project));
	const router = createRouter(engine, webhooks, { authorityUrl: opts.authorityUrl });
	const reset = (body: unknown) => {
		const b = (body ?? {}) as { seed?: WorldOptions | false; project?: Projection[] };
		engine.store = new Store(engine.schema);
		seed(engine, seedOptions(b.seed ?? opts.seed, b.project ?? opts.project));
	};
	const admin = adminHandler(engine, webhooks, reset);
	const faults = new Faults('dataverse', dataverseFaultResponses);
	const inner: Handler = (req) => (req.rawPath.startsWith('/_emulator/') ? admin(req) : router.route(req));
	// Service protection is per user: the faults' caller key is the token's appid.
	const handler = faults.wrap(inner, (req) => {
		const check = verifyBearer(req.headers.authorization, baseUrl);
		return check.ok ? check.claims.appid : undefined;
	});
	return {
		handler,
		faults,
		engine,
		webhooks,
		drain: () => webhooks.drain(),
		close: async () => {
			await webhooks.drain();
		},
	};
}

export type { Projection } from './seed';
