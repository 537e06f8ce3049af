/**
 * F&O writes as plans (shared/writePlan.ts). F&O OData has no upsert: PATCH updates an existing key and answers
 * 404 for a missing one, POST creates and fails with a 500 AxODataWriteException "...The record already exists."
 * for an existing one. So an upsert is made of those two, in one of two orders:
 *
 * - PATCH first (single writes and non-atomic batches): PATCH by key; on 404 POST the full record; if that POST
 *   loses a race to a concurrent creator (duplicate), PATCH once more. Sync traffic is mostly updates, so the
 *   common case costs one request, and each step is safe to repeat.
 * - Read first (atomic batches): a failed PATCH inside a changeset would roll back the whole changeset, so the
 *   keys are read first (GET by key, outside the changeset) and each write becomes a PATCH or a POST in the one
 *   changeset. A record created or deleted between the read and the changeset fails the changeset, which the
 *   caller sees as per-write errors and can retry.
 *
 * Key fields never go in a PATCH body (F&O rejects a key change, and the URL already names the record). An
 * upsert given an ETag is an update: the caller read a record that now is gone, and recreating it would
 * resurrect a deleted record.
 */
import type { ODataError, QueryOptions } from '../../odata';
import { writableBody } from '../shared/bodies';
import { asODataError, usageError } from '../shared/errors';
import { keyOf } from '../shared/keys';
import type { PlannedWrite } from '../shared/baseConnector';
import { etagOf, recordOf, type StepOutcome, type StepReply, type WritePlan, type WriteStep } from '../shared/writePlan';
import type { DataRecord, EntityInfo, RecordKey, WriteOutcome, WriteResult } from '../types';

export interface FoUrls {
	recordUrl(entity: EntityInfo, key: RecordKey, query?: QueryOptions): string;
}

/** F&O's answer to a POST of a key that exists (reference §3.4). */
export function isDuplicateCreate(error: ODataError | undefined): boolean {
	if (!error || error.status !== 500) return false;
	return /AxODataWriteException$/.test(error.innerType ?? '') && /already exists/i.test(`${error.innerMessage ?? ''} ${error.serverMessage ?? ''}`);
}

const fail = (reply: StepReply): StepOutcome => ({ error: reply.error as ODataError });

const NUMERIC = new Set(['integer', 'decimal']);

/**
 * F&O has no null: an empty number is 0. A blank from the other side (Dataverse null, or a map without field types
 * that writes '') is sent as F&O stores it, instead of a value F&O rejects ("The value '' is not valid for field").
 */
export function foBody(entity: EntityInfo, body: DataRecord): DataRecord {
	for (const field of entity.fields) {
		if (NUMERIC.has(field.kind) && (body[field.name] === '' || body[field.name] === null)) body[field.name] = 0;
	}
	return body;
}

export function planFoWrite(urls: FoUrls, write: PlannedWrite): WritePlan {
	const { entity, record, options } = write;
	let key: RecordKey | undefined = write.key;
	let plan: WritePlan | undefined;
	let failure: ODataError | undefined;
	try {
		if (write.operation === 'create' || options.mode === 'create') {
			plan = postStep(urls, entity, key ? { ...record, ...key } : record, write, () => undefined);
		} else {
			key = key as RecordKey;
			const mode = write.operation === 'update' || options.mode === 'update' || options.etag !== undefined ? 'update' : 'upsert';
			if (mode === 'update') plan = patchStep(urls, entity, key, write, () => undefined);
			else if (write.atomic) plan = readFirstStep(urls, entity, key, write);
			else plan = patchFirstStep(urls, entity, key, write);
		}
	} catch (error) {
		failure = asODataError(error, { system: 'fo', entity: entity.name, key });
	}
	return plan ?? { error: failure ?? usageError({ system: 'fo', entity: entity.name, key }, 'no plan for this write') };
}

function patchFirstStep(urls: FoUrls, entity: EntityInfo, key: RecordKey, write: PlannedWrite): WriteStep {
	const patchAgain = () => patchStep(urls, entity, key, write, () => undefined);
	const post = () => postStep(urls, entity, { ...write.record, ...key }, write, (reply) => (isDuplicateCreate(reply.error) ? patchAgain() : undefined));
	return patchStep(urls, entity, key, write, (reply) => (reply.status === 404 ? post() : undefined));
}

function readFirstStep(urls: FoUrls, entity: EntityInfo, key: RecordKey, write: PlannedWrite): WriteStep {
	return {
		request: { method: 'GET', url: urls.recordUrl(entity, key, { select: entity.key }), entity: entity.name, key },
		handle: (reply) => {
			if (reply.status === 404) return { next: postStep(urls, entity, { ...write.record, ...key }, write, () => undefined) };
			if (reply.error) return fail(reply);
			return { next: patchStep(urls, entity, key, write, () => undefined) };
		},
	};
}

/** `onFailure` may turn a failure into another step (the upsert fallbacks); otherwise the failure is the result. */
type Fallback = (reply: StepReply) => WriteStep | undefined;

function patchStep(urls: FoUrls, entity: EntityInfo, key: RecordKey, write: PlannedWrite, onFailure: Fallback): WriteStep {
	return {
		request: {
			method: 'PATCH',
			url: urls.recordUrl(entity, key),
			headers: { 'If-Match': write.options.etag ?? '*' },
			body: foBody(entity, writableBody(write.record, entity.key)),
			entity: entity.name,
			key,
		},
		handle: (reply) => {
			if (reply.error) {
				const next = onFailure(reply);
				return next ? { next } : fail(reply);
			}
			return finish(urls, entity, key, 'updated', write, etagOf(reply));
		},
	};
}

function postStep(urls: FoUrls, entity: EntityInfo, body: DataRecord, write: PlannedWrite, onFailure: Fallback): WriteStep {
	const knownKey = Object.fromEntries(entity.key.filter((field) => body[field] !== undefined && body[field] !== null).map((field) => [field, body[field]])) as RecordKey;
	return {
		request: { method: 'POST', url: entity.name, body: foBody(entity, writableBody(body)), entity: entity.name, key: knownKey },
		handle: (reply) => {
			if (reply.error) {
				const next = onFailure(reply);
				return next ? { next } : fail(reply);
			}
			const created = recordOf(reply);
			// Number sequences fill key fields the caller left out: the created record tells the real key.
			const key = created && entity.key.every((field) => created[field] !== undefined && created[field] !== null) ? keyOf(entity, created) : knownKey;
			const result: WriteResult = { outcome: 'created', key, ...(etagOf(reply) ? { etag: etagOf(reply) } : {}) };
			if (write.options.returnRecord && created) result.record = created;
			return { result };
		},
	};
}

/** F&O answers PATCH with 204 and no body: `returnRecord` costs one read. */
function finish(urls: FoUrls, entity: EntityInfo, key: RecordKey, outcome: WriteOutcome, write: PlannedWrite, etag: string | undefined): StepOutcome {
	const result: WriteResult = { outcome, key, ...(etag ? { etag } : {}) };
	if (!write.options.returnRecord) return { result };
	return {
		next: {
			request: { method: 'GET', url: urls.recordUrl(entity, key), entity: entity.name, key },
			handle: (reply) => {
				if (reply.error) return fail(reply);
				const record = recordOf(reply);
				const readEtag = etagOf(reply);
				return { result: { ...result, ...(record ? { record } : {}), ...(readEtag ? { etag: readEtag } : {}) } };
			},
		},
	};
}
