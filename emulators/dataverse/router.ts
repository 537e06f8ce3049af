import { randomUUID } from 'node:crypto';
import { callerOf, TENANT_ID, verifyBearer } from '../common/directory';
import { empty, json, type EmuRequest, type EmuResponse, type Handler } from '../common/http';
import { handleBatch } from './batch';
import { trackedRead, wantsTracking } from './changeTracking';
import { BUSINESS_UNIT_ID, ORGANIZATION_ID, type Engine, type RequestContext } from './engine';
import { CODES, DvError, errorResponse, notFound, toErrorResponse } from './errors';
import { parseKeySegment, percentDecode, resolveKey } from './keys';
import { buildMetadata, serviceDocument } from './metadata';
import { parsePrefer } from './prefer';
import { countCollection, QueryCache, queryCollection, retrieveOne } from './query';
import type { Table } from './schema';
import type { Webhooks } from './webhooks';
import { createFromRequest, deleteFromRequest, describeMissing, findRow, patchFromRequest, type WriteDeps } from './write';

/**
 * Request routing for `/api/data/v9.{0,1,2}/...`: auth, per-request context (correlation, depth, tag,
 * bypass switches), then the resource: service document, `$metadata`, `$batch`, `WhoAmI`, entity sets,
 * single rows by primary or alternate key, `$count`, and single properties.
 */
const API = /^\/api\/data\/(v9\.[012])(?:\/(.*))?$/;

function splitSegments(path: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let quoted = false;
	let cur = '';
	for (const ch of path) {
		if (ch === "'" ) quoted = !quoted;
		else if (!quoted && ch === '(') depth++;
		else if (!quoted && ch === ')') depth--;
		if (ch === '/' && depth === 0 && !quoted) {
			out.push(cur);
			cur = '';
		} else cur += ch;
	}
	out.push(cur);
	return out;
}

const segmentNotFound = (segment: string) => new DvError(404, CODES.resourceNotFound, `Resource not found for the segment '${segment}'.`);
const methodNotAllowed = (method: string) => new DvError(405, CODES.unexpected, `The requested resource does not support http method '${method}'.`);

function readValueBody(req: EmuRequest): unknown {
	let parsed: unknown;
	try {
		parsed = JSON.parse(req.body.toString('utf8'));
	} catch {
		parsed = undefined;
	}
	if (typeof parsed !== 'object' || parsed === null || !('value' in parsed)) {
		throw new DvError(400, CODES.payload, 'The request body must be a JSON object with a "value" property.');
	}
	return (parsed as { value: unknown }).value;
}

export interface Router {
	route: Handler;
	dispatch: (req: EmuRequest, ctx: RequestContext) => Promise<EmuResponse>;
	contextFor: (req: EmuRequest, base?: RequestContext) => RequestContext;
}

