import { randomUUID } from 'node:crypto';
import { BUSINESS_UNIT_ID, ORGANIZATION_ID, type Engine, type RequestContext } from './engine';
import { badRequest, CODES, DvError } from './errors';
import type { Table } from './schema';
import { isLookupValue, type Row, type Tx } from './store';
import type { ColumnDef } from './tables/types';

/**
 * Webhook steps: `sdkmessageprocessingsteps` whose event handler is a `serviceendpoints` row with
 * contract 8. Synchronous steps run inside the request (pre-validation, pre-operation, post-operation
 * inside the transaction) and fail it on a non-2xx or a timeout; asynchronous steps are delivered after
 * commit, in order per step, with one retry on 502/503/504.
 */
export type Message = 'Create' | 'Update' | 'Delete';

export interface PipelineEvent {
	message: Message;
	table: Table;
	id: string;
	/** Attributes of the request: all initial values for Create, the sent columns (+ modifiedon/by) for Update. */
	target: Row;
	/** Columns the request set (Update's filtering attributes are checked against these). */
	changed: string[];
	pre?: Row;
	post?: Row;
}

interface Step {
	id: string;
	name: string;
	stage: number;
	mode: number;
	rank: number;
	filtering?: Set<string>;
	canBeBypassed: boolean;
	endpoint: Row;
	images: Row[];
}

export interface DeliveryRecord {
	at: string;
	stepId: string;
	stepName: string;
	mode: 'sync' | 'async';
	stage: number;
	message: Message;
	entity: string;
	recordId: string;
	url: string;
	status?: number;
	attempts: number;
	ok: boolean;
	error?: string;
	correlationId: string;
	depth: number;
	tag?: string;
}

const XRM = 'http://schemas.microsoft.com/xrm/2011/Contracts';
const MAX_LOG = 2000;
const SIZE_LIMIT = 256 * 1024;

const msDate = (iso: unknown) => (typeof iso === 'string' ? `/Date(${Date.parse(iso)})/` : null);

function contextValue(col: ColumnDef | undefined, v: unknown): unknown {
	if (v === null || v === undefined) return null;
	if (isLookupValue(v)) return { __type: `EntityReference:${XRM}`, Id: v.id, KeyAttributes: [], LogicalName: v.table, Name: null, RowVersion: null };
	switch (col?.type) {
		case 'money':
			return { __type: `Money:${XRM}`, Value: v };
		case 'choice':
			return { __type: `OptionSetValue:${XRM}`, Value: v };
		case 'datetime':
			return msDate(v);
		default:
			return v;
	}
}

function entity(table: Table, id: string, row: Row, only?: Set<string>, typed = false): Record<string, unknown> {
	const Attributes: Array<{ key: string; value: unknown }> = [];
	for (const col of table.def.columns) {
		if (col.writeOnly || (only && !only.has(col.name))) continue;
		const v = row[col.name];
		if (v === undefined || (v === null && !only)) continue;
		Attributes.push({ key: col.name, value: contextValue(col, v) });
	}
	return {
		...(typed ? { __type: `Entity:${XRM}` } : {}),
		Attributes,
		EntityState: null,
		FormattedValues: [],
		Id: id,
		KeyAttributes: [],
		LogicalName: table.def.logicalName,
		RelatedEntities: [],
		RowVersion: row.versionnumber === undefined ? null : String(row.versionnumber),
	};
}

/** `authvalue` for Http Header / Http Query String: `<settings><setting name="k" value="v" /></settings>`, or a JSON object. */
export function parseAuthPairs(authvalue: unknown): Array<[string, string]> {
	if (typeof authvalue !== 'string' || authvalue.trim() === '') return [];
	const text = authvalue.trim();
	if (text.startsWith('{')) {
		try {
			return Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
		} catch {
			return [];
		}
	}
	const unxml = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
	const pairs: Array<[string, string]> = [];
	for (const m of text.matchAll(/<setting\s+name="([^"]*)"\s+value="([^"]*)"\s*\/>/g)) pairs.push([unxml(m[1]), unxml(m[2])]);
	return pairs;
}

