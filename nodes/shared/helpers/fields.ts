import {
	NodeOperationError,
	type FieldType,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type ResourceMapperField,
} from 'n8n-workflow';
import { closeMatches, type DataRecord, type EntityInfo, type FieldInfo, type FieldKind, type RecordKey } from '../../../lib/connectors';
import { SYSTEM_LABELS, type ODataValue } from '../../../lib/odata';

export type RecordOperation = 'create' | 'update' | 'upsert' | 'delete' | 'get';

const FIELD_TYPES: Readonly<Record<FieldKind, FieldType>> = {
	string: 'string',
	guid: 'string',
	lookup: 'string',
	integer: 'number',
	decimal: 'number',
	boolean: 'boolean',
	date: 'dateTime',
	datetime: 'dateTime',
	enum: 'options',
	choice: 'options',
};

/** Every field that belongs to one of the entity's keys (Dataverse: the primary id and each alternate key). */
export function keyFieldNames(entity: EntityInfo): Set<string> {
	return new Set([...entity.key, ...entity.alternateKeys.flat()]);
}

/**
 * The key people match on by default. Records are matched by integration keys, not ids (DESIGN §4): on
 * Dataverse that is the first alternate key when the table has one, the primary id otherwise; on F&O the
 * natural key.
 */
export function defaultKey(entity: EntityInfo): string[] {
	return entity.alternateKeys[0] ?? entity.key;
}

/**
 * Whether a field can be written. Lookups are read-only as `_x_value` columns but the connector turns a GUID
 * there into an `@odata.bind`, so they are offered; computed and server-maintained fields are not.
 */
export function isWritable(field: FieldInfo): boolean {
	return !field.readOnly || field.kind === 'lookup';
}

/** The resource mapper's columns for an operation, from the connector's `describe()`. */
export function mapperFields(entity: EntityInfo, operation: RecordOperation): ResourceMapperField[] {
	const keys = keyFieldNames(entity);
	const preferred = new Set(defaultKey(entity));
	const keyOnly = operation === 'get' || operation === 'delete';
	const fields = entity.fields.filter((field) => (keyOnly ? keys.has(field.name) : isWritable(field) || keys.has(field.name)));
	return fields.map((field) => {
		const isKey = keys.has(field.name);
		const mapped: ResourceMapperField = {
			id: field.name,
			displayName: label(field),
			// A key lookup and one of several alternate keys are never required on their own.
			required: keyOnly ? preferred.has(field.name) && keys.size === preferred.size : field.required && operation === 'create',
			defaultMatch: preferred.has(field.name),
			canBeUsedToMatch: isKey,
			display: true,
			type: FIELD_TYPES[field.kind],
		};
		if (field.options) mapped.options = field.options.map((option) => ({ name: option.name, value: option.value }));
		return mapped;
	});
}

function label(field: FieldInfo): string {
	const name = field.displayName && field.displayName !== field.name ? `${field.displayName} (${field.name})` : field.name;
	if (field.kind !== 'lookup' || !field.lookup) return name;
	return `${name}: GUID of ${field.lookup.targets.join(' or ') || 'the related row'}`;
}

export interface MappedValues {
	values: IDataObject;
	/** The columns chosen to match on (update and upsert); empty means "the record's first complete key". */
	matchingColumns: string[];
}

/** The resource mapper's values of one item: defined below, or the input item itself in auto-map mode. */
export function mappedValues(context: IExecuteFunctions, parameter: string, itemIndex: number): MappedValues {
	const mode = context.getNodeParameter(`${parameter}.mappingMode`, itemIndex, 'defineBelow') as string;
	const matchingColumns = (context.getNodeParameter(`${parameter}.matchingColumns`, itemIndex, []) as string[]) ?? [];
	if (mode === 'autoMapInputData') {
		return { values: { ...context.getInputData()[itemIndex].json }, matchingColumns };
	}
	const values = (context.getNodeParameter(`${parameter}.value`, itemIndex, {}) as IDataObject | null) ?? {};
	return { values: { ...values }, matchingColumns };
}

/**
 * Checks names and shapes values before anything is sent: an unknown field is the user's mistake, and the
 * server would only say so after earlier items were already written.
 * Read annotations (`@odata.etag`, formatted values) and read-only fields are dropped, so the output of a Get
 * can be written back in auto-map mode.
 */
export function recordFromValues(node: INode, entity: EntityInfo, values: IDataObject, itemIndex: number, keep: ReadonlySet<string> = new Set()): DataRecord {
	const byName = new Map(entity.fields.map((field) => [field.name, field]));
	const record: DataRecord = {};
	for (const [name, value] of Object.entries(values)) {
		if (name.includes('@')) continue;
		const field = byName.get(name);
		if (!field) throw unknownField(node, entity, name, itemIndex);
		if (!isWritable(field) && !keep.has(name)) continue;
		if (value === undefined) continue;
		record[name] = coerce(node, entity, field, value, itemIndex);
	}
	return record;
}

