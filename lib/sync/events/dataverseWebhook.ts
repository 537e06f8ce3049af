/**
 * A Dataverse webhook delivery (reference §6.2–6.4): headers plus the `RemoteExecutionContext` JSON, as a
 * `CapturedChange`.
 *
 * Event id: `OperationId` when it is set (asynchronous steps: the system job's id, the same on the platform's retry),
 * else `CorrelationId:RequestId` (synchronous steps run inside the request and carry its RequestId). A delivery with
 * neither cannot be de-duplicated and is refused.
 *
 * `at`: the target's `modifiedon` when the delivery carries it (the row's own time, which newest-wins compares with
 * the other side's), else `OperationCreatedOn`.
 */
import { ChangeEventError, type CapturedValue, type DataverseCapturedChange } from './changeEvent';
import {
	bodyObject,
	changeOf,
	decodeValue,
	dotNetDate,
	findValue,
	guidOf,
	isObject,
	keyValues,
	optionalString,
	xrmEntity,
	type Json,
	type XrmEntity,
} from './xrmContext';

export type DeliveryHeaders = Record<string, string | string[] | undefined>;

export interface WebhookDelivery {
	headers?: DeliveryHeaders;
	/** Parsed JSON or the raw text. */
	body: unknown;
}

export interface DataverseWebhookOptions {
	/** Entity set of a table's logical name (`account` → `accounts`), from metadata; undefined = unknown table. */
	entitySetOf: (logicalName: string) => string | undefined;
}

const WHAT = 'Dataverse webhook delivery';

function header(headers: DeliveryHeaders | undefined, name: string): string | undefined {
	if (!headers) return undefined;
	const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
	return Array.isArray(found) ? found[0] : found;
}

export function parseDataverseWebhook(delivery: WebhookDelivery, options: DataverseWebhookOptions): DataverseCapturedChange {
	const context = bodyObject(delivery.body, 'dataverse', WHAT);
	const missing = (field: string) => new ChangeEventError(`The ${WHAT} has no ${field}.`, 'dataverse');

	const message = optionalString(context.MessageName) ?? header(delivery.headers, 'x-ms-dynamics-request-name');
	if (!message) throw missing('MessageName');
	const change = changeOf(message, 'dataverse', WHAT);
	const logicalName = optionalString(context.PrimaryEntityName) ?? header(delivery.headers, 'x-ms-dynamics-entity-name');
	if (!logicalName) throw missing('PrimaryEntityName');
	const entity = options.entitySetOf(logicalName);
	if (!entity) throw new ChangeEventError(`The ${WHAT} is for table ${logicalName}, whose entity set is unknown.`, 'dataverse');

	const truncated = header(delivery.headers, 'x-ms-dynamics-msg-size-exceeded')?.toLowerCase() === 'true';
	const rawTarget = findValue(context.InputParameters, 'Target');
	if (rawTarget === undefined && !truncated) throw missing('InputParameters Target');
	const target = rawTarget === undefined ? undefined : xrmEntity(rawTarget, 'dataverse', `${WHAT}'s Target`);

	const id = guidOf(context.PrimaryEntityId) ?? guidOf(target?.id);
	if (!id) throw missing('PrimaryEntityId (a GUID)');
	const correlationId = optionalString(context.CorrelationId) ?? header(delivery.headers, 'x-ms-correlation-request-id');
	if (!correlationId) throw missing('CorrelationId');
	if (typeof context.Depth !== 'number') throw missing('Depth');

	const undecoded: string[] = [];
	const attributes = target && !target.isReference ? decodeAttributes(target, undecoded) : {};
	const at = modifiedOn(attributes) ?? (typeof context.OperationCreatedOn === 'string' ? dotNetDate(context.OperationCreatedOn) : undefined);
	const initiatingUserId = guidOf(context.InitiatingUserId);
	const initiatingUserObjectId = guidOf(context.InitiatingUserAzureActiveDirectoryObjectId);
	const tag = sharedTag(context);
	return {
		system: 'dataverse',
		entity,
		change,
		id,
		attributes,
		preImages: images(context.PreEntityImages),
		postImages: images(context.PostEntityImages),
		eventId: eventIdOf(context, correlationId),
		...(at !== undefined ? { at } : {}),
		depth: context.Depth,
		...(tag !== undefined ? { tag } : {}),
		...(initiatingUserId !== undefined ? { initiatingUserId } : {}),
		...(initiatingUserObjectId !== undefined ? { initiatingUserObjectId } : {}),
		correlationId,
		...(target?.rowVersion !== undefined ? { version: target.rowVersion } : {}),
		truncated,
		undecoded,
	};
}

function eventIdOf(context: Json, correlationId: string): string {
	const operationId = guidOf(context.OperationId);
	if (operationId) return operationId;
	const requestId = guidOf(context.RequestId);
	if (requestId) return `${correlationId}:${requestId}`;
	throw new ChangeEventError(`The ${WHAT} has neither OperationId nor RequestId, so it cannot be de-duplicated.`, 'dataverse');
}

function decodeAttributes(entity: XrmEntity, undecoded: string[]): Record<string, CapturedValue> {
	const out: Record<string, CapturedValue> = {};
	for (const { key, value } of entity.attributes) {
		const decoded = decodeValue(value);
		if (decoded === undefined) undecoded.push(key);
		else out[key] = decoded.value;
	}
	return out;
}

function images(list: unknown): Record<string, Record<string, CapturedValue>> {
	const out: Record<string, Record<string, CapturedValue>> = {};
	for (const { key, value } of keyValues(list)) {
		if (isObject(value)) out[key] = decodeAttributes(xrmEntity(value, 'dataverse', `${WHAT}'s image ${key}`), []);
	}
	return out;
}

function modifiedOn(attributes: Record<string, CapturedValue>): string | undefined {
	const value = attributes.modifiedon;
	return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** `?tag=` lands in the SharedVariables of the context, or of a parent context when the step runs nested. */
function sharedTag(context: Json): string | undefined {
	for (let current: unknown = context; isObject(current); current = current.ParentContext) {
		const tag = findValue(current.SharedVariables, 'tag');
		if (typeof tag === 'string') return tag;
	}
	return undefined;
}