export class Webhooks {
	readonly log: DeliveryRecord[] = [];
	private readonly pending = new Set<Promise<void>>();
	private readonly chains = new Map<string, Promise<void>>();
	private cache?: { stamp: string; steps: Map<string, Step[]> };

	constructor(private readonly engine: Engine) {}

	private stamp(): string {
		const s = this.engine.store;
		return ['sdkmessageprocessingstep', 'sdkmessageprocessingstepimage', 'serviceendpoint', 'sdkmessage', 'sdkmessagefilter'].map((t) => s.of(t).mutations).join(',');
	}

	/** Enabled webhook steps for a message on a table, ordered by stage then rank. */
	steps(message: Message, logicalName: string): Step[] {
		const stamp = this.stamp();
		if (!this.cache || this.cache.stamp !== stamp) this.cache = { stamp, steps: new Map() };
		const key = `${message}\u0001${logicalName}`;
		const hit = this.cache.steps.get(key);
		if (hit) return hit;
		const s = this.engine.store;
		const out: Step[] = [];
		for (const step of s.of('sdkmessageprocessingstep').rows.values()) {
			if (step.statecode !== 0) continue;
			const msg = isLookupValue(step.sdkmessageid) ? s.of('sdkmessage').get(step.sdkmessageid.id) : undefined;
			if (!msg || msg.name !== message) continue;
			if (isLookupValue(step.sdkmessagefilterid)) {
				const filter = s.of('sdkmessagefilter').get(step.sdkmessagefilterid.id);
				if (!filter || filter.primaryobjecttypecode !== logicalName) continue;
			}
			const handler = step.eventhandler;
			if (!isLookupValue(handler) || handler.table !== 'serviceendpoint') continue;
			const endpoint = s.of('serviceendpoint').get(handler.id);
			if (!endpoint || endpoint.contract !== 8) continue;
			const id = step.sdkmessageprocessingstepid as string;
			const images = [...s.of('sdkmessageprocessingstepimage').rows.values()].filter((i) => isLookupValue(i.sdkmessageprocessingstepid) && i.sdkmessageprocessingstepid.id === id);
			const fa = typeof step.filteringattributes === 'string' ? step.filteringattributes.split(',').map((a) => a.trim().toLowerCase()).filter(Boolean) : [];
			out.push({
				id,
				name: String(step.name ?? ''),
				stage: step.stage as number,
				mode: step.mode as number,
				rank: (step.rank as number | null) ?? 1,
				filtering: fa.length ? new Set(fa) : undefined,
				canBeBypassed: step.canbebypassed !== false,
				endpoint,
				images,
			});
		}
		out.sort((a, b) => a.stage - b.stage || a.rank - b.rank);
		this.cache.steps.set(key, out);
		return out;
	}

	private applies(ctx: RequestContext, step: Step, ev: PipelineEvent): boolean {
		if (ev.message === 'Update' && step.filtering && !ev.changed.some((c) => step.filtering?.has(c))) return false;
		if (step.canBeBypassed) {
			if (ctx.bypassStepIds.has(step.id)) return false;
			if (step.mode === 0 && ctx.bypassSync) return false;
			if (step.mode === 1 && ctx.bypassAsync) return false;
		}
		return true;
	}

	/** Runs the synchronous steps of one stage; throws (failing the request) when a webhook fails. */
	async runSync(ctx: RequestContext, ev: PipelineEvent, stage: 10 | 20 | 40): Promise<void> {
		for (const step of this.steps(ev.message, ev.table.def.logicalName)) {
			if (step.mode !== 0 || step.stage !== stage || !this.applies(ctx, step, ev)) continue;
			const rec = await this.deliver(ctx, step, ev, false);
			if (!rec.ok) throw new DvError(400, CODES.pluginFailed, rec.error ?? 'The webhook call failed.');
		}
	}

