import { empty, json, type EmuRequest, type EmuResponse } from '../common/http';
import type { Engine, RequestContext } from './engine';
import { badRequest, CODES, DvError, notFound } from './errors';
import { formatKeyLiteral, isGuid, parseKeySegment, percentDecode, resolveKey, type ResolvedKey } from './keys';
import { contextUrl, parseSelect } from './query';
import type { Table } from './schema';
import { etagOf, serializeRow } from './serialize';
import { isLookupValue, type LookupValue, type Row, type Tx } from './store';
import { convertValue, isoSeconds } from './values';
import { validateRegistration, type PipelineEvent, type Webhooks } from './webhooks';

/**
 * Create, update, upsert and delete with the semantics of the Web API docs (use-upsert, conditional
 * operations): status codes, OData-EntityId, ETags, key handling, `@odata.bind`, and the event pipeline
 * (synchronous steps in the transaction, asynchronous ones after commit).
 */
export interface WriteDeps {
	engine: Engine;
	webhooks: Webhooks;
}

const payloadError = (table: Table, inner: string) =>
	badRequest(
		`Error identified in Payload provided by the user for Entity :'${table.def.entitySetName}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: ${inner}`,
		CODES.payload,
	);

export function parseBody(table: Table, req: EmuRequest): Record<string, unknown> {
	const text = req.body.toString('utf8').trim();
	if (text === '') return {};
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		throw payloadError(table, `Invalid JSON. ${(e as Error).message}`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) throw payloadError(table, 'The request body must be a JSON object.');
	return value as Record<string, unknown>;
}

export function describeMissing(table: Table, key: ResolvedKey): string {
	return key.kind === 'id' ? `${table.def.logicalName} With Id = ${key.id} Does Not Exist` : `A record with the specified key values does not exist in ${table.def.logicalName} entity`;
}

export function findRow(engine: Engine, table: Table, key: ResolvedKey): Row | undefined {
	const store = engine.store.of(table.def.logicalName);
	return key.kind === 'id' ? store.get(key.id) : store.findByKey(key.key.name, key.indexKey);
}

