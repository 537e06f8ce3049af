/**
 * Dataverse writes as plans (shared/writePlan.ts). Upsert is native: PATCH to the key URL (alternate key or
 * GUID) creates or updates; `If-None-Match: *` makes it create-only (412 when the row exists), `If-Match: *` or
 * an ETag update-only (404 when missing, 412 on a stale ETag). `Prefer: return=representation` is always sent,
 * because only the status then tells created (201) from updated (200); without `returnRecord` the
 * representation is cut to the primary id with `$select`.
 */
import { buildQueryString, type QueryOptions } from '../../odata';
import { writableBody } from '../shared/bodies';
import { asODataError } from '../shared/errors';
import { keyOf } from '../shared/keys';
import type { PlannedWrite } from '../shared/baseConnector';
import { etagOf, recordOf, type StepReply, type WritePlan } from '../shared/writePlan';
import type { DataRecord, EntityInfo, RecordKey, WriteResult } from '../types';
import { lookupBinds, valueColumnBinds, type LookupResolution } from './lookups';

export interface DataverseUrls {
	recordUrl(entity: EntityInfo, key: RecordKey, query?: QueryOptions): string;
	lookups: LookupResolution;
}

const RETURN_REPRESENTATION = { Prefer: 'return=representation' };

export async function planDataverseWrite(urls: DataverseUrls, write: PlannedWrite): Promise<WritePlan> {
	const { entity, options } = write;
	try {
		const address = write.address ?? write.key ?? {};
		const keyFields = new Set([...Object.keys(write.key ?? {}), ...Object.keys(address)]);
		const { body, binds } = valueColumnBinds(entity, writableBody(write.record, keyFields), keyFields);
		const explicit = options.lookups ? await lookupBinds(urls.lookups, entity, options.lookups, write.operation === 'create' ? {} : address) : {};
		const payload = { ...body, ...binds, ...explicit };
		const query: QueryOptions = {
			...(options.returnRecord ? {} : { select: [entity.key[0]] }),
			...(options.tag !== undefined ? { params: { tag: options.tag } } : {}),
		};
		if (write.operation === 'create') {
			return {
				request: { method: 'POST', url: `${entity.name}${buildQueryString(query)}`, headers: RETURN_REPRESENTATION, body: payload, entity: entity.name },
				handle: (reply) => (reply.error ? { error: reply.error } : { result: result(entity, reply, write, createdKey(entity, write.record, reply)) }),
			};
		}
		const key = write.key as RecordKey;
		const conditions: Record<string, string> = {};
		const mode = write.operation === 'update' ? 'update' : (options.mode ?? 'upsert');
		if (mode === 'create') conditions['If-None-Match'] = '*';
		else if (mode === 'update' || options.etag !== undefined) conditions['If-Match'] = options.etag ?? '*';
		return {
			request: { method: 'PATCH', url: urls.recordUrl(entity, address, query), headers: { ...RETURN_REPRESENTATION, ...conditions }, body: payload, entity: entity.name, key },
			handle: (reply) => (reply.error ? { error: reply.error } : { result: result(entity, reply, write, key) }),
		};
	} catch (error) {
		return { error: asODataError(error, { system: 'dataverse', entity: entity.name, key: write.key }) };
	}
}

function result(entity: EntityInfo, reply: StepReply, write: PlannedWrite, key: RecordKey): WriteResult {
	const record = recordOf(reply);
	const id = idOf(entity, reply);
	const etag = etagOf(reply);
	return {
		// 201 only when a row was created; 200 (representation) or 204 for an update.
		outcome: reply.status === 201 ? 'created' : 'updated',
		key,
		...(id ? { id } : {}),
		...(etag ? { etag } : {}),
		...(write.options.returnRecord && record ? { record } : {}),
	};
}

function idOf(entity: EntityInfo, reply: StepReply): string | undefined {
	const fromBody = recordOf(reply)?.[entity.key[0]];
	if (typeof fromBody === 'string') return fromBody;
	return /\(([0-9a-fA-F-]{36})\)\s*$/.exec(reply.headers['odata-entityid'] ?? '')?.[1];
}

/** "Keys, not ids": the alternate key the caller wrote, when the record carries one; else the new GUID. */
function createdKey(entity: EntityInfo, record: DataRecord, reply: StepReply): RecordKey {
	for (const fields of entity.alternateKeys) {
		if (fields.every((field) => record[field] !== undefined && record[field] !== null)) return keyOf({ ...entity, key: fields, alternateKeys: [] }, record);
	}
	const id = idOf(entity, reply);
	return id ? { [entity.key[0]]: id } : {};
}