export function unknownField(node: INode, entity: EntityInfo, name: string, itemIndex: number): NodeOperationError {
	const suggestions = closeMatches(
		name,
		entity.fields.map((field) => field.name),
	);
	return new NodeOperationError(node, `Unknown field '${name}' for ${SYSTEM_LABELS[entity.system]} entity ${entity.name}`, {
		itemIndex,
		description: suggestions.length > 0 ? `Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : `Its fields are listed in $metadata for ${entity.name}.`,
	});
}

/**
 * The key of a record. `fields` are the columns chosen to match on; without them, the first of the entity's keys
 * the values carry in full. Empty values are missing values: an empty key part would address another record.
 */
export function keyFromValues(node: INode, entity: EntityInfo, values: IDataObject, fields: string[], itemIndex: number): RecordKey {
	const byName = new Map(entity.fields.map((field) => [field.name, field]));
	const present = (name: string) => values[name] !== undefined && values[name] !== null && values[name] !== '';
	const candidates = [entity.key, ...entity.alternateKeys].filter((key) => key.length > 0);
	let chosen = fields.length > 0 ? fields : candidates.find((key) => key.every(present));
	if (!chosen) {
		// Name the key the user most likely meant: the one with the fewest gaps.
		const closest = [...candidates].sort((a, b) => a.filter((n) => !present(n)).length - b.filter((n) => !present(n)).length)[0] ?? entity.key;
		chosen = closest;
	}
	for (const name of chosen) {
		if (!byName.has(name)) throw unknownField(node, entity, name, itemIndex);
	}
	const matches = candidates.some((key) => key.length === chosen.length && key.every((name) => chosen.includes(name)));
	if (!matches) {
		throw new NodeOperationError(node, `{${chosen.join(', ')}} is not a key of ${entity.name}`, {
			itemIndex,
			description: `Match on one of its keys: ${candidates.map((key) => key.join(' + ')).join('; ')}`,
		});
	}
	const missing = chosen.filter((name) => !present(name));
	if (missing.length > 0) {
		throw new NodeOperationError(node, `Missing value for key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${entity.name}`, {
			itemIndex,
			description: `The key of ${entity.name} is ${chosen.join(', ')}; every part needs a value.`,
		});
	}
	const key: RecordKey = {};
	for (const name of chosen) key[name] = coerce(node, entity, byName.get(name) as FieldInfo, values[name], itemIndex) as ODataValue;
	return key;
}

/** Values as the connector expects them: numbers as numbers, dates as ISO text, enum symbols as text. */
function coerce(node: INode, entity: EntityInfo, field: FieldInfo, value: unknown, itemIndex: number): unknown {
	if (value === null) return null;
	const wrong = (expected: string) =>
		new NodeOperationError(node, `Field '${field.name}' of ${entity.name} expects ${expected}, got ${JSON.stringify(value)}`, { itemIndex });
	switch (field.kind) {
		case 'integer':
		case 'decimal':
		case 'choice': {
			if (typeof value === 'number') return value;
			if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
				// An Int64 beyond 2^53 stays text: as a JSON number it would silently change.
				return field.edmType === 'Edm.Int64' && !Number.isSafeInteger(Number(value)) ? value.trim() : Number(value);
			}
			throw wrong('a number');
		}
		case 'boolean':
			if (typeof value === 'boolean') return value;
			if (value === 'true' || value === 'false') return value === 'true';
			throw wrong('true or false');
		case 'date':
		case 'datetime': {
			const text = dateText(value);
			if (text === undefined) throw wrong('a date');
			return field.kind === 'date' ? text.slice(0, 10) : text;
		}
		default:
			return typeof value === 'object' ? value : String(value);
	}
}

function dateText(value: unknown): string | undefined {
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
	if (value && typeof value === 'object' && typeof (value as { toISO?: unknown }).toISO === 'function') {
		// n8n hands dateTime columns over as Luxon DateTimes.
		const iso = (value as { toUTC(): { toISO(): string | null } }).toUTC().toISO();
		return iso ?? undefined;
	}
	if (typeof value === 'string' && value.trim() !== '') {
		const parsed = new Date(value);
		if (Number.isNaN(parsed.getTime())) return undefined;
		// Keep what the user wrote when it already is an OData literal; normalise everything else to UTC.
		return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value.trim()) ? value.trim() : parsed.toISOString();
	}
	return undefined;
}
