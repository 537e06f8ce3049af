/**
 * Dataverse lookups are written as `<navigation property>@odata.bind: "/<entity set>(<key>)"`, by GUID or by an
 * alternate key of the target; the `_<nav>_value` column itself cannot be written. Both the explicit
 * `options.lookups` and `_x_value` GUIDs left in a record (as a read returns them) become binds here.
 */
import { usageError } from '../shared/errors';
import { keySegment } from '../shared/keys';
import type { DataRecord, EntityInfo, FieldInfo, RecordKey, WriteOptions } from '../types';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export type Describe = (entity: string) => Promise<EntityInfo>;

export interface LookupResolution {
	describe: Describe;
	/** Dotted parts of a target's key (`msdyn_company.cdm_companycode`) as `_x_value` GUIDs; `path` names the lookup in errors. */
	resolveKey(entity: EntityInfo, key: RecordKey, path: string): Promise<RecordKey>;
	rowId(entity: EntityInfo, key: RecordKey, path: string): Promise<string>;
}

/** By navigation property (`msdyn_company`), logical name or `_x_value` column. */
export function lookupField(entity: EntityInfo, name: string): FieldInfo | undefined {
	return entity.fields.find(
		(field) => field.lookup !== undefined && (field.lookup.navigationProperty === name || field.name === name || field.name === `_${name}_value`),
	);
}

/**
 * `address` is the key the write is addressed by: a lookup it already holds (the company of an alternate key) is
 * not bound again, because a bind would be a second value for the same column; one naming another row is an error.
 */
export async function lookupBinds(
	deps: LookupResolution,
	entity: EntityInfo,
	lookups: NonNullable<WriteOptions['lookups']>,
	address: RecordKey = {},
): Promise<DataRecord> {
	const binds: DataRecord = {};
	for (const [name, reference] of Object.entries(lookups)) {
		const field = lookupField(entity, name);
		if (!field?.lookup) {
			const known = entity.fields.flatMap((candidate) => (candidate.lookup ? [candidate.lookup.navigationProperty] : []));
			throw usageError({ system: entity.system, entity: entity.name }, `'${name}' is not a lookup of ${entity.name}; its lookups are ${known.join(', ') || 'none'}`);
		}
		const target = await deps.describe(reference.entity);
		if (field.lookup.targets.length > 0 && !field.lookup.targets.includes(target.name)) {
			throw usageError(
				{ system: entity.system, entity: entity.name },
				`lookup ${field.lookup.navigationProperty} points to ${field.lookup.targets.join(' or ')}, not ${target.name}`,
			);
		}
		const inKey = address[field.name];
		if (inKey !== undefined) {
			const id = await deps.rowId(target, reference.key, `${field.lookup.navigationProperty}.`);
			if (typeof inKey !== 'string' || id.toLowerCase() !== inKey.toLowerCase()) {
				throw usageError(
					{ system: entity.system, entity: entity.name },
					`lookup ${field.lookup.navigationProperty} names another ${target.name} row (${id}) than the key's ${field.name} (${String(inKey)})`,
				);
			}
			continue;
		}
		// Only the dotted parts are read here; the row itself is bound by its alternate key and checked by the server.
		const key = await deps.resolveKey(target, reference.key, `${field.lookup.navigationProperty}.`);
		binds[`${field.lookup.navigationProperty}@odata.bind`] = `/${target.name}${keySegment(target, key, { barePrimaryKey: true })}`;
	}
	return binds;
}

/** `_x_value` GUIDs in a record, as binds by primary key (null clears the lookup). */
export function valueColumnBinds(entity: EntityInfo, record: DataRecord, skip: ReadonlySet<string>): { body: DataRecord; binds: DataRecord } {
	const body: DataRecord = {};
	const binds: DataRecord = {};
	for (const [name, value] of Object.entries(record)) {
		const field = skip.has(name) ? undefined : entity.fields.find((candidate) => candidate.name === name && candidate.lookup);
		if (!field?.lookup) {
			body[name] = value;
			continue;
		}
		const bindName = `${field.lookup.navigationProperty}@odata.bind`;
		if (value === null) {
			binds[bindName] = null;
			continue;
		}
		if (field.lookup.targets.length !== 1) {
			throw usageError(
				{ system: entity.system, entity: entity.name },
				`${name} can point to ${field.lookup.targets.join(' or ')}: set it through options.lookups with the target entity`,
			);
		}
		if (typeof value !== 'string' || !GUID.test(value)) {
			throw usageError({ system: entity.system, entity: entity.name }, `${name} must be a GUID or null, got ${JSON.stringify(value)}`);
		}
		binds[bindName] = `/${field.lookup.targets[0]}(${value})`;
	}
	return { body, binds };
}
