import { randomUUID } from 'node:crypto';
import { json, type EmuRequest, type EmuResponse } from '../common/http';
import { ENUM_BY_NAME } from './enums';
import { EMPTY_DATE, type FieldDef } from './model';
import type { Store, Values } from './store';
import type { Change } from './write';

/**
 * Business events and data events: HTTP(S) endpoints registered per entity through the admin API, one
 * delivery queue per endpoint (in order), asynchronous after commit so writes never wait for consumers.
 * Retries, timeout and the error log with resend follow F&O's business-event parameters.
 */
export type EventFormat = 'dataEvent' | 'businessEvent';
export type MessageName = 'Create' | 'Update' | 'Delete';

export interface EndpointInput {
	entity: string;
	url: string;
	format: EventFormat;
	/** Only changes in this company (company-specific entities); blank = all companies. */
	legalEntity?: string;
	headers?: Record<string, string>;
	/** Which change types to deliver; default all. */
	messages?: MessageName[];
}

interface Endpoint extends Required<Omit<EndpointInput, 'legalEntity'>> {
	id: string;
	legalEntity: string;
	delivered: number;
	failed: number;
	tail: Promise<void>;
}

interface PendingEvent {
	controlNumber: number;
	entity: string;
	message: MessageName;
	company: string;
	body: string;
	headers: Record<string, string>;
}

export interface DeliveryError extends PendingEvent {
	id: string;
	endpointId: string;
	url: string;
	attempts: number;
	lastError: string;
	failedAt: string;
}

interface Prepared {
	controlNumber: number;
	eventId: string;
	data?: PendingEvent;
	business?: PendingEvent;
}

export interface EventSettings {
	/** Retries after the first attempt (F&O default 3). */
	retryCount: number;
	retryDelayMs: number;
	timeoutMs: number;
}

const XRM = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const OPTION_BASE = 200_000_000;
const FIRST_CONTROL_NUMBER = 5637144576;

const dotNetDate = (ms: number) => `/Date(${ms})/`;
const recIdGuid = (recId: number) => `00000000-0000-0000-0000-${recId.toString(16).padStart(12, '0')}`;
export const dataEventEntityName = (aotName: string) => `mserp_${aotName.toLowerCase()}`;
export const dataEventField = (name: string) => `mserp_${name.toLowerCase()}`;

function attributeValue(field: FieldDef, value: string | number): unknown {
	switch (field.type.kind) {
		case 'Date':
		case 'DateTime':
			return value === EMPTY_DATE ? undefined : dotNetDate(Date.parse(String(value)));
		case 'Enum': {
			const member = ENUM_BY_NAME.get(field.type.enum)?.members.find((m) => m.name === value);
			return { __type: `OptionSetValue:${XRM}`, Value: OPTION_BASE + (member?.value ?? 0) };
		}
		default:
			return value;
	}
}

function attributes(fields: FieldDef[], values: Values, logicalName: string, id: string): Array<{ key: string; value: unknown }> {
	const out: Array<{ key: string; value: unknown }> = [];
	for (const f of fields) {
		const v = attributeValue(f, values[f.name]);
		if (v !== undefined) out.push({ key: dataEventField(f.name), value: v });
	}
	out.push({ key: `${logicalName}id`, value: id });
	return out;
}

export class EventHub {
	private readonly endpoints = new Map<string, Endpoint>();
	private readonly errors = new Map<string, DeliveryError>();
	private controlNumber = FIRST_CONTROL_NUMBER;
	private pending = 0;
	private closed = false;
	private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
	private readonly inflight = new Set<AbortController>();
	readonly organizationId = randomUUID();

	constructor(
		private readonly store: Store,
		private readonly baseUrl: string,
		readonly settings: EventSettings,
	) {}

