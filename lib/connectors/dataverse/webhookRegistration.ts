/**
 * Registering a Dataverse webhook for a trigger (reference §6.1): one `serviceendpoint` (contract 8, Http Header
 * auth carrying a per-activation secret) and one post-operation `sdkmessageprocessingstep` per message,
 * asynchronous by default. Body builders and the choice of what to remove are pure; `DataverseWebhookRegistrar`
 * sends them through a Transport, so the same code runs in n8n (httpRequestWithAuthentication) and in tests.
 *
 * Synchronous registrations (Microsoft's live-sync semantics: the user's save fails when the sync fails) use
 * mode 0 in stage 40, post-operation inside the transaction (reference §6.1–6.2): the row is written, so Create
 * knows its id and a post-image can be taken, and a failing or timed-out call rolls the whole operation back.
 * Stage 10 (pre-validation) runs outside the transaction and stage 20 (pre-operation) before the row exists; both
 * would see neither the final row nor a post-image. Each Create and Update step gets a post-image of the whole row
 * (`sdkmessageprocessingstepimage`, all columns), because an Update's Target holds only the columns the request set
 * and the row cannot be read back while the transaction is open.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DEFAULT_RETRY_POLICY, quoteString, sendRequest, type HttpRequest, type HttpResponse, type RetryPolicy, type Transport } from '../../odata';

export type WebhookMessage = 'Create' | 'Update' | 'Delete';

export const WEBHOOK_MESSAGES: readonly WebhookMessage[] = ['Create', 'Update', 'Delete'];

/**
 * The header Dataverse sends with every delivery (authtype 5) and the trigger checks. Lower case because Node
 * lower-cases incoming header names.
 */
export const WEBHOOK_SECRET_HEADER = 'x-dw-n8n-secret';

/** Prefix of every endpoint and step name we register, so that people can tell them apart in the Plug-in Registration Tool. */
export const REGISTRATION_PREFIX = 'n8n dual-write';

const CONTRACT_WEBHOOK = 8;
const AUTHTYPE_HTTP_HEADER = 5;
const MESSAGE_FORMAT_JSON = 2;
const STAGE_POST_OPERATION = 40;
const MODE_SYNCHRONOUS = 0;
const MODE_ASYNCHRONOUS = 1;
const IMAGE_TYPE_POST = 1;

/** Alias of the post-image of synchronous steps (`PostEntityImages` key of the delivery). */
export const POST_IMAGE_ALIAS = 'PostImage';

export interface Registration {
	endpointId: string;
	/** Step ids by message. */
	stepIds: Partial<Record<WebhookMessage, string>>;
	/** Post-image ids by message (synchronous registrations, Create and Update). */
	imageIds: Partial<Record<WebhookMessage, string>>;
}

const xmlAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `authvalue` of an Http Header endpoint: Dataverse's settings XML, one header. */
export function headerAuthValue(header: string, value: string): string {
	return `<settings><setting name="${xmlAttribute(header)}" value="${xmlAttribute(value)}" /></settings>`;
}

export function serviceEndpointBody(options: { url: string; secret: string; name?: string }): Record<string, unknown> {
	return {
		name: (options.name ?? `${REGISTRATION_PREFIX}: ${options.url}`).slice(0, 256),
		contract: CONTRACT_WEBHOOK,
		url: options.url,
		authtype: AUTHTYPE_HTTP_HEADER,
		authvalue: headerAuthValue(WEBHOOK_SECRET_HEADER, options.secret),
		messageformat: MESSAGE_FORMAT_JSON,
	};
}

/**
 * `filteringattributes` applies to Update only (Dataverse ignores it elsewhere, and an empty value on Update would
 * mean "any column"). Names are logical names: trimmed, lower-cased, de-duplicated.
 */
export function parseFilteringAttributes(text: string | undefined): string[] {
	const names = (text ?? '')
		.split(/[,\s]+/)
		.map((name) => name.trim().toLowerCase())
		.filter((name) => name !== '');
	return [...new Set(names)];
}