	/** Queues the asynchronous steps to run once the transaction commits. */
	queueAsync(ctx: RequestContext, ev: PipelineEvent, tx: Tx): void {
		const steps = this.steps(ev.message, ev.table.def.logicalName).filter((s) => s.mode === 1 && this.applies(ctx, s, ev));
		if (!steps.length) return;
		// Snapshot what the delivery needs: the rows may change again before it runs.
		const snapshot: RequestContext = { ...ctx, tx: undefined, contentIds: undefined };
		tx.afterCommit.push(() => {
			for (const step of steps) {
				const prev = this.chains.get(step.id) ?? Promise.resolve();
				const next = prev.then(() => this.deliver(snapshot, step, ev, true)).then(
					() => undefined,
					() => undefined,
				);
				this.chains.set(step.id, next);
				this.pending.add(next);
				void next.finally(() => {
					this.pending.delete(next);
					if (this.chains.get(step.id) === next) this.chains.delete(step.id);
				});
			}
		});
	}

	/** Resolves when every queued asynchronous delivery has finished. */
	async drain(): Promise<void> {
		while (this.pending.size) await Promise.all([...this.pending]);
	}

	buildContext(ctx: RequestContext, step: Step, ev: PipelineEvent, async: boolean): Record<string, unknown> {
		const t = ev.table;
		const image = (kind: 0 | 1) => {
			const source = kind === 0 ? ev.pre : ev.post;
			if (!source || (kind === 1 && step.stage !== 40)) return [];
			return step.images
				.filter((i) => i.imagetype === kind || i.imagetype === 2)
				.map((i) => {
					const attrs = typeof i.attributes === 'string' && i.attributes.trim() ? new Set(i.attributes.split(',').map((a) => a.trim().toLowerCase())) : undefined;
					return { key: String(i.entityalias), value: entity(t, ev.id, source, attrs) };
				});
		};
		const target =
			ev.message === 'Delete'
				? { __type: `EntityReference:${XRM}`, Id: ev.id, KeyAttributes: [], LogicalName: t.def.logicalName, Name: null, RowVersion: null }
				: entity(t, ev.id, ev.target, new Set(Object.keys(ev.target)), true);
		const user = ctx.caller.objectId;
		return {
			BusinessUnitId: BUSINESS_UNIT_ID,
			CorrelationId: ctx.correlationId,
			Depth: ctx.depth,
			InitiatingUserAzureActiveDirectoryObjectId: user,
			InitiatingUserId: user,
			InputParameters: [{ key: 'Target', value: target }],
			IsExecutingOffline: false,
			IsInTransaction: !async && step.stage !== 10,
			IsOfflinePlayback: false,
			IsolationMode: 1,
			MessageName: ev.message,
			Mode: async ? 1 : 0,
			OperationCreatedOn: `/Date(${Date.now()})/`,
			OperationId: randomUUID(),
			OrganizationId: ORGANIZATION_ID,
			OrganizationName: this.engine.orgName,
			OutputParameters: ev.message === 'Create' && step.stage === 40 ? [{ key: 'id', value: ev.id }] : [],
			OwningExtension: { Id: step.id, KeyAttributes: [], LogicalName: 'sdkmessageprocessingstep', Name: step.name, RowVersion: null },
			ParentContext: null,
			PostEntityImages: image(1),
			PreEntityImages: image(0),
			PrimaryEntityId: ev.id,
			PrimaryEntityName: t.def.logicalName,
			RequestId: async ? null : randomUUID(),
			SecondaryEntityName: 'none',
			SharedVariables: ctx.tag !== undefined ? [{ key: 'tag', value: ctx.tag }] : [],
			Stage: step.stage,
			UserAzureActiveDirectoryObjectId: user,
			UserId: user,
		};
	}