	/** Called after commit with the request's changes, in the order they were made. */
	publish(changes: Change[]): void {
		if (this.closed || !changes.length || !this.endpoints.size) return;
		for (const change of changes) {
			const message = change.kind;
			let prepared: Prepared | undefined;
			for (const ep of this.endpoints.values()) {
				if (ep.entity.toLowerCase() !== change.set.def.setName.toLowerCase()) continue;
				if (!ep.messages.includes(message)) continue;
				if (ep.legalEntity && change.set.def.companySpecific && ep.legalEntity !== change.row.company) continue;
				prepared ??= this.prepare();
				const event = ep.format === 'dataEvent' ? (prepared.data ??= this.dataEvent(change, prepared)) : (prepared.business ??= this.businessEvent(change, prepared));
				this.enqueue(ep, event);
			}
		}
	}

	/** Shared identity of one change across endpoints and formats, so consumers can de-duplicate. */
	private prepare(): Prepared {
		// Monotonic with gaps, as F&O documents: consumers must not expect contiguous numbers.
		this.controlNumber += 1 + Math.floor(Math.random() * 3);
		return { controlNumber: this.controlNumber, eventId: randomUUID().toUpperCase() };
	}

	private businessEvent(change: Change, ids: Prepared): PendingEvent {
		const def = change.set.def;
		const keys: Record<string, unknown> = {};
		for (const k of def.keys) keys[k] = change.row.values[k];
		const payload = {
			BusinessEventId: `${def.typeName}ChangedBusinessEvent`,
			BusinessEventLegalEntity: def.companySpecific ? change.row.company : '',
			ContextRecordSubject: '',
			ControlNumber: ids.controlNumber,
			EventId: ids.eventId,
			EventTime: dotNetDate(change.at),
			EventTimeIso8601: new Date(change.at).toISOString().replace('Z', '0000Z'),
			InitiatingUserAADObjectId: `{${change.caller.objectId.toUpperCase()}}`,
			MajorVersion: 0,
			MinorVersion: 0,
			ParentContextRecordSubjects: [],
			EntityName: def.setName,
			ChangeType: change.kind,
			...keys,
		};
		return { controlNumber: ids.controlNumber, entity: def.setName, message: change.kind, company: change.row.company, body: JSON.stringify(payload), headers: {} };
	}

	private dataEvent(change: Change, ids: Prepared): PendingEvent {
		const def = change.set.def;
		const logicalName = dataEventEntityName(def.aotName);
		const id = recIdGuid(change.row.recId);
		const entity = (attrs: Array<{ key: string; value: unknown }>) => ({
			__type: `Entity:${XRM}`,
			Attributes: attrs,
			EntityState: null,
			FormattedValues: [],
			Id: id,
			KeyAttributes: [],
			LogicalName: logicalName,
			RelatedEntities: [],
			RowVersion: String(change.row.recVersion),
		});
		let target: unknown;
		if (change.kind === 'Delete') {
			target = { __type: `EntityReference:${XRM}`, Id: id, KeyAttributes: [], LogicalName: logicalName, Name: null, RowVersion: null };
		} else if (change.kind === 'Update' && change.pre) {
			// Like Dataverse, an Update target carries the changed fields; keys are added so the record is identifiable.
			const pre = change.pre.values;
			const fields = def.fields.filter((f) => def.keys.includes(f.name) || pre[f.name] !== change.row.values[f.name]);
			target = entity(attributes(fields, change.row.values, logicalName, id));
		} else {
			target = entity(attributes(def.fields, change.row.values, logicalName, id));
		}
		const userId = change.caller.objectId;
		const correlationId = randomUUID();
		const context = {
			BusinessUnitId: '00000000-0000-0000-0000-000000000000',
			CorrelationId: correlationId,
			Depth: 1,
			InitiatingUserAzureActiveDirectoryObjectId: userId,
			InitiatingUserId: userId,
			InputParameters: [{ key: 'Target', value: target }],
			IsExecutingOffline: false,
			IsInTransaction: false,
			IsOfflinePlayback: false,
			IsolationMode: 1,
			MessageName: change.kind,
			Mode: 1,
			OperationCreatedOn: dotNetDate(change.at),
			OperationId: ids.eventId.toLowerCase(),
			OrganizationId: this.organizationId,
			OrganizationName: new URL(this.baseUrl).host,
			OutputParameters: change.kind === 'Create' ? [{ key: 'id', value: id }] : [],
			OwningExtension: { Id: '00000000-0000-0000-0000-000000000000', KeyAttributes: [], LogicalName: 'sdkmessageprocessingstep', Name: null, RowVersion: null },
			ParentContext: null,
			PostEntityImages: [],
			PreEntityImages: change.pre ? [{ key: 'PreImage', value: entity(attributes(def.fields, change.pre.values, logicalName, id)) }] : [],
			PrimaryEntityId: id,
			PrimaryEntityName: logicalName,
			RequestId: null,
			SecondaryEntityName: 'none',
			SharedVariables: [
				{ key: 'ControlNumber', value: ids.controlNumber },
				{ key: 'LegalEntity', value: def.companySpecific ? change.row.company : '' },
			],
			Stage: 40,
			UserId: userId,
		};
		return {
			controlNumber: ids.controlNumber,
			entity: def.setName,
			message: change.kind,
			company: change.row.company,
			body: JSON.stringify(context),
			headers: {
				'x-ms-dynamics-organization': new URL(this.baseUrl).host,
				'x-ms-dynamics-entity-name': logicalName,
				'x-ms-dynamics-request-name': change.kind,
				'x-ms-correlation-request-id': correlationId,
			},
		};
	}