export interface StepBodyOptions {
	message: WebhookMessage;
	messageId: string;
	/** The message's filter for the table; undefined would fire on every table, so callers must pass it. */
	messageFilterId: string;
	endpointId: string;
	/** Table logical name, for the step's name. */
	logicalName: string;
	filteringAttributes?: readonly string[];
	/** Mode 0 (inside the transaction) instead of 1. */
	synchronous?: boolean;
}

export function stepBody(options: StepBodyOptions): Record<string, unknown> {
	const filtering = options.message === 'Update' && options.filteringAttributes && options.filteringAttributes.length > 0 ? options.filteringAttributes.join(',') : undefined;
	const synchronous = options.synchronous === true;
	return {
		name: `${REGISTRATION_PREFIX}: ${options.message} of ${options.logicalName}${synchronous ? ' (synchronous)' : ''}`.slice(0, 256),
		stage: STAGE_POST_OPERATION,
		mode: synchronous ? MODE_SYNCHRONOUS : MODE_ASYNCHRONOUS,
		rank: 1,
		supporteddeployment: 0,
		// Async system jobs of successful deliveries would otherwise pile up in the environment; the setting is for
		// asynchronous steps only (a synchronous step creates no system job).
		...(synchronous ? {} : { asyncautodelete: true }),
		...(filtering !== undefined ? { filteringattributes: filtering } : {}),
		'sdkmessageid@odata.bind': `/sdkmessages(${options.messageId})`,
		'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(${options.messageFilterId})`,
		'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${options.endpointId})`,
	};
}

/**
 * The post-image of a synchronous step: every column of the row as written (no `attributes` = all). The message
 * property is the one the platform takes the row's identity from: `Id` for Create, `Target` for Update.
 */
export function postImageBody(options: { message: Exclude<WebhookMessage, 'Delete'>; stepId: string }): Record<string, unknown> {
	return {
		name: POST_IMAGE_ALIAS,
		entityalias: POST_IMAGE_ALIAS,
		imagetype: IMAGE_TYPE_POST,
		messagepropertyname: options.message === 'Create' ? 'Id' : 'Target',
		'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${options.stepId})`,
	};
}

export interface ExistingEndpoint {
	serviceendpointid: string;
	name?: string;
	url?: string;
	contract?: number;
}

/**
 * Endpoints that point at our webhook URL but are not the one we hold: left behind when n8n lost the static data
 * (a crash before it was saved, a restored database). Their secret is unknown, so every delivery through them would
 * be refused; they are removed before registering anew. Endpoints for other URLs are never touched.
 */
export function staleEndpoints(endpoints: readonly ExistingEndpoint[], url: string, keepId?: string): ExistingEndpoint[] {
	const keep = keepId?.toLowerCase();
	return endpoints.filter(
		(endpoint) =>
			(endpoint.contract === undefined || endpoint.contract === CONTRACT_WEBHOOK) && endpoint.url === url && endpoint.serviceendpointid.toLowerCase() !== keep,
	);
}

/** Constant-time comparison of the secret a caller sent with the one we registered; false when either is missing. */
export function secretMatches(sent: string | string[] | undefined, expected: string | undefined): boolean {
	const value = Array.isArray(sent) ? sent[0] : sent;
	if (typeof value !== 'string' || typeof expected !== 'string' || expected === '') return false;
	const a = Buffer.from(value, 'utf8');
	const b = Buffer.from(expected, 'utf8');
	if (a.length === b.length) return timingSafeEqual(a, b);
	// timingSafeEqual needs equal lengths; a comparison of the same cost keeps a wrong length from answering faster.
	timingSafeEqual(b, b);
	return false;
}

export interface RegistrarOptions {
	/** Environment URL without a trailing slash. */
	environmentUrl: string;
	transport: Transport;
	retry?: RetryPolicy;
}

export interface RegisterOptions {
	url: string;
	secret: string;
	logicalName: string;
	messages: readonly WebhookMessage[];
	filteringAttributes?: readonly string[];
	/** Synchronous steps (mode 0) with post-images, see the file comment. Default: asynchronous. */
	synchronous?: boolean;
}

