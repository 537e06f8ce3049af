import { makeRequest, type EmuRequest, type EmuResponse } from '../common/http';
import { BatchParseError, parseBatch, serializeBatchResponse, type BatchItem, type BatchRequestPart, type BatchResponseItem, type BatchResponsePart } from '../common/multipart';
import type { ContentIdRef, Engine, RequestContext } from './engine';
import { badRequest, CODES, DvError, toErrorResponse } from './errors';
import { parsePrefer } from './prefer';
import { Tx } from './store';

/**
 * `POST /api/data/v9.2/$batch`: up to 1,000 requests; change sets are atomic (one transaction, rolled back
 * on the first failing part); `$n` Content-ID references work in URLs and in `@odata.bind` inside a change
 * set; processing stops at the first error unless `Prefer: odata.continue-on-error`.
 */
export const MAX_BATCH_REQUESTS = 1000;

export type Dispatch = (req: EmuRequest, ctx: RequestContext) => Promise<EmuResponse>;

function innerUrl(engine: Engine, ctx: RequestContext, url: string, contentIds?: Map<string, ContentIdRef>): string {
	const ref = /^\$([A-Za-z0-9_.-]+)(.*)$/.exec(url);
	if (ref) {
		const hit = contentIds?.get(ref[1]);
		if (!hit) throw badRequest(`Content-ID reference '$${ref[1]}' in '${url}' does not match an earlier request in this change set.`);
		return new URL(hit.url).pathname + ref[2];
	}
	const abs = /^https?:\/\/[^/]+(\/.*)$/i.exec(url);
	if (abs) return abs[1];
	if (url.startsWith('/')) return url;
	return `/api/data/${ctx.version}/${url}`;
}

const BYPASS_HEADERS = ['mscrm.bypasscustompluginexecution', 'mscrm.bypassbusinesslogicexecution', 'mscrm.bypassbusinesslogicexecutionstepids', 'x-ms-correlation-request-id'];

function toRequest(engine: Engine, ctx: RequestContext, batchReq: EmuRequest, part: BatchRequestPart, contentIds?: Map<string, ContentIdRef>): EmuRequest {
	const headers = { ...part.headers };
	// Bypass switches and the correlation set on the batch apply to its requests unless a part sets its own.
	for (const h of BYPASS_HEADERS) if (batchReq.headers[h] !== undefined && headers[h] === undefined) headers[h] = batchReq.headers[h];
	const req = makeRequest(part.method, innerUrl(engine, ctx, part.url, contentIds), headers, part.body);
	req.caller = ctx.caller;
	req.inBatch = { ...(part.contentId !== undefined ? { contentId: part.contentId } : {}) };
	return req;
}

function partOf(res: EmuResponse, contentId?: string): BatchResponsePart {
	return { kind: 'response', ...(contentId !== undefined ? { contentId } : {}), status: res.status, headers: res.headers, body: res.body };
}

function innerContext(ctx: RequestContext, req: EmuRequest, tx?: Tx, contentIds?: Map<string, ContentIdRef>): RequestContext {
	return { ...ctx, prefer: parsePrefer(req.headers.prefer), tag: req.query.get('tag') ?? ctx.tag, tx, contentIds };
}

export async function handleBatch(engine: Engine, ctx: RequestContext, req: EmuRequest, dispatch: Dispatch, buildCtx: (req: EmuRequest, base: RequestContext) => RequestContext): Promise<EmuResponse> {
	if (req.method !== 'POST') throw new DvError(405, '', "The requested resource does not support http method '" + req.method + "'.");
	let items: BatchItem[];
	try {
		items = parseBatch(req.headers['content-type'] ?? '', req.body);
	} catch (e) {
		throw e instanceof BatchParseError ? badRequest(`The batch request is not valid: ${e.message}`, CODES.invalidArgument) : e;
	}
	const count = items.reduce((n, it) => n + (it.kind === 'changeset' ? it.parts.length : 1), 0);
	if (count > MAX_BATCH_REQUESTS) {
		throw badRequest(
			`The current batch message contains too many parts. Only batch messages with a maximum number of '${MAX_BATCH_REQUESTS}' query operations, including changeset operations, are allowed.`,
			CODES.invalidArgument,
		);
	}
	const continueOnError = ctx.prefer.continueOnError;
	const out: BatchResponseItem[] = [];
	for (const item of items) {
		if (item.kind === 'request') {
			let res: EmuResponse;
			try {
				const inner = toRequest(engine, ctx, req, item);
				res = await dispatch(inner, buildCtx(inner, innerContext(ctx, inner)));
			} catch (e) {
				res = toErrorResponse(e);
			}
			out.push(partOf(res, item.contentId));
			if (res.status >= 400 && !continueOnError) break;
			continue;
		}
		const tx = new Tx();
		const contentIds = new Map<string, ContentIdRef>();
		const parts: BatchResponsePart[] = [];
		let failed: BatchResponsePart | undefined;
		for (const part of item.parts) {
			let res: EmuResponse;
			try {
				if (part.method === 'GET') throw badRequest('GET requests are not allowed inside a change set; send them outside change sets in the batch.', CODES.invalidArgument);
				const inner = toRequest(engine, ctx, req, part, contentIds);
				res = await dispatch(inner, buildCtx(inner, innerContext(ctx, inner, tx, contentIds)));
			} catch (e) {
				if (!(e instanceof DvError)) tx.rollback();
				res = toErrorResponse(e);
			}
			if (res.status >= 400) {
				failed = partOf(res, part.contentId);
				break;
			}
			const entityUrl = res.headers?.['odata-entityid'];
			if (part.contentId !== undefined && entityUrl) {
				const m = /\/([A-Za-z0-9_]+)\(([0-9a-fA-F-]{36})\)$/.exec(entityUrl);
				const table = m ? engine.schema.bySet.get(m[1]) : undefined;
				if (m && table) contentIds.set(part.contentId, { table: table.def.logicalName, id: m[2], url: entityUrl });
			}
			parts.push(partOf(res, part.contentId));
		}
		if (failed) {
			tx.rollback();
			out.push(failed);
			if (!continueOnError) break;
		} else {
			tx.commit();
			out.push({ kind: 'changeset', parts });
		}
	}
	const { contentType, body } = serializeBatchResponse(out);
	return { status: 200, headers: { 'content-type': contentType, 'odata-version': '4.0' }, body };
}