/** Resolves an `@odata.bind` value (`/set(key)`, an absolute URL, or `$n`) to a row reference. */
export function resolveBind(engine: Engine, ctx: RequestContext, table: Table, nav: string, targets: string[], value: string): LookupValue {
	const bad = (why: string) => badRequest(`The value '${value}' of '${nav}@odata.bind' is not valid: ${why}`, CODES.invalidArgument);
	const ref = /^\$([A-Za-z0-9_.-]+)$/.exec(value);
	if (ref) {
		const hit = ctx.contentIds?.get(ref[1]);
		if (!hit) throw bad(`no earlier request in this change set has Content-ID ${ref[1]}.`);
		if (!targets.includes(hit.table)) throw bad(`Content-ID ${ref[1]} refers to a ${hit.table}, the navigation property expects ${targets.join(' or ')}.`);
		return { id: hit.id, table: hit.table };
	}
	let path = value;
	const abs = /^https?:\/\/[^/]+(\/.*)$/i.exec(path);
	if (abs) path = abs[1];
	path = path.replace(/^\/?api\/data\/v9\.[0-2]\//i, '').replace(/^\//, '');
	const m = /^([A-Za-z0-9_]+)\((.*)\)$/.exec(path);
	if (!m) throw bad("expected '/<entityset>(<key>)'.");
	const target = engine.schema.bySet.get(m[1]);
	if (!target) throw bad(`'${m[1]}' is not an entity set.`);
	if (!targets.includes(target.def.logicalName)) throw bad(`'${m[1]}' is not the target of the navigation property (expected ${targets.join(' or ')}).`);
	const key = resolveKey(target, parseKeySegment(percentDecode(m[2])));
	const row = findRow(engine, target, key);
	if (!row) {
		// A clear 400 rather than the platform's 404: the failing thing is this request's payload.
		throw new DvError(400, CODES.objectDoesNotExist, `${describeMissing(target, key)} (referenced by ${nav}@odata.bind).`);
	}
	return { id: row[target.def.primaryId] as string, table: target.def.logicalName };
}

interface Converted {
	changes: Row;
	sent: string[];
	bodyId?: string;
}

export function convertBody(engine: Engine, ctx: RequestContext, table: Table, body: Record<string, unknown>): Converted {
	const changes: Row = {};
	let bodyId: string | undefined;
	for (const [k, v] of Object.entries(body)) {
		if (k.startsWith('@')) continue;
		const at = k.indexOf('@');
		if (at > 0) {
			if (!k.endsWith('@odata.bind')) continue;
			const nav = k.slice(0, at);
			const hit = table.lookupByNavigation.get(nav.toLowerCase());
			if (!hit) {
				throw payloadError(
					table,
					`An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
				);
			}
			const col = hit.lookup.column;
			if (col.system) continue;
			if (v === null) changes[col.name] = null;
			else if (typeof v !== 'string') throw payloadError(table, `The value of '${k}' must be a string URL.`);
			else changes[col.name] = resolveBind(engine, ctx, table, nav, [hit.target], v);
			continue;
		}
		if (table.lookupByValueName.has(k)) {
			throw badRequest('CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.', CODES.propertyNotFound);
		}
		if (k === table.def.primaryId) {
			if (typeof v !== 'string' || !isGuid(v)) throw payloadError(table, `Cannot convert the literal '${String(v)}' to the expected type 'Edm.Guid'.`);
			bodyId = v.toLowerCase();
			continue;
		}
		const col = table.columns.get(k);
		if (!col || table.lookupByNavigation.has(k.toLowerCase()) || col.type === 'lookup') {
			if (col?.type === 'lookup' || table.lookupByNavigation.has(k.toLowerCase())) {
				throw payloadError(table, `Navigation property '${k}' must be set with '${k}@odata.bind': deep insert and primitive values are not supported for it.`);
			}
			throw payloadError(
				table,
				`The property '${k}' does not exist on type 'Microsoft.Dynamics.CRM.${table.def.logicalName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
			);
		}
		// The platform ignores writes to system-managed and computed columns.
		if (col.system || col.derivedFrom) continue;
		changes[k] = convertValue(table, col, v);
	}
	return { changes, sent: Object.keys(changes), bodyId };
}

function derive(table: Table, row: Row): void {
	for (const col of table.derived) {
		row[col.name] = (col.derivedFrom ?? []).map((c) => row[c]).filter((v) => typeof v === 'string' && v !== '').join(' ') || null;
	}
}

function userRef(ctx: RequestContext): LookupValue {
	return { id: ctx.caller.objectId, table: 'systemuser' };
}

function entityHeaders(engine: Engine, ctx: RequestContext, table: Table, id: string, row: Row): Record<string, string> {
	const url = engine.entityUrl(ctx, table.def.entitySetName, id);
	const h: Record<string, string> = { 'odata-entityid': url, etag: etagOf(row) };
	if (ctx.contentIds) h.location = url;
	return h;
}

function representation(deps: WriteDeps, ctx: RequestContext, table: Table, row: Row, req: EmuRequest, status: number, headers: Record<string, string>): EmuResponse {
	const select = parseSelect(table, req.query.get('$select'));
	const body = {
		'@odata.context': contextUrl(deps.engine, ctx, table, select, '/$entity'),
		...serializeRow(deps.engine.schema, deps.engine.store, table, row, { select: select ? new Set(select) : undefined }),
	};
	return json(status, body, { ...headers, 'preference-applied': 'return=representation' });
}

async function runPipeline(deps: WriteDeps, ctx: RequestContext, tx: Tx, ev: PipelineEvent, apply: () => void): Promise<void> {
	if (!deps.webhooks.steps(ev.message, ev.table.def.logicalName).length) return apply();
	await deps.webhooks.runSync(ctx, ev, 10);
	await deps.webhooks.runSync(ctx, ev, 20);
	apply();
	await deps.webhooks.runSync(ctx, ev, 40);
	deps.webhooks.queueAsync(ctx, ev, tx);
}

/** Inserts a row from converted values; shared by POST and by the create branch of an upsert. */
async function insertRow(deps: WriteDeps, ctx: RequestContext, tx: Tx, table: Table, id: string, values: Row, sent: string[]): Promise<Row> {
	const { engine } = deps;
	const store = engine.store.of(table.def.logicalName);
	if (store.get(id)) throw new DvError(412, CODES.duplicateRecord, 'Cannot insert duplicate key.');
	// Rows are sparse (absent = null): tables have dozens of columns and most are empty.
	const row: Row = {};
	for (const col of table.defaults) row[col.name] = col.default;
	for (const k in values) if (values[k] !== null) row[k] = values[k];
	for (const col of table.required) {
		if (row[col.name] === undefined || row[col.name] === '') {
			throw badRequest(`A value for the required column '${col.name}' of table '${table.def.logicalName}' is missing.`, CODES.requiredMissing);
		}
	}
	const now = isoSeconds(Date.now());
	row[table.def.primaryId] = id;
	row.createdon = now;
	row.modifiedon = now;
	row.createdby = userRef(ctx);
	row.modifiedby = userRef(ctx);
	derive(table, row);
	validateRegistration(table, row);
	const ev: PipelineEvent = { message: 'Create', table, id, target: row, changed: sent, post: row };
	await runPipeline(deps, ctx, tx, ev, () => {
		row.versionnumber = engine.store.nextVersion();
		store.insert(tx, id, row);
	});
	return row;
}

async function updateRow(deps: WriteDeps, ctx: RequestContext, tx: Tx, table: Table, prev: Row, changes: Row, sent: string[]): Promise<Row> {
	const { engine } = deps;
	const store = engine.store.of(table.def.logicalName);
	const id = prev[table.def.primaryId] as string;
	const next: Row = { ...prev, ...changes, modifiedon: isoSeconds(Date.now()), modifiedby: userRef(ctx) };
	for (const col of table.required) {
		if (col.name in changes && (next[col.name] === null || next[col.name] === '')) {
			throw badRequest(`A value for the required column '${col.name}' of table '${table.def.logicalName}' is missing.`, CODES.requiredMissing);
		}
	}
	derive(table, next);
	validateRegistration(table, next);
	const target: Row = { ...changes, [table.def.primaryId]: id, modifiedon: next.modifiedon, modifiedby: next.modifiedby };
	const ev: PipelineEvent = { message: 'Update', table, id, target, changed: sent, pre: prev, post: next };
	await runPipeline(deps, ctx, tx, ev, () => {
		next.versionnumber = engine.store.nextVersion();
		store.replace(tx, id, next);
	});
	return next;
}

/** POST /<set> */
export async function createFromRequest(deps: WriteDeps, ctx: RequestContext, table: Table, req: EmuRequest): Promise<EmuResponse> {
	const { engine } = deps;
	const body = parseBody(table, req);
	const { changes, sent, bodyId } = convertBody(engine, ctx, table, body);
	const id = bodyId ?? engine.newId();
	const row = await engine.inTx(ctx, (tx) => insertRow(deps, ctx, tx, table, id, changes, sent));
	const headers = entityHeaders(engine, ctx, table, id, row);
	if (ctx.prefer.returnRepresentation) return representation(deps, ctx, table, row, req, 201, headers);
	return empty(204, headers);
}

/** PATCH /<set>(<key>): update, or create when missing (upsert), honouring If-Match / If-None-Match. */
export async function patchFromRequest(deps: WriteDeps, ctx: RequestContext, table: Table, key: ResolvedKey, req: EmuRequest): Promise<EmuResponse> {
	const { engine } = deps;
	const body = parseBody(table, req);
	const ifMatch = req.headers['if-match']?.trim();
	const ifNoneMatch = req.headers['if-none-match']?.trim();
	const result = await engine.inTx(ctx, async (tx) => {
		const { changes, sent, bodyId } = convertBody(engine, ctx, table, body);
		const existing = findRow(engine, table, key);
		if (existing) {
			if (ifNoneMatch === '*') throw new DvError(412, CODES.duplicateRecord, 'A record with matching key values already exists.');
			if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(etagOf(existing))) {
				throw new DvError(412, CODES.concurrencyVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
			}
			const id = existing[table.def.primaryId] as string;
			if (bodyId && bodyId !== id) throw badRequest(`The ${table.def.primaryId} in the body (${bodyId}) does not match the record addressed by the URL (${id}).`);
			if (key.kind === 'alt') {
				// Keys cannot be changed through an alternate-key upsert: key columns in the body are dropped.
				for (const c of key.key.columns) delete changes[c];
			}
			const kept = sent.filter((c) => c in changes);
			const row = await updateRow(deps, ctx, tx, table, existing, changes, kept);
			return { row, id, created: false };
		}
		if (ifMatch) throw notFound(describeMissing(table, key));
		let id: string;
		if (key.kind === 'id') {
			if (bodyId && bodyId !== key.id) throw badRequest(`The ${table.def.primaryId} in the body (${bodyId}) does not match the id in the URL (${key.id}).`);
			id = key.id;
		} else {
			id = bodyId ?? engine.newId();
			// Body key values win over URL values; URL values fill in what the body lacks.
			key.key.columns.forEach((c, i) => {
				if (c in changes) return;
				const col = table.columns.get(c);
				const v = key.values[i];
				if (col?.type === 'lookup' && typeof v === 'string') {
					const lookup = table.lookups.get(c);
					const targetName = lookup?.targets[0] ?? '';
					const target = engine.schema.table(targetName);
					if (!engine.store.of(targetName).get(v)) {
						throw new DvError(400, CODES.objectDoesNotExist, `${target.def.logicalName} With Id = ${v} Does Not Exist (referenced by key property _${c}_value).`);
					}
					changes[c] = { id: v, table: targetName };
				} else changes[c] = v;
			});
		}
		const row = await insertRow(deps, ctx, tx, table, id, changes, Object.keys(changes));
		return { row, id, created: true };
	});
	const headers = entityHeaders(engine, ctx, table, result.id, result.row);
	if (ctx.prefer.returnRepresentation) return representation(deps, ctx, table, result.row, req, result.created ? 201 : 200, headers);
	return empty(204, headers);
}

/** DELETE /<set>(<key>) */
export async function deleteFromRequest(deps: WriteDeps, ctx: RequestContext, table: Table, key: ResolvedKey, req: EmuRequest): Promise<EmuResponse> {
	const { engine } = deps;
	const ifMatch = req.headers['if-match']?.trim();
	await engine.inTx(ctx, async (tx) => {
		const existing = findRow(engine, table, key);
		if (!existing) throw notFound(describeMissing(table, key));
		if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').map((s) => s.trim()).includes(etagOf(existing))) {
			throw new DvError(412, CODES.concurrencyVersionMismatch, "The version of the existing record doesn't match the RowVersion property provided.");
		}
		const id = existing[table.def.primaryId] as string;
		const ev: PipelineEvent = { message: 'Delete', table, id, target: {}, changed: [], pre: existing };
		await runPipeline(deps, ctx, tx, ev, () => engine.store.of(table.def.logicalName).remove(tx, id, engine.store.nextVersion()));
	});
	return empty(204);
}

/** `OData-EntityId`-style URL for a key, used when reporting alternate-key addresses. */
export function keyUrl(engine: Engine, ctx: RequestContext, table: Table, key: ResolvedKey): string {
	if (key.kind === 'id') return engine.entityUrl(ctx, table.def.entitySetName, key.id);
	const parts = key.key.columns.map((c, i) => `${table.lookups.has(c) ? `_${c}_value` : c}=${formatKeyLiteral(key.values[i])}`);
	return `${engine.apiRoot(ctx)}/${table.def.entitySetName}(${parts.join(',')})`;
}

export { isLookupValue };