	private enqueue(ep: Endpoint, event: PendingEvent): void {
		this.pending++;
		ep.tail = ep.tail.then(() => this.deliver(ep, event)).finally(() => this.pending--);
	}

	private async deliver(ep: Endpoint, event: PendingEvent): Promise<void> {
		let lastError = '';
		let attempts = 0;
		for (let attempt = 0; attempt <= this.settings.retryCount && !this.closed; attempt++) {
			if (attempt > 0) await this.sleep(this.settings.retryDelayMs);
			if (this.closed) return;
			attempts++;
			const controller = new AbortController();
			this.inflight.add(controller);
			const timer = setTimeout(() => controller.abort(), this.settings.timeoutMs);
			try {
				const res = await fetch(ep.url, {
					method: 'POST',
					headers: { 'content-type': 'application/json', 'x-emulator-control-number': String(event.controlNumber), ...event.headers, ...ep.headers },
					body: event.body,
					signal: controller.signal,
				});
				await res.arrayBuffer().catch(() => undefined);
				if (res.ok) {
					ep.delivered++;
					return;
				}
				lastError = `HTTP ${res.status}`;
			} catch (error) {
				lastError = controller.signal.aborted && !this.closed ? `Timeout after ${this.settings.timeoutMs} ms` : (error as Error).message;
			} finally {
				clearTimeout(timer);
				this.inflight.delete(controller);
			}
		}
		if (this.closed) return;
		ep.failed++;
		const id = randomUUID();
		this.errors.set(id, { ...event, id, endpointId: ep.id, url: ep.url, attempts, lastError, failedAt: new Date().toISOString() });
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				this.sleepers.delete(t);
				resolve();
			}, ms);
			this.sleepers.set(t, resolve);
		});
	}

	/** Stops delivery: cancels retry waits and in-flight requests, then lets every queue drain. */
	async close(): Promise<void> {
		this.closed = true;
		for (const [t, wake] of this.sleepers) {
			clearTimeout(t);
			wake();
		}
		this.sleepers.clear();
		for (const c of this.inflight) c.abort();
		await Promise.allSettled([...this.endpoints.values()].map((e) => e.tail));
	}

	status() {
		return {
			pending: this.pending,
			endpoints: [...this.endpoints.values()].map((e) => this.describe(e)),
			errors: this.errors.size,
			lastControlNumber: this.controlNumber,
			settings: this.settings,
		};
	}

	private describe(e: Endpoint) {
		return { id: e.id, entity: e.entity, url: e.url, format: e.format, legalEntity: e.legalEntity, headers: e.headers, messages: e.messages, delivered: e.delivered, failed: e.failed };
	}

	/** `/_emulator/events/...` admin endpoints; undefined when the path is not one of them. */
	async admin(req: EmuRequest): Promise<EmuResponse | undefined> {
		const path = req.rawPath.replace(/\/+$/, '');
		const bad = (message: string) => json(400, { error: { code: '', message } });
		if (path === '/_emulator/events/endpoints') {
			if (req.method === 'GET') return json(200, { value: [...this.endpoints.values()].map((e) => this.describe(e)) });
			if (req.method !== 'POST') return json(405, { error: { code: '', message: 'Use GET or POST.' } });
			let input: Partial<EndpointInput>;
			try {
				input = JSON.parse(req.body.toString('utf8') || '{}') as Partial<EndpointInput>;
			} catch {
				return bad('The body must be a JSON object.');
			}
			const set = typeof input.entity === 'string' ? this.store.set(input.entity) : undefined;
			if (!set) return bad(`Unknown entity '${String(input.entity)}'. Known: ${[...this.store.sets.values()].map((s) => s.def.setName).join(', ')}.`);
			if (typeof input.url !== 'string' || !/^https?:\/\//i.test(input.url)) return bad("'url' must be an http(s) URL.");
			if (input.format !== 'dataEvent' && input.format !== 'businessEvent') return bad("'format' must be 'dataEvent' or 'businessEvent'.");
			const messages = input.messages ?? ['Create', 'Update', 'Delete'];
			if (!Array.isArray(messages) || messages.some((m) => m !== 'Create' && m !== 'Update' && m !== 'Delete')) return bad("'messages' must list Create, Update and/or Delete.");
			const ep: Endpoint = {
				id: randomUUID(),
				entity: set.def.setName,
				url: input.url,
				format: input.format,
				legalEntity: (input.legalEntity ?? '').toLowerCase(),
				headers: input.headers ?? {},
				messages,
				delivered: 0,
				failed: 0,
				tail: Promise.resolve(),
			};
			this.endpoints.set(ep.id, ep);
			return json(201, this.describe(ep));
		}
		const one = /^\/_emulator\/events\/endpoints\/([^/]+)$/.exec(path);
		if (one) {
			const ep = this.endpoints.get(decodeURIComponent(one[1]));
			if (!ep) return json(404, { error: { code: '', message: `No endpoint '${one[1]}'.` } });
			if (req.method === 'GET') return json(200, this.describe(ep));
			if (req.method === 'DELETE') {
				this.endpoints.delete(ep.id);
				return { status: 204 };
			}
			return json(405, { error: { code: '', message: 'Use GET or DELETE.' } });
		}
		if (path === '/_emulator/events/errors') {
			if (req.method === 'GET') return json(200, { value: [...this.errors.values()].map((e) => ({ ...e, payload: JSON.parse(e.body) as unknown, body: undefined })) });
			if (req.method === 'DELETE') {
				this.errors.clear();
				return { status: 204 };
			}
		}
		const resend = /^\/_emulator\/events\/errors\/([^/]+)\/resend$/.exec(path);
		if (resend && req.method === 'POST') {
			const err = this.errors.get(decodeURIComponent(resend[1]));
			if (!err) return json(404, { error: { code: '', message: `No error entry '${resend[1]}'.` } });
			const ep = this.endpoints.get(err.endpointId);
			if (!ep) return json(409, { error: { code: '', message: `The endpoint ${err.endpointId} was deleted; register it again to resend.` } });
			this.errors.delete(err.id);
			this.enqueue(ep, err);
			return json(202, { resent: err.id, controlNumber: err.controlNumber });
		}
		if (path === '/_emulator/events/status' && req.method === 'GET') return json(200, this.status());
		if (path === '/_emulator/events/settings' && req.method === 'POST') {
			const patch = JSON.parse(req.body.toString('utf8') || '{}') as Partial<EventSettings>;
			for (const k of ['retryCount', 'retryDelayMs', 'timeoutMs'] as const) if (typeof patch[k] === 'number') this.settings[k] = patch[k];
			return json(200, this.settings);
		}
		return undefined;
	}
}
