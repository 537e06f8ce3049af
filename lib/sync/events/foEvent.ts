/**
 * F&O change deliveries (reference §4.1–4.2) as a `CapturedChange`:
 *
 * - data events: a `RemoteExecutionContext` whose record uses the virtual-entity names (`mserp_` + the field name in
 *   lower case); mapped back to the entity's OData names with its field list. Enums arrive as 200000000-based option
 *   values and are turned back into symbols with the field's enum member values.
 * - business events: flat JSON with `ControlNumber`, `BusinessEventLegalEntity`, `InitiatingUserAADObjectId`
 *   (`{GUID}`), and the record's key fields; a notification, so the trigger reads the record.
 *
 * Event id: `ControlNumber` for both (one number per change, shared by every endpoint and both formats, so a change
 * received twice, or in both formats, de-duplicates). `at`: the event time (`OperationCreatedOn`, `EventTimeIso8601`).
 */
import type { EntityInfo, FieldKind } from '../../connectors/types';
import type { ChangeType, EnvelopeKey } from '../envelope';
import { ChangeEventError, type CapturedValue, type FoCapturedChange } from './changeEvent';
import { bodyObject, changeOf, decodeValue, dotNetDate, findValue, guidOf, isObject, keyValues, optionalString, xrmEntity, type Json } from './xrmContext';

export interface FoEventField {
	/** OData name (`CustomerAccount`). */
	name: string;
	kind?: FieldKind;
	/** Enum fields: member symbol → integer value, to decode data events' option values. */
	enumValues?: Readonly<Record<string, number>>;
}

export interface FoEventEntity {
	/** Public collection (`CustomersV3`). */
	name: string;
	/** Natural key incl. `dataAreaId`. */
	key: readonly string[];
	fields: ReadonlyArray<FoEventField | string>;
}

export interface FoDelivery {
	headers?: Record<string, string | string[] | undefined>;
	body: unknown;
}

/**
 * The parser's view of an entity described by `$metadata`. `EntityInfo` keeps enum members by symbol only, so a data
 * event's enum option values stay undecoded (listed in `undecoded`: read the record for them).
 */
export function foEventEntity(info: Pick<EntityInfo, 'name' | 'key' | 'fields'>): FoEventEntity {
	return { name: info.name, key: [...info.key], fields: info.fields.map((field) => ({ name: field.name, kind: field.kind })) };
}

/** Virtual-entity picklists number enum members from here (reference §4.2). */
export const FO_OPTION_BASE = 200_000_000;
const COMPANY_FIELD = 'dataareaid';

/** Either format; a body with `InputParameters` is a data event, one with `BusinessEventId` a business event. */
export function parseFoEvent(delivery: FoDelivery, entity: FoEventEntity): FoCapturedChange {
	const body = bodyObject(delivery.body, 'fo', 'F&O event');
	if ('InputParameters' in body || 'MessageName' in body) return parseFoDataEvent({ ...delivery, body }, entity);
	if ('BusinessEventId' in body || 'ControlNumber' in body) return parseFoBusinessEvent({ ...delivery, body }, entity);
	throw new ChangeEventError('The F&O event is neither a data event (no InputParameters) nor a business event (no BusinessEventId).', 'fo');
}

export function parseFoDataEvent(delivery: FoDelivery, entity: FoEventEntity): FoCapturedChange {
	const what = `F&O data event for ${entity.name}`;
	const context = bodyObject(delivery.body, 'fo', what);
	const missing = (field: string) => new ChangeEventError(`The ${what} has no ${field}.`, 'fo');
	const message = optionalString(context.MessageName);
	if (!message) throw missing('MessageName');
	const change = changeOf(message, 'fo', what);
	const rawTarget = findValue(context.InputParameters, 'Target');
	if (rawTarget === undefined) throw missing('InputParameters Target');
	const target = xrmEntity(rawTarget, 'fo', `${what}'s Target`);
	// A Delete's Target is a bare reference: the deleted record, key included, is in the pre-image.
	const preImage = keyValues(context.PreEntityImages).find((image) => isObject(image.value))?.value;
	const pre = preImage === undefined ? undefined : xrmEntity(preImage, 'fo', `${what}'s PreImage`);
	const source = target.isReference ? pre : target;
	if (!source) throw missing(change === 'delete' ? 'PreEntityImages PreImage (the deleted record)' : 'Target attributes');

	const fields = fieldIndex(entity);
	const undecoded: string[] = [];
	const values = recordOf(source.attributes, fields, undecoded);
	const preValues = pre ? recordOf(pre.attributes, fields, []) : {};
	const key = keyOf(entity, (name) => values[name] ?? preValues[name], what);

	const controlNumber = asControlNumber(findValue(context.SharedVariables, 'ControlNumber'));
	if (controlNumber === undefined) throw missing('SharedVariables ControlNumber');
	const at = typeof context.OperationCreatedOn === 'string' ? dotNetDate(context.OperationCreatedOn) : undefined;
	const initiatingUserId = guidOf(context.InitiatingUserAzureActiveDirectoryObjectId) ?? guidOf(context.InitiatingUserId);
	const legalEntity = optionalString(findValue(context.SharedVariables, 'LegalEntity'));
	return {
		system: 'fo',
		kind: 'data-event',
		entity: entity.name,
		change,
		key,
		fields: values,
		eventId: String(controlNumber),
		controlNumber,
		...(at !== undefined ? { at } : {}),
		...(initiatingUserId !== undefined ? { initiatingUserId } : {}),
		...(legalEntity !== undefined ? { legalEntity: legalEntity.toLowerCase() } : {}),
		...(target.rowVersion !== undefined ? { version: target.rowVersion } : {}),
		undecoded,
	};
}