const SERVICE_PATH = '/api/data/v9.2/';
const HEADERS = { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' };
const ENTITY = { system: 'dataverse' as const };

/** The Web API calls of registration; every id it answers is a lower-case GUID. */
export class DataverseWebhookRegistrar {
	private readonly root: string;
	private readonly retry: RetryPolicy;

	constructor(private readonly options: RegistrarOptions) {
		this.root = `${options.environmentUrl.replace(/\/+$/, '')}${SERVICE_PATH}`;
		this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
	}

	private async send(method: HttpRequest['method'], path: string, entity: string, body?: unknown, acceptStatuses: number[] = []): Promise<HttpResponse> {
		const request: HttpRequest = {
			method,
			url: `${this.root}${path}`,
			headers: { ...HEADERS, ...(body !== undefined ? { 'Content-Type': 'application/json', Prefer: 'return=representation' } : {}) },
			...(body !== undefined ? { body: JSON.stringify(body) } : {}),
		};
		// Creates are not retried: a lost answer would register twice; the stale-endpoint sweep of the next create cleans up.
		return sendRequest(this.options.transport, request, { ...ENTITY, entity }, { acceptStatuses, ...(method === 'POST' ? {} : { retry: this.retry }) });
	}

	private async rows<T>(path: string, entity: string): Promise<T[]> {
		const response = await this.send('GET', path, entity);
		return ((JSON.parse(response.body) as { value?: T[] }).value ?? []) as T[];
	}

	async messageId(message: WebhookMessage): Promise<string> {
		const found = await this.rows<{ sdkmessageid: string }>(`sdkmessages?$select=sdkmessageid&$filter=${encodeURIComponent(`name eq ${quoteString(message)}`)}`, 'sdkmessages');
		if (!found[0]) throw new Error(`Dataverse has no SDK message named ${message}`);
		return found[0].sdkmessageid;
	}

	async messageFilterId(messageId: string, logicalName: string): Promise<string> {
		const filter = `_sdkmessageid_value eq ${messageId} and primaryobjecttypecode eq ${quoteString(logicalName)}`;
		const found = await this.rows<{ sdkmessagefilterid: string }>(`sdkmessagefilters?$select=sdkmessagefilterid&$filter=${encodeURIComponent(filter)}`, 'sdkmessagefilters');
		if (!found[0]) throw new Error(`Table ${logicalName} cannot have steps registered for its ${messageId} message (no SDK message filter)`);
		return found[0].sdkmessagefilterid;
	}

	async endpointsFor(url: string): Promise<ExistingEndpoint[]> {
		const filter = `contract eq ${CONTRACT_WEBHOOK} and url eq ${quoteString(url)}`;
		return this.rows<ExistingEndpoint>(`serviceendpoints?$select=serviceendpointid,name,url,contract&$filter=${encodeURIComponent(filter)}`, 'serviceendpoints');
	}

	async endpointExists(endpointId: string): Promise<boolean> {
		const response = await this.send('GET', `serviceendpoints(${endpointId})?$select=serviceendpointid`, 'serviceendpoints', undefined, [404]);
		return response.status !== 404;
	}

	async stepIdsOf(endpointId: string): Promise<string[]> {
		const filter = `_eventhandler_value eq ${endpointId}`;
		const steps = await this.rows<{ sdkmessageprocessingstepid: string }>(
			`sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid&$filter=${encodeURIComponent(filter)}`,
			'sdkmessageprocessingsteps',
		);
		return steps.map((step) => step.sdkmessageprocessingstepid);
	}

	/**
	 * Removes stale endpoints for the URL, then registers the endpoint and its steps. A failure half-way removes what
	 * this call created, so that a retried activation starts clean.
	 */
	async register(options: RegisterOptions): Promise<Registration> {
		for (const stale of staleEndpoints(await this.endpointsFor(options.url), options.url)) await this.unregister(stale.serviceendpointid);
		const messages = [...new Set(options.messages)];
		const ids = new Map<WebhookMessage, { messageId: string; messageFilterId: string }>();
		for (const message of messages) {
			const messageId = await this.messageId(message);
			ids.set(message, { messageId, messageFilterId: await this.messageFilterId(messageId, options.logicalName) });
		}
		const endpoint = await this.send('POST', 'serviceendpoints', 'serviceendpoints', serviceEndpointBody(options));
		const endpointId = idOf(endpoint, 'serviceendpointid');
		const registration: Registration = { endpointId, stepIds: {}, imageIds: {} };
		let complete = false;
		try {
			for (const message of messages) {
				const { messageId, messageFilterId } = ids.get(message) as { messageId: string; messageFilterId: string };
				const body = stepBody({
					message,
					messageId,
					messageFilterId,
					endpointId,
					logicalName: options.logicalName,
					filteringAttributes: options.filteringAttributes,
					synchronous: options.synchronous,
				});
				const stepId = idOf(await this.send('POST', 'sdkmessageprocessingsteps', 'sdkmessageprocessingsteps', body), 'sdkmessageprocessingstepid');
				registration.stepIds[message] = stepId;
				if (options.synchronous === true && message !== 'Delete') {
					const image = await this.send('POST', 'sdkmessageprocessingstepimages', 'sdkmessageprocessingstepimages', postImageBody({ message, stepId }));
					registration.imageIds[message] = idOf(image, 'sdkmessageprocessingstepimageid');
				}
			}
			complete = true;
		} finally {
			// The step's own error is the one to report; a failed clean-up is left to the next registration's sweep.
			if (!complete) await this.unregister(endpointId, Object.values(registration.stepIds), Object.values(registration.imageIds)).catch(() => undefined);
		}
		return registration;
	}

	/**
	 * Deletes the images we recorded (synchronous registrations), then the steps (the ones we recorded and any other
	 * on the endpoint, since Dataverse refuses to delete an endpoint that steps still use), then the endpoint.
	 * Dataverse deletes a step's images with the step; deleting the recorded ones first keeps an environment without
	 * that cascade (the emulator) clean too. Already gone (404) counts as done.
	 */
	async unregister(endpointId: string, stepIds: readonly string[] = [], imageIds: readonly string[] = []): Promise<void> {
		for (const imageId of new Set(imageIds.map((id) => id.toLowerCase()))) {
			await this.send('DELETE', `sdkmessageprocessingstepimages(${imageId})`, 'sdkmessageprocessingstepimages', undefined, [404]);
		}
		const others = (await this.endpointExists(endpointId)) ? await this.stepIdsOf(endpointId) : [];
		for (const stepId of new Set([...stepIds, ...others].map((id) => id.toLowerCase()))) {
			await this.send('DELETE', `sdkmessageprocessingsteps(${stepId})`, 'sdkmessageprocessingsteps', undefined, [404]);
		}
		await this.send('DELETE', `serviceendpoints(${endpointId})`, 'serviceendpoints', undefined, [404]);
	}
}

/** The created row's id from the representation, or from `OData-EntityId` when the service answered 204. */
function idOf(response: HttpResponse, column: string): string {
	if (response.body) {
		const value = (JSON.parse(response.body) as Record<string, unknown>)[column];
		if (typeof value === 'string') return value.toLowerCase();
	}
	const fromHeader = /\(([0-9a-f-]{36})\)\s*$/i.exec(response.headers['odata-entityid'] ?? '')?.[1];
	if (!fromHeader) throw new Error(`Dataverse created a ${column.replace(/id$/, '')} but did not say its id`);
	return fromHeader.toLowerCase();
}

/** A fresh secret per activation: 32 random bytes, hex (fits the header value and the 2,048-character authvalue). */
export function newWebhookSecret(): string {
	return randomBytes(32).toString('hex');
}

/**
 * What a registration was made for. n8n calls checkExists on every start and activation; when the node's table,
 * events, filter, URL or mode (synchronous or not) changed since, the old registration no longer fits and is
 * replaced. An asynchronous registration's signature has no mode part, so registrations made before the option
 * existed still match.
 */
export function registrationSignature(options: {
	url: string;
	entity: string;
	messages: readonly WebhookMessage[];
	filteringAttributes?: readonly string[];
	synchronous?: boolean;
}): string {
	const messages = [...new Set(options.messages)].sort();
	const filtering = [...(options.filteringAttributes ?? [])].sort();
	return JSON.stringify([options.url, options.entity, messages, filtering, ...(options.synchronous === true ? ['synchronous'] : [])]);
}