	private async deliver(ctx: RequestContext, step: Step, ev: PipelineEvent, async: boolean): Promise<DeliveryRecord> {
		const ep = step.endpoint;
		let url = String(ep.url ?? '');
		const headers: Record<string, string> = {
			'content-type': 'application/json',
			'x-ms-dynamics-organization': new URL(this.engine.baseUrl).host,
			'x-ms-dynamics-entity-name': ev.table.def.logicalName,
			'x-ms-dynamics-request-name': ev.message,
			'x-ms-correlation-request-id': ctx.correlationId,
		};
		const addQuery = (pairs: Array<[string, string]>) => {
			if (!pairs.length) return;
			const u = new URL(url);
			for (const [k, v] of pairs) u.searchParams.append(k, v);
			url = u.toString();
		};
		if (ep.authtype === 4) addQuery([['code', String(ep.authvalue ?? '')]]);
		else if (ep.authtype === 5) for (const [k, v] of parseAuthPairs(ep.authvalue)) headers[k.toLowerCase()] = v;
		else if (ep.authtype === 6) addQuery(parseAuthPairs(ep.authvalue));
		const context = this.buildContext(ctx, step, ev, async);
		let body = JSON.stringify(context);
		if (Buffer.byteLength(body) > SIZE_LIMIT) {
			headers['x-ms-dynamics-msg-size-exceeded'] = 'true';
			body = JSON.stringify({ ...context, ParentContext: null, InputParameters: [], PreEntityImages: [], PostEntityImages: [] });
		}
		const rec: DeliveryRecord = {
			at: new Date().toISOString(),
			stepId: step.id,
			stepName: step.name,
			mode: async ? 'async' : 'sync',
			stage: step.stage,
			message: ev.message,
			entity: ev.table.def.logicalName,
			recordId: ev.id,
			url: String(ep.url ?? ''),
			attempts: 0,
			ok: false,
			correlationId: ctx.correlationId,
			depth: ctx.depth,
			...(ctx.tag !== undefined ? { tag: ctx.tag } : {}),
		};
		const flight = this.engine.inFlight.get(ctx.correlationId) ?? { depth: ctx.depth, count: 0 };
		flight.count++;
		flight.depth = Math.max(flight.depth, ctx.depth);
		this.engine.inFlight.set(ctx.correlationId, flight);
		try {
			for (;;) {
				rec.attempts++;
				const res = await this.post(url, headers, body);
				rec.status = res.status;
				if (res.status !== undefined && res.status >= 200 && res.status < 300) {
					rec.ok = true;
					rec.error = undefined;
					break;
				}
				rec.error =
					res.status === undefined
						? `The webhook call to '${String(ep.name)}' failed: ${res.error ?? 'no response'}.`
						: `The webhook call to '${String(ep.name)}' failed because of invalid http status code '${res.status}'. Response: ${res.text.slice(0, 500)}`;
				if (!async || rec.attempts > 1 || ![502, 503, 504].includes(res.status ?? 0)) break;
				await new Promise((r) => setTimeout(r, 200));
			}
		} finally {
			flight.count--;
			if (flight.count <= 0) this.engine.inFlight.delete(ctx.correlationId);
			this.log.push(rec);
			if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
		}
		return rec;
	}

	private async post(url: string, headers: Record<string, string>, body: string): Promise<{ status?: number; text: string; error?: string }> {
		const timeoutMs = this.engine.settings.webhookTimeoutMs;
		try {
			const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
			const text = await res.text();
			return { status: res.status, text };
		} catch (e) {
			const err = e as Error;
			const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
			return { text: '', error: timedOut ? `timed out after ${timeoutMs} ms` : err.message };
		}
	}
}

/** Registration rules the platform enforces on webhook tables (checked on create and update). */
export function validateRegistration(table: Table, row: Row): void {
	if (table.def.logicalName === 'serviceendpoint' && row.contract === 8) {
		if (typeof row.url !== 'string' || !/^https?:\/\//i.test(row.url)) throw badRequest('A webhook service endpoint (contract 8) requires an absolute http(s) url.');
		if (![4, 5, 6].includes(row.authtype as number)) throw badRequest('A webhook service endpoint (contract 8) requires authtype 4 (WebhookKey), 5 (HttpHeader) or 6 (HttpQueryString).');
	}
	if (table.def.logicalName === 'sdkmessageprocessingstep') {
		if (row.mode === 1 && row.stage !== 40) throw badRequest('Asynchronous steps must be registered in the post-operation stage (40).');
		if (row.stage === 30) throw badRequest('Stage 30 (main operation) is internal and cannot be registered.');
	}
}