export function createRouter(engine: Engine, webhooks: Webhooks, opts: { authorityUrl?: string } = {}): Router {
	const deps: WriteDeps = { engine, webhooks };
	const cache = new QueryCache();
	const authority = opts.authorityUrl ?? `https://login.microsoftonline.com/${TENANT_ID}`;

	const contextFor = (req: EmuRequest, base?: RequestContext): RequestContext => {
		const h = req.headers;
		const logic = (h['mscrm.bypassbusinesslogicexecution'] ?? '').split(',').map((s) => s.trim().toLowerCase());
		const stepIds = (h['mscrm.bypassbusinesslogicexecutionstepids'] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
		const corr = h['x-ms-correlation-request-id']?.trim();
		const flight = corr ? engine.inFlight.get(corr) : undefined;
		const m = API.exec(req.rawPath);
		return {
			caller: base?.caller ?? (req.caller as NonNullable<EmuRequest['caller']>),
			version: m?.[1] ?? base?.version ?? 'v9.2',
			prefer: base?.prefer ?? parsePrefer(h.prefer),
			correlationId: base && !corr ? base.correlationId : corr || randomUUID(),
			depth: flight ? flight.depth + 1 : base?.depth ?? 1,
			tag: base ? base.tag : req.query.get('tag') ?? undefined,
			bypassSync: (h['mscrm.bypasscustompluginexecution'] ?? '').toLowerCase() === 'true' || logic.includes('customsync'),
			bypassAsync: logic.includes('customasync'),
			bypassStepIds: new Set(stepIds),
			tx: base?.tx,
			contentIds: base?.contentIds,
		};
	};

	const tableFor = (name: string): Table => {
		const t = engine.schema.bySet.get(name);
		if (!t) throw segmentNotFound(name);
		return t;
	};

	async function resource(req: EmuRequest, ctx: RequestContext, rest: string): Promise<EmuResponse> {
		const segments = splitSegments(rest);
		const first = segments[0];
		if (first === '' && segments.length === 1) {
			if (req.method !== 'GET') throw methodNotAllowed(req.method);
			return json(200, serviceDocument(engine, ctx));
		}
		if (first === '$metadata') {
			return { status: 200, headers: { 'content-type': 'application/xml', 'odata-version': '4.0' }, body: buildMetadata(engine, req.query.get('annotations') === 'true') };
		}
		if (first === '$batch') return handleBatch(engine, ctx, req, dispatch, contextFor);
		if (first === 'WhoAmI' || first === 'WhoAmI()') {
			if (req.method !== 'GET') throw methodNotAllowed(req.method);
			return json(200, {
				'@odata.context': `${engine.apiRoot(ctx)}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
				BusinessUnitId: BUSINESS_UNIT_ID,
				UserId: ctx.caller.objectId,
				OrganizationId: ORGANIZATION_ID,
			});
		}
		const m = /^([A-Za-z0-9_]+)(?:\((.*)\))?$/s.exec(first);
		if (!m) throw segmentNotFound(percentDecode(first));
		const table = tableFor(m[1]);
		if (m[2] === undefined) {
			if (segments.length === 2 && segments[1] === '$count') {
				if (req.method !== 'GET') throw methodNotAllowed(req.method);
				return countCollection(engine, table, req);
			}
			if (segments.length > 1) throw segmentNotFound(segments[1]);
			if (req.method === 'GET') return wantsTracking(ctx, req) ? trackedRead(engine, ctx, table, req) : queryCollection(engine, ctx, table, req, cache);
			if (req.method === 'POST') return createFromRequest(deps, ctx, table, req);
			throw methodNotAllowed(req.method);
		}
		const key = resolveKey(table, parseKeySegment(percentDecode(m[2])));
		if (segments.length === 2) return property(req, ctx, table, key, segments[1]);
		if (segments.length > 2) throw segmentNotFound(segments[2]);
		switch (req.method) {
			case 'GET': {
				const row = findRow(engine, table, key);
				if (!row) throw notFound(describeMissing(table, key));
				return retrieveOne(engine, ctx, table, row, req);
			}
			case 'PATCH':
				return patchFromRequest(deps, ctx, table, key, req);
			case 'DELETE':
				return deleteFromRequest(deps, ctx, table, key, req);
			default:
				throw methodNotAllowed(req.method);
		}
	}

	/** `/set(key)/column`: GET the value, PUT `{"value":...}` to set it, DELETE to clear it. */
	async function property(req: EmuRequest, ctx: RequestContext, table: Table, key: ReturnType<typeof resolveKey>, name: string): Promise<EmuResponse> {
		const lookup = table.lookupByValueName.get(name);
		const col = lookup ? lookup.column : table.columns.get(name);
		if (!col || col.writeOnly || (col.type === 'lookup' && !lookup)) throw segmentNotFound(name);
		const row = findRow(engine, table, key);
		if (!row) throw notFound(describeMissing(table, key));
		if (req.method === 'GET') {
			const v = row[col.name];
			const value = col.type === 'lookup' ? ((v as { id?: string } | null)?.id ?? null) : (v ?? null);
			if (value === null) return empty(204);
			return json(200, { '@odata.context': `${engine.apiRoot(ctx)}/$metadata#${table.def.entitySetName}(${row[table.def.primaryId] as string})/${name}`, value });
		}
		if (col.type === 'lookup' || col.system) throw methodNotAllowed(req.method);
		if (req.method !== 'PUT' && req.method !== 'DELETE') throw methodNotAllowed(req.method);
		const value = req.method === 'PUT' ? readValueBody(req) : null;
		const inner: EmuRequest = { ...req, method: 'PATCH', headers: { ...req.headers, 'if-match': '*', prefer: '' }, body: Buffer.from(JSON.stringify({ [col.name]: value })) };
		const res = await patchFromRequest(deps, { ...ctx, prefer: { ...ctx.prefer, returnRepresentation: false } }, table, { kind: 'id', id: row[table.def.primaryId] as string }, inner);
		return { status: 204, headers: { etag: res.headers?.etag ?? '' } };
	}

	async function checkedResource(req: EmuRequest, ctx: RequestContext): Promise<EmuResponse> {
		const m = API.exec(req.rawPath);
		if (!m) throw segmentNotFound(req.rawPath.replace(/^\/api\/data\/?/, '').split('/')[0] || req.rawPath);
		if (ctx.depth > engine.settings.maxDepth) {
			throw new DvError(
				400,
				CODES.depthExceeded,
				`This operation has exceeded the maximum plug-in depth of ${engine.settings.maxDepth} for correlation ${ctx.correlationId}; it is treated as an infinite loop and was not executed.`,
			);
		}
		return resource(req, ctx, m[2] ?? '');
	}

	function dispatch(req: EmuRequest, ctx: RequestContext): Promise<EmuResponse> {
		return checkedResource(req, ctx).catch(toErrorResponse);
	}

	const route: Handler = async (req) => {
		if (!req.rawPath.startsWith('/api/data')) return errorResponse(segmentNotFound(req.rawPath));
		const check = verifyBearer(req.headers.authorization, engine.baseUrl);
		if (!check.ok) {
			return empty(401, { 'www-authenticate': `Bearer authorization_uri=${authority}/oauth2/authorize, resource_id=${engine.baseUrl}` });
		}
		req.caller = callerOf(check.claims);
		if (engine.disabledApps.has(check.claims.appid)) return errorResponse(new DvError(403, CODES.notMember, 'The user is not a member of the organization.'));
		if (req.body.length > engine.settings.maxBodyBytes) {
			return errorResponse(new DvError(413, CODES.tooLarge, `The request body of ${req.body.length} bytes exceeds the limit of ${engine.settings.maxBodyBytes} bytes.`));
		}
		const ctx = contextFor(req);
		const res = await dispatch(req, ctx);
		return { ...res, headers: { 'odata-version': '4.0', ...(res.headers ?? {}), 'x-ms-correlation-request-id': ctx.correlationId } };
	};

	return { route, dispatch, contextFor };
}
