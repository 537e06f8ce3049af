import { callerOf, verifyBearer } from '../common/directory';
import { empty, json, type EmuRequest, type EmuResponse } from '../common/http';
import { handleBatch } from './batch';
import { badRequest, FoHttpError, noHttpResource, notFoundSegment, odataError } from './errors';
import type { EventHub } from './events';
import { formatKey, parseKey, parseResourcePath } from './keys';
import { countRows, expandedRowJson, MAX_PAGE_SIZE, parseQuery, readPage, type CollectionQuery } from './query';
import { GLOBAL_PARTITION, type EntitySet, type Row, type Store } from './store';
import type { UserRegistry } from './users';
import { parseBody, type Change, type WriteContext, type Writer } from './write';

export interface FoSettings {
	pageSize: number;
}

export interface RouterDeps {
	baseUrl: string;
	store: Store;
	writer: Writer;
	events: EventHub;
	users: UserRegistry;
	settings: FoSettings;
	metadata: () => string;
	reset: () => void;
}

const ODATA_HEADERS = { 'odata-version': '4.0' };

/** F&O answers any authentication failure with a bare 401: no body, just the challenge. */
const unauthorized = (): EmuResponse => ({ status: 401, headers: { 'www-authenticate': 'Bearer' } });

export function createRouter(deps: RouterDeps): (req: EmuRequest) => Promise<EmuResponse> {
	const { baseUrl, store, writer, events, users, settings } = deps;
	const root = `${baseUrl}/data`;

	const entity = (set: EntitySet, row: Row, status: number, q: Pick<CollectionQuery, 'select' | 'expand'> = {}, extra: Record<string, string> = {}): EmuResponse => {
		const context = `"@odata.context":${JSON.stringify(`${root}/$metadata#${set.def.setName}${q.select ? `(${q.select.join(',')})` : ''}/$entity`)}`;
		return {
			status,
			headers: { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', etag: row.etag, ...ODATA_HEADERS, ...extra },
			body: `{${context},${expandedRowJson(set, row, q).slice(1)}`,
		};
	};

	const lookup = (name: string): EntitySet => {
		const set = store.set(name);
		if (!set || set.def.setName !== name) throw notFoundSegment(name);
		return set;
	};

	const collection = (req: EmuRequest, set: EntitySet, defaultCompany: string, countOnly: boolean): EmuResponse => {
		const q = parseQuery(set, req.query, store);
		const companies = !set.def.companySpecific ? [GLOBAL_PARTITION] : q.crossCompany ? undefined : [defaultCompany];
		if (countOnly) return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...ODATA_HEADERS }, body: String(countRows(set, q, companies)) };
		const page = readPage(set, q, companies, Math.min(settings.pageSize, MAX_PAGE_SIZE));
		const parts = [`"@odata.context":${JSON.stringify(`${root}/$metadata#${set.def.setName}${q.select ? `(${q.select.join(',')})` : ''}`)}`];
		if (page.total !== undefined) parts.push(`"@odata.count":${page.total}`);
		parts.push(`"value":[${page.rows.map((r) => expandedRowJson(set, r, q)).join(',')}]`);
		if (page.nextSkip !== undefined) parts.push(`"@odata.nextLink":${JSON.stringify(nextLink(req, set, page.nextSkip, q.top === undefined ? undefined : q.top - page.rows.length))}`);
		return { status: 200, headers: { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', ...ODATA_HEADERS }, body: `{${parts.join(',')}}` };
	};

	/** Keeps the caller's other options as they were sent and replaces $skip (and the remaining $top). */
	const nextLink = (req: EmuRequest, set: EntitySet, skip: number, remainingTop: number | undefined): string => {
		const kept = req.rawQuery.split('&').filter((p) => p && !/^(\$|%24)(skip|top)=/i.test(p));
		if (remainingTop !== undefined) kept.push(`$top=${remainingTop}`);
		kept.push(`$skip=${skip}`);
		return `${root}/${set.def.setName}?${kept.join('&')}`;
	};

	const serviceDocument = (): EmuResponse =>
		json(200, { '@odata.context': `${root}/$metadata`, value: [...store.sets.values()].map((s) => ({ name: s.def.setName, kind: 'EntitySet', url: s.def.setName })) }, ODATA_HEADERS);

	/** Everything under /data once the caller is known. Throws FoHttpError for HTTP errors. */
	const data = async (req: EmuRequest, ctx: WriteContext): Promise<EmuResponse> => {
		const rest = req.rawPath.slice('/data'.length).replace(/^\//, '');
		if (rest === '') {
			if (req.method !== 'GET') throw new FoHttpError(odataError(405, 'The service document only supports GET.'));
			return serviceDocument();
		}
		if (rest === '$metadata') {
			if (req.method !== 'GET') throw new FoHttpError(odataError(405, '$metadata only supports GET.'));
			return { status: 200, headers: { 'content-type': 'application/xml', ...ODATA_HEADERS }, body: deps.metadata() };
		}
		if (rest === '$batch') {
			if (req.inBatch) throw badRequest('Batch requests cannot be nested.');
			if (req.method !== 'POST') throw new FoHttpError(odataError(405, '$batch only supports POST.'));
			return handleBatch(req, { store, baseUrl, dispatch: (inner, changes) => safe(inner, { ...ctx, changes }), publish: (c) => events.publish(c) });
		}
		const path = parseResourcePath(rest);
		const set = lookup(path.setName);
		if (path.keyText === undefined) {
			if (path.tail !== undefined && path.tail !== '$count') throw notFoundSegment(path.tail);
			if (req.method === 'GET') return collection(req, set, ctx.defaultCompany, path.tail === '$count');
			if (req.method === 'POST' && path.tail === undefined) {
				const row = writer.create(set, parseBody(req.body), ctx);
				const location = `${root}/${set.def.setName}(${formatKey(set, row.values)})`;
				if (/return=minimal/i.test(req.headers.prefer ?? '')) return empty(204, { location, 'odata-entityid': location, etag: row.etag, ...ODATA_HEADERS });
				return entity(set, row, 201, {}, { location });
			}
			throw new FoHttpError(odataError(405, `${req.method} is not supported on the collection ${set.def.setName}.`));
		}
		const key = parseKey(set, path.keyText);
		switch (req.method) {
			case 'GET': {
				const row = set.get(key.company, key.key);
				if (!row) throw notFoundSegment(set.def.setName);
				if (path.tail === undefined) return entity(set, row, 200, parseQuery(set, req.query, store));
				const field = set.fieldByName.get(path.tail);
				if (!field) throw notFoundSegment(path.tail);
				return json(200, { '@odata.context': `${root}/$metadata#${set.def.setName}(${formatKey(set, row.values)})/${field.name}`, value: row.values[field.name] }, ODATA_HEADERS);
			}
			case 'PATCH':
			case 'PUT':
			case 'MERGE': {
				if (path.tail !== undefined) throw new FoHttpError(odataError(405, 'Updating a single property is not supported; PATCH the entity.'));
				writer.update(set, key, parseBody(req.body), req.headers['if-match'], req.method === 'PUT', ctx);
				return empty(204, ODATA_HEADERS);
			}
			case 'DELETE':
				if (path.tail !== undefined) throw new FoHttpError(odataError(405, 'Deleting a single property is not supported.'));
				writer.delete(set, key, req.headers['if-match'], ctx);
				return empty(204, ODATA_HEADERS);
			default:
				throw new FoHttpError(odataError(405, `${req.method} is not supported on an entity.`));
		}
	};

	const safe = async (req: EmuRequest, ctx: WriteContext): Promise<EmuResponse> => {
		if (req.rawPath !== '/data' && !req.rawPath.startsWith('/data/')) return noHttpResource(baseUrl, req.rawPath);
		return data(req, ctx).catch((error: unknown) => {
			if (error instanceof FoHttpError) return error.response;
			throw error;
		});
	};

	const admin = async (req: EmuRequest): Promise<EmuResponse> => {
		const out = (await events.admin(req)) ?? users.admin(req);
		if (out) return out;
		if (req.rawPath === '/_emulator/settings') {
			if (req.method === 'POST') {
				const body = JSON.parse(req.body.toString('utf8') || '{}') as Partial<FoSettings>;
				if (body.pageSize !== undefined) {
					if (!Number.isInteger(body.pageSize) || body.pageSize < 1 || body.pageSize > MAX_PAGE_SIZE) {
						return json(400, { error: { code: '', message: `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}.` } });
					}
					settings.pageSize = body.pageSize;
				}
			}
			return json(200, settings);
		}
		if (req.rawPath === '/_emulator/reset' && req.method === 'POST') {
			deps.reset();
			return json(200, { reset: true, rows: Object.fromEntries([...store.sets.values()].map((s) => [s.def.setName, s.count])) });
		}
		return json(404, { error: { code: '', message: `No admin endpoint ${req.method} ${req.rawPath}` } });
	};

	return async (req) => {
		if (req.rawPath.startsWith('/_emulator/')) return admin(req);
		if (req.rawPath !== '/data' && !req.rawPath.startsWith('/data/')) return noHttpResource(baseUrl, req.rawPath);
		const check = verifyBearer(req.headers.authorization, baseUrl);
		if (!check.ok) return unauthorized();
		const user = users.byClientId(check.claims.appid);
		if (!user) return unauthorized();
		req.caller = callerOf(check.claims);
		const changes: Change[] = [];
		const res = await safe(req, { caller: req.caller, defaultCompany: user.defaultCompany, changes });
		events.publish(changes);
		return res;
	};
}
