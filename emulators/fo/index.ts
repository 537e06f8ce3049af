import type { Handler } from '../common/http';
import { Faults, type FaultResponses } from '../common/faults';
import { json } from '../common/http';
import type { WorldOptions } from '../common/world';
import { ENTITIES } from './entities';
import { EventHub } from './events';
import { buildMetadata } from './metadata';
import { MAX_PAGE_SIZE } from './query';
import { createRouter, type FoSettings } from './router';
import { seedStore } from './seed';
import { Store } from './store';
import { UserRegistry } from './users';
import { Writer } from './write';

export interface FoEmulatorOptions {
	/** The server's own origin, e.g. http://127.0.0.1:4011: token audience, @odata.context, nextLinks. */
	baseUrl: string;
	/** Server-driven page size (default and maximum 10,000, as F&O documents). */
	pageSize?: number;
	/** World to seed (default: generateWorld's defaults); false for an empty store. */
	seed?: WorldOptions | false;
	/** Wait between event delivery retries (default 1000 ms). */
	eventRetryDelayMs?: number;
}

export interface FoEmulator {
	handler: Handler;
	faults: Faults;
	store: Store;
	events: EventHub;
	settings: FoSettings;
	close(): Promise<void>;
}

/** F&O-style fault responses: 429 with Retry-After in seconds, and the OData error body for 5xx. */
const foFaultResponses: FaultResponses = {
	throttled: (retryAfterSec) =>
		json(429, { error: { code: '', message: `The request was throttled by priority-based throttling. Retry after ${retryAfterSec} seconds.` } }, { 'retry-after': String(retryAfterSec) }),
	serverError: (status) => json(status, { error: { code: '', message: 'An error has occurred.' } }),
};

/** The caller's app id, read without verification: only used to key per-caller rate limits. */
function appIdOf(authorization: string | undefined): string | undefined {
	const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
	try {
		return token ? ((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { appid?: string }).appid ?? undefined) : undefined;
	} catch {
		return undefined;
	}
}

export function createFoEmulator(opts: FoEmulatorOptions): FoEmulator {
	const baseUrl = opts.baseUrl.replace(/\/+$/, '');
	const settings: FoSettings = { pageSize: Math.min(opts.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE) };
	const store = new Store(ENTITIES);
	const seed = () => {
		store.clear();
		if (opts.seed !== false) seedStore(store, opts.seed ?? {});
	};
	seed();
	const legalEntities = store.set('LegalEntities');
	// With no legal entities loaded (seed: false) any company id is accepted, so an empty store stays usable.
	const writer = new Writer(store, (id) => !legalEntities?.count || legalEntities.get('', id.toLowerCase()) !== undefined);
	const events = new EventHub(store, baseUrl, { retryCount: 3, retryDelayMs: opts.eventRetryDelayMs ?? 1000, timeoutMs: 10_000 });
	const users = new UserRegistry();
	let metadata: string | undefined;
	const route = createRouter({ baseUrl, store, writer, events, users, settings, metadata: () => (metadata ??= buildMetadata(ENTITIES, store)), reset: seed });
	const faults = new Faults('fo', foFaultResponses);
	return { handler: faults.wrap(route, (req) => appIdOf(req.headers.authorization)), faults, store, events, settings, close: () => events.close() };
}
