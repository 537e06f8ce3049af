/**
 * Registering an HTTPS endpoint for F&O business events or data events (reference §4.1–4.2) on behalf of a webhook
 * trigger.
 *
 * Real F&O has no API for this: an administrator adds the endpoint in System administration > Setup > Business
 * events (the catalog), activates the entity's events for it, and enters the trigger's URL and secret header there.
 * The F&O emulator offers the same through its admin API (`/_emulator/events/endpoints`, no token; emulators/fo
 * README), which is what this class calls, so that a trigger against the emulator registers itself on activation as
 * the Dataverse trigger does. Requests go through a Transport like every other connector call.
 */
import { DEFAULT_RETRY_POLICY, ODataError, sendRequest, type HttpRequest, type HttpResponse, type RetryPolicy, type Transport } from '../../odata';
import { WEBHOOK_SECRET_HEADER } from '../dataverse/webhookRegistration';

export type FoEventFormat = 'dataEvent' | 'businessEvent';
export type FoEventMessage = 'Create' | 'Update' | 'Delete';

export const FO_EVENT_MESSAGES: readonly FoEventMessage[] = ['Create', 'Update', 'Delete'];

/**
 * The header every delivery carries with the endpoint's secret, and the trigger checks (lower case: Node lower-cases
 * incoming header names). The Dataverse trigger's header, so that one reverse-proxy rule covers both triggers.
 */
export const FO_EVENT_SECRET_HEADER = WEBHOOK_SECRET_HEADER;

export interface FoEventEndpoint {
	id: string;
	/** Public collection (`CustomersV3`). */
	entity: string;
	url: string;
	format: FoEventFormat;
	/** Lower case; empty = every company. */
	legalEntity: string;
	messages: FoEventMessage[];
	delivered?: number;
	failed?: number;
}

export interface FoEventRegistrarOptions {
	/** F&O environment URL without a trailing slash (the emulator's origin). */
	environmentUrl: string;
	transport: Transport;
	retry?: RetryPolicy;
}

export interface FoEventRegisterOptions {
	url: string;
	secret: string;
	entity: string;
	format: FoEventFormat;
	messages: readonly FoEventMessage[];
	/** Only this company's changes; empty or undefined = every company. */
	legalEntity?: string;
}

const ADMIN_PATH = '/_emulator/events/endpoints';
const HEADERS = { Accept: 'application/json' };

/** Endpoints that deliver to `url` other than `keepId`: left over when n8n lost the static data holding their secret. */
export function staleFoEndpoints(endpoints: readonly FoEventEndpoint[], url: string, keepId?: string): FoEventEndpoint[] {
	return endpoints.filter((endpoint) => endpoint.url === url && endpoint.id !== keepId);
}

/**
 * What a registration was made for. n8n calls checkExists on every start and activation; when the node's entity,
 * events, format, company or URL changed since, the registration no longer fits and is replaced.
 */
export function foEventSignature(options: { url: string; entity: string; messages: readonly FoEventMessage[]; format: FoEventFormat; legalEntity?: string; registration?: string }): string {
	const messages = [...new Set(options.messages)].sort();
	return JSON.stringify([options.url, options.entity, messages, options.format, (options.legalEntity ?? '').trim().toLowerCase(), options.registration ?? '']);
}

export class FoEventEndpointRegistrar {
	private readonly root: string;
	private readonly retry: RetryPolicy;

	constructor(private readonly options: FoEventRegistrarOptions) {
		this.root = `${options.environmentUrl.replace(/\/+$/, '')}${ADMIN_PATH}`;
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	}

	private async send(method: HttpRequest['method'], path: string, entity: string | undefined, body?: unknown, acceptStatuses: number[] = []): Promise<HttpResponse> {
		const request: HttpRequest = {
			method,
			url: `${this.root}${path}`,
			headers: { ...HEADERS, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		};
		// A create is not retried: a lost answer would register twice; the stale-endpoint sweep of the next one cleans up.
		const retry = method === 'POST' ? {} : { retry: this.retry };
		return sendRequest(this.options.transport, request, { system: 'fo', ...(entity !== undefined ? { entity } : {}) }, { acceptStatuses, ...retry });
	}

	/** Every endpoint the environment delivers to. */
	async list(): Promise<FoEventEndpoint[]> {
		const response = await this.send('GET', '', undefined);
		const value = (parseJson(response, 'the endpoint list') as { value?: unknown }).value;
		return Array.isArray(value) ? value.map((row) => endpointOf(row)) : [];
	}

	async endpointsFor(url: string): Promise<FoEventEndpoint[]> {
		return (await this.list()).filter((endpoint) => endpoint.url === url);
	}

	/** Undefined when the endpoint is gone (404). */
	async get(id: string): Promise<FoEventEndpoint | undefined> {
		const response = await this.send('GET', `/${encodeURIComponent(id)}`, undefined, undefined, [404]);
		return response.status === 404 ? undefined : endpointOf(parseJson(response, `endpoint ${id}`));
	}

	async exists(id: string): Promise<boolean> {
		return (await this.get(id)) !== undefined;
	}

	/** Removes stale endpoints for the URL, then registers one that sends the secret header with every delivery. */
	async register(options: FoEventRegisterOptions): Promise<FoEventEndpoint> {
		for (const stale of staleFoEndpoints(await this.endpointsFor(options.url), options.url)) await this.unregister(stale.id);
		const messages = [...new Set(options.messages)];
		const legalEntity = (options.legalEntity ?? '').trim().toLowerCase();
		const response = await this.send('POST', '', options.entity, {
			entity: options.entity,
			url: options.url,
			format: options.format,
			messages,
			...(legalEntity !== '' ? { legalEntity } : {}),
			headers: { [FO_EVENT_SECRET_HEADER]: options.secret },
		});
		return endpointOf(parseJson(response, 'the registered endpoint'));
	}

	/** Already gone (404) counts as done. */
	async unregister(id: string): Promise<void> {
		await this.send('DELETE', `/${encodeURIComponent(id)}`, undefined, undefined, [404]);
	}
}

function parseJson(response: HttpResponse, what: string): unknown {
	let parsed: unknown;
	let failed = false;
	try {
		parsed = JSON.parse(response.body);
	} catch {
		failed = true;
	}
	if (failed) throw new ODataError({ system: 'fo', status: response.status, transient: false, detail: `F&O answered ${what} with a body that is not JSON` });
	return parsed;
}

/** The fields we use of an endpoint row; the secret header it echoes back is deliberately not kept. */
function endpointOf(row: unknown): FoEventEndpoint {
	const value = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
	if (typeof value.id !== 'string' || typeof value.url !== 'string') {
		throw new ODataError({ system: 'fo', transient: false, detail: 'F&O answered an event endpoint without an id or url' });
	}
	const messages = Array.isArray(value.messages) ? value.messages.filter((m): m is FoEventMessage => FO_EVENT_MESSAGES.includes(m as FoEventMessage)) : [...FO_EVENT_MESSAGES];
	return {
		id: value.id,
		entity: typeof value.entity === 'string' ? value.entity : '',
		url: value.url,
		format: value.format === 'businessEvent' ? 'businessEvent' : 'dataEvent',
		legalEntity: typeof value.legalEntity === 'string' ? value.legalEntity : '',
		messages,
		...(typeof value.delivered === 'number' ? { delivered: value.delivered } : {}),
		...(typeof value.failed === 'number' ? { failed: value.failed } : {}),
	};
}
