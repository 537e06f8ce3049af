/**
 * Reading a `RemoteExecutionContext` (reference §6.3): the JSON both a Dataverse webhook and an F&O data event POST.
 * Shared by both parsers; knows the wire shapes (`{key,value}` lists, `__type`-tagged values, `/Date(ms)/`), not the
 * systems.
 */
import type { ChangeType } from '../envelope';
import { ChangeEventError, type CapturedValue, type EntityReferenceValue } from './changeEvent';

export type Json = Record<string, unknown>;

export interface XrmEntity {
	logicalName: string;
	id?: string;
	attributes: Array<{ key: string; value: unknown }>;
	rowVersion?: string;
	isReference: boolean;
}

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The delivery body as an object: already parsed, or JSON text (a Buffer's string). */
export function bodyObject(body: unknown, system: 'fo' | 'dataverse', what: string): Json {
	const parsed = typeof body === 'string' ? parseJson(body) : body;
	if (!isObject(parsed)) throw new ChangeEventError(`The ${what} body is not a JSON object.`, system);
	return parsed;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		// Reported by the caller as "not a JSON object", which names the delivery kind.
		return undefined;
	}
}

/** `[{key, value}]` as the contracts serialise dictionaries (InputParameters, SharedVariables, images). */
export function keyValues(value: unknown): Array<{ key: string; value: unknown }> {
	if (!Array.isArray(value)) return [];
	return value.filter((entry): entry is { key: string; value: unknown } => isObject(entry) && typeof entry.key === 'string');
}

export function findValue(list: unknown, key: string): unknown {
	return keyValues(list).find((entry) => entry.key === key)?.value;
}

export function requireString(context: Json, field: string, system: 'fo' | 'dataverse', what: string): string {
	const value = context[field];
	if (typeof value !== 'string' || value === '') throw new ChangeEventError(`The ${what} has no ${field}.`, system);
	return value;
}

export function optionalString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

const MESSAGES: Record<string, ChangeType> = { create: 'create', update: 'update', delete: 'delete' };

export function changeOf(message: string, system: 'fo' | 'dataverse', what: string): ChangeType {
	const change = MESSAGES[message.toLowerCase()];
	if (!change) throw new ChangeEventError(`The ${what} is for message ${message}; only Create, Update and Delete are changes.`, system);
	return change;
}

/** An `Entity` or `EntityReference` of the contracts. */
export function xrmEntity(value: unknown, system: 'fo' | 'dataverse', what: string): XrmEntity {
	if (!isObject(value) || typeof value.LogicalName !== 'string') throw new ChangeEventError(`The ${what} is not an Entity or EntityReference (no LogicalName).`, system);
	const type = typeof value.__type === 'string' ? value.__type : '';
	return {
		logicalName: value.LogicalName,
		id: optionalString(value.Id),
		attributes: keyValues(value.Attributes),
		rowVersion: optionalString(value.RowVersion),
		isReference: type.startsWith('EntityReference:') || (!('Attributes' in value) && 'Id' in value),
	};
}

const DOT_NET_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/**
 * `/Date(ms)/` or `/Date(ms+hhmm)/` as ISO UTC. The milliseconds are UTC whatever the offset says (the offset only
 * records the writer's zone), so it is dropped. Whole seconds lose `.000`, as OData serialises them.
 */
export function dotNetDate(text: string): string | undefined {
	const match = DOT_NET_DATE.exec(text);
	if (!match) return undefined;
	return new Date(Number(match[1])).toISOString().replace('.000Z', 'Z');
}

export function isGuid(value: unknown): value is string {
	return typeof value === 'string' && /^\{?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?$/.test(value);
}

/** Lower-case, no braces; the all-zero GUID (an unset id) is undefined. */
export function guidOf(value: unknown): string | undefined {
	if (!isGuid(value)) return undefined;
	const guid = value.replace(/[{}]/g, '').toLowerCase();
	return guid === '00000000-0000-0000-0000-000000000000' ? undefined : guid;
}

export type TypedValue = { kind: 'plain'; value: CapturedValue } | { kind: 'option'; value: number };

/** A contract value decoded: EntityReference, OptionSetValue, Money, dates; other objects are not record values. */
export function decodeValue(value: unknown): TypedValue | undefined {
	if (value === null || typeof value === 'number' || typeof value === 'boolean') return { kind: 'plain', value };
	if (typeof value === 'string') return { kind: 'plain', value: dotNetDate(value) ?? value };
	if (!isObject(value)) return undefined;
	const type = typeof value.__type === 'string' ? value.__type.split(':')[0] : '';
	if (type === 'EntityReference' && typeof value.LogicalName === 'string') {
		const reference: EntityReferenceValue = { id: guidOf(value.Id) ?? String(value.Id), logicalName: value.LogicalName };
		return { kind: 'plain', value: reference };
	}
	if (type === 'OptionSetValue' && typeof value.Value === 'number') return { kind: 'option', value: value.Value };
	if (type === 'Money' && typeof value.Value === 'number') return { kind: 'plain', value: value.Value };
	return undefined;
}
