import { makeRequest, type EmuRequest, type EmuResponse } from '../common/http';
import { BatchParseError, parseBatch, serializeBatchResponse, type BatchRequestPart, type BatchResponsePart } from '../common/multipart';
import { odataError } from './errors';
import type { Store } from './store';
import type { Change } from './write';

export interface BatchDeps {
	store: Store;
	baseUrl: string;
	/** Runs one inner request (already authenticated); never throws for HTTP errors. */
	dispatch(req: EmuRequest, changes: Change[]): Promise<EmuResponse>;
	publish(changes: Change[]): void;
}

/** Inner URLs may be absolute, absolute-path, relative to the service root, or start with a `$n` reference. */
function resolveUrl(url: string, baseUrl: string, locations: Map<string, string>): string {
	const ref = /^\$([^/?]+)(.*)$/.exec(url);
	if (ref) {
		const loc = locations.get(ref[1]);
		if (loc) return `${loc}${ref[2]}`;
	}
	if (/^https?:\/\//i.test(url)) {
		const u = new URL(url);
		return u.pathname + u.search;
	}
	if (url.startsWith('/')) return url;
	return `/data/${url}`;
}

function innerRequest(part: BatchRequestPart, outer: EmuRequest, baseUrl: string, locations: Map<string, string>, changeset?: string): EmuRequest {
	const req = makeRequest(part.method, resolveUrl(part.url, baseUrl, locations), part.headers, part.body);
	req.caller = outer.caller;
	req.inBatch = { contentId: part.contentId, changeset };
	return req;
}

function responsePart(part: BatchRequestPart, res: EmuResponse): BatchResponsePart {
	return { kind: 'response', contentId: part.contentId, status: res.status, headers: res.headers, body: res.body };
}

/**
 * `POST /data/$batch`. Top-level requests run independently. A change set runs in one transaction: the
 * first failing operation rolls back every earlier one, and (as OData v4 specifies) the change set's
 * response is then that single failed response. Events of a change set are published only after commit.
 */
export async function handleBatch(req: EmuRequest, deps: BatchDeps): Promise<EmuResponse> {
	let items;
	try {
		items = parseBatch(req.headers['content-type'] ?? '', req.body);
	} catch (error) {
		if (error instanceof BatchParseError) return odataError(400, `The batch request is not valid: ${error.message}`);
		throw error instanceof Error ? error : new BatchParseError(String(error));
	}
	const out: Array<BatchResponsePart | { kind: 'changeset'; parts: BatchResponsePart[] }> = [];
	const locations = new Map<string, string>();
	for (const item of items) {
		if (item.kind === 'request') {
			const changes: Change[] = [];
			const res = await deps.dispatch(innerRequest(item, req, deps.baseUrl, locations), changes);
			deps.publish(changes);
			out.push(responsePart(item, res));
			continue;
		}
		const changes: Change[] = [];
		const parts: BatchResponsePart[] = [];
		let failed: BatchResponsePart | undefined;
		deps.store.begin();
		let completed = false;
		try {
			for (const part of item.parts) {
				if (part.method === 'GET') {
					failed = responsePart(part, odataError(400, 'A change set can only contain POST, PATCH, PUT and DELETE requests; put GET requests outside change sets.'));
					break;
				}
				const res = await deps.dispatch(innerRequest(part, req, deps.baseUrl, locations, item.boundary), changes);
				if (res.status >= 400) {
					failed = responsePart(part, res);
					break;
				}
				const location = res.headers?.location;
				if (part.contentId !== undefined && location) locations.set(part.contentId, resolveUrl(location, deps.baseUrl, locations));
				parts.push(responsePart(part, res));
			}
			completed = true;
		} finally {
			// An unexpected exception must not leave the store inside a half-applied change set.
			if (!completed) deps.store.rollback();
		}
		if (failed) {
			deps.store.rollback();
			out.push(failed);
		} else {
			deps.store.commit();
			deps.publish(changes);
			out.push({ kind: 'changeset', parts });
		}
	}
	const { contentType, body } = serializeBatchResponse(out);
	return { status: 200, headers: { 'content-type': contentType, 'odata-version': '4.0' }, body };
}