export function parseFoBusinessEvent(delivery: FoDelivery, entity: FoEventEntity): FoCapturedChange {
	const what = `F&O business event for ${entity.name}`;
	const event = bodyObject(delivery.body, 'fo', what);
	const controlNumber = asControlNumber(event.ControlNumber);
	if (controlNumber === undefined) throw new ChangeEventError(`The ${what} has no ControlNumber.`, 'fo');
	const named = optionalString(event.EntityName);
	if (named !== undefined && named.toLowerCase() !== entity.name.toLowerCase()) {
		throw new ChangeEventError(`The F&O business event is for entity ${named}, not ${entity.name}.`, 'fo');
	}
	// Business events other than the emulator's "<Entity>Changed" carry no change type: treat them as an update
	// notification; the trigger reads the current record (and finds it gone for a delete).
	const changeType = optionalString(event.ChangeType);
	const change: ChangeType = changeType ? changeOf(changeType, 'fo', what) : 'update';
	const legalEntity = typeof event.BusinessEventLegalEntity === 'string' ? event.BusinessEventLegalEntity.toLowerCase() : undefined;
	const lookup = caseInsensitive(event);
	const key = keyOf(entity, (name) => lookup(name) ?? (name.toLowerCase() === COMPANY_FIELD && legalEntity ? legalEntity : undefined), what);
	const fields: Record<string, CapturedValue> = {};
	for (const field of fieldIndex(entity).values()) {
		const value = lookup(field.name);
		if (value !== undefined) fields[field.name] = value;
	}
	Object.assign(fields, key);
	const at = isoTime(event.EventTimeIso8601) ?? (typeof event.EventTime === 'string' ? dotNetDate(event.EventTime) : undefined);
	const initiatingUserId = guidOf(event.InitiatingUserAADObjectId);
	return {
		system: 'fo',
		kind: 'business-event',
		entity: entity.name,
		change,
		key,
		fields,
		eventId: String(controlNumber),
		controlNumber,
		...(at !== undefined ? { at } : {}),
		...(initiatingUserId !== undefined ? { initiatingUserId } : {}),
		...(legalEntity !== undefined ? { legalEntity } : {}),
		undecoded: [],
	};
}

function fieldIndex(entity: FoEventEntity): Map<string, FoEventField> {
	const index = new Map<string, FoEventField>();
	for (const field of entity.fields) {
		const spec = typeof field === 'string' ? { name: field } : field;
		index.set(`mserp_${spec.name.toLowerCase()}`, spec);
	}
	for (const name of entity.key) if (!index.has(`mserp_${name.toLowerCase()}`)) index.set(`mserp_${name.toLowerCase()}`, { name });
	return index;
}

/** Attributes under their OData names; attributes the field list does not name (the row id) are dropped. */
function recordOf(attributes: Array<{ key: string; value: unknown }>, fields: Map<string, FoEventField>, undecoded: string[]): Record<string, CapturedValue> {
	const out: Record<string, CapturedValue> = {};
	for (const { key, value } of attributes) {
		const field = fields.get(key.toLowerCase());
		if (!field) continue;
		const decoded = decodeValue(value);
		if (decoded === undefined) undecoded.push(field.name);
		else if (decoded.kind === 'plain') out[field.name] = decoded.value;
		else {
			const symbol = enumSymbol(field, decoded.value);
			if (symbol === undefined) undecoded.push(field.name);
			else out[field.name] = symbol;
		}
	}
	return out;
}

function enumSymbol(field: FoEventField, optionValue: number): string | undefined {
	if (!field.enumValues) return undefined;
	const value = optionValue - FO_OPTION_BASE;
	return Object.entries(field.enumValues).find(([, member]) => member === value)?.[0];
}

function keyOf(entity: FoEventEntity, read: (name: string) => unknown, what: string): EnvelopeKey {
	const key: EnvelopeKey = {};
	const absent: string[] = [];
	for (const name of entity.key) {
		const value = read(name);
		if (typeof value === 'string' && value !== '') key[name] = name.toLowerCase() === COMPANY_FIELD ? value.toLowerCase() : value;
		else if (typeof value === 'number' || typeof value === 'boolean') key[name] = value;
		else absent.push(name);
	}
	if (absent.length > 0) throw new ChangeEventError(`The ${what} lacks the key field${absent.length > 1 ? 's' : ''} ${absent.join(', ')}.`, 'fo');
	return key;
}

function caseInsensitive(record: Json): (name: string) => CapturedValue | undefined {
	const lower = new Map(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));
	return (name) => {
		const value = lower.get(name.toLowerCase());
		if (value === undefined) return undefined;
		const decoded = decodeValue(value);
		return decoded?.kind === 'plain' ? decoded.value : undefined;
	};
}

function asControlNumber(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
	if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
	return undefined;
}

/** .NET's seven fractional digits cut to milliseconds, which Date parses everywhere. */
function isoTime(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
	return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
