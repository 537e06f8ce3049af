/**
 * Lookups of a Dataverse trigger item as a Web API read with `$expand` shows them, so that a Dual-Write Map can map
 * the item without reading the row again (a synchronous step runs inside the user's transaction: the row is not
 * committed yet, and a read from outside would wait for that transaction, which waits for us).
 *
 * A delivery carries a lookup as an EntityReference `{id, logicalName}` under the lookup column's logical name. The
 * map reads the key field of the expanded navigation property (`msdyn_customergroupid.msdyn_groupid`, see
 * lib/maps/sourceQuery.ts). So each reference becomes `item[<navigation>] = {<key fields of the referenced row>}`,
 * read from the referenced row, which is committed (a customer group, a currency, the company). Where the
 * navigation property has the column's name (the usual case), the reference's `id` and `logicalName` stay in the
 * object beside the key fields, so code that read `item.<column>.id` keeps working; a polymorphic lookup's
 * reference (`customerid` → an account) lands under its per-type navigation (`customerid_account`) and the column
 * keeps the reference as it was.
 *
 * Which fields: the ones a map reads through each navigation (`lookupFieldsOfMap`), or, without a map, the columns
 * of the referenced table's alternate keys (what dual-write maps key lookups by). Lookups the map does not read,
 * and the audit and owner lookups (created by, owner, …), are left as references.
 */
import type { Connector, DataRecord, EntityInfo, FieldInfo } from '../../connectors';
import { sourceQuery, type CompiledMap } from '../../maps';
import { ChangeEventError, type EntityReferenceValue } from './changeEvent';

/** Key fields to read per navigation property, e.g. `msdyn_customergroupid → [msdyn_groupid]`. */
export type LookupFields = ReadonlyMap<string, readonly string[]>;

export interface ResolveLookupsOptions {
	/** A Dataverse connector (metadata and reads by primary id). */
	connector: Pick<Connector, 'describe' | 'listEntities' | 'get'>;
	/** The entity set of the item's table (`accounts`). */
	entity: string;
	/** What to read per navigation (a map's needs); absent = each referenced table's alternate-key columns. */
	fields?: LookupFields;
}

/** Lookups of the platform's bookkeeping: never part of a map, and reading a user per change would be waste. */
const AUDIT_LOOKUPS = new Set([
	'createdby',
	'createdonbehalfby',
	'modifiedby',
	'modifiedonbehalfby',
	'ownerid',
	'owninguser',
	'owningteam',
	'owningbusinessunit',
]);

/** The navigation properties a map reads on the Dataverse side (Dataverse → F&O), with the key fields of each. */
export function lookupFieldsOfMap(compiled: CompiledMap): Map<string, string[]> {
	const query = sourceQuery(compiled, 'dataverse->fo');
	return new Map(query.expand.map((expand) => [expand.navigation, [...(expand.select ?? [])]]));
}

/** A decoded EntityReference (`{id, logicalName}` and nothing else), as the trigger item carries a lookup. */
export function isEntityReference(value: unknown): value is EntityReferenceValue {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
	const keys = Object.keys(value);
	const reference = value as Partial<EntityReferenceValue>;
	return keys.length === 2 && typeof reference.id === 'string' && typeof reference.logicalName === 'string';
}

/** `_msdyn_customergroupid_value` → `msdyn_customergroupid`. */
const columnOf = (field: FieldInfo) => (/^_(.+)_value$/.exec(field.name)?.[1] ?? field.name).toLowerCase();

interface Resolution {
	column: string;
	reference: EntityReferenceValue;
	navigation: string;
	target: EntityInfo;
	select: string[];
}

/**
 * The item with its lookups expanded (see the file comment); the input is not changed. A referenced row that does
 * not exist, or a reference to a table the metadata does not know, is a `ChangeEventError`: mapping the item
 * without it would clear the lookup on the other side. Read failures pass through as the connector throws them.
 */
export async function resolveLookups<T extends Record<string, unknown>>(item: T, options: ResolveLookupsOptions): Promise<T & Record<string, unknown>> {
	const entity = await options.connector.describe(options.entity);
	const lookupColumns = new Map<string, FieldInfo>();
	for (const field of entity.fields) if (field.kind === 'lookup' && field.lookup) lookupColumns.set(columnOf(field), field);
	let tables: Map<string, EntityInfo> | undefined;
	const tableOf = async (logicalName: string): Promise<EntityInfo | undefined> => {
		tables ??= new Map((await options.connector.listEntities()).map((info) => [info.typeName.toLowerCase(), info]));
		return tables.get(logicalName.toLowerCase());
	};

	const resolutions: Resolution[] = [];
	for (const [column, value] of Object.entries(item)) {
		if (!isEntityReference(value)) continue;
		const field = lookupColumns.get(column.toLowerCase());
		if (!field?.lookup || (options.fields === undefined && AUDIT_LOOKUPS.has(column.toLowerCase()))) continue;
		const target = await tableOf(value.logicalName);
		if (!target) {
			throw new ChangeEventError(`Lookup ${column} of ${options.entity} refers to table ${value.logicalName}, which the Dataverse metadata does not list.`, 'dataverse');
		}
		// The column's navigation targets this table; a polymorphic column has one navigation per type, `<column>_<type>`.
		const navigation = field.lookup.targets.includes(target.name) ? field.lookup.navigationProperty : `${column}_${target.typeName.toLowerCase()}`;
		const wanted = options.fields === undefined ? [...new Set(target.alternateKeys.flat())] : [...(options.fields.get(navigation) ?? [])];
		if (wanted.length === 0) continue;
		resolutions.push({ column, reference: value, navigation, target, select: wanted });
	}
	if (resolutions.length === 0) return item;

	// One read per referenced row, all at once: each is a committed row, and the user's save is waiting.
	const reads = new Map<string, Promise<DataRecord | undefined>>();
	const rowOf = (resolution: Resolution) => {
		const select = [...new Set(resolution.select)].sort();
		const id = `${resolution.target.name}(${resolution.reference.id})?${select.join(',')}`;
		let read = reads.get(id);
		if (!read) {
			read = options.connector.get(resolution.target.name, { [resolution.target.key[0]]: resolution.reference.id }, { select });
			reads.set(id, read);
		}
		return read;
	};
	const rows = await Promise.all(resolutions.map(rowOf));

	const out: Record<string, unknown> = { ...item };
	resolutions.forEach((resolution, index) => {
		const row = rows[index];
		if (!row) {
			throw new ChangeEventError(
				`Lookup ${resolution.column} of ${options.entity} refers to ${resolution.target.name}(${resolution.reference.id}), which does not exist (or is not committed yet).`,
				'dataverse',
			);
		}
		const keys: Record<string, unknown> = resolution.navigation === resolution.column ? { ...resolution.reference } : {};
		for (const name of resolution.select) keys[name] = row[name] ?? null;
		const existing = out[resolution.navigation];
		// Two columns naming one navigation cannot happen in one table; a non-reference value there is kept as it is.
		if (existing === undefined || isEntityReference(existing)) out[resolution.navigation] = keys;
	});
	return out as T & Record<string, unknown>;
}
