/**
 * Record keys for both systems. An entity's candidate keys are its key followed by its alternate keys (F&O has
 * none), so one rule serves both: a record is identified by the first candidate whose fields it carries in full.
 * Key values only ever reach a URL through lib/odata's formatKeySegment (quote doubling, percent-encoding).
 */
import { formatKeySegment, type KeyField, type ODataValue } from '../../odata';
import type { DataRecord, EntityInfo, RecordKey } from '../types';
import { usageError } from './errors';

const present = (value: unknown): boolean => value !== undefined && value !== null;

export function candidateKeys(entity: EntityInfo): string[][] {
	return [entity.key, ...entity.alternateKeys].filter((key) => key.length > 0);
}

export function keyOf(entity: EntityInfo, record: DataRecord): RecordKey {
	const candidates = candidateKeys(entity);
	for (const fields of candidates) {
		if (fields.every((field) => present(record[field]))) return pick(fields, record);
	}
	// Name the candidate the record came closest to: that is the key the caller most likely meant.
	const closest = [...candidates].sort((a, b) => missingOf(a, record).length - missingOf(b, record).length)[0] ?? [];
	const missing = missingOf(closest, record);
	const alternatives = candidates.length > 1 ? ` (or one of the other keys: ${candidates.filter((key) => key !== closest).map((key) => key.join('+')).join('; ')})` : '';
	throw usageError(
		{ system: entity.system, entity: entity.name },
		`the record has no value for key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the key is ${closest.join(', ')}${alternatives}`,
	);
}

function missingOf(fields: readonly string[], record: DataRecord): string[] {
	return fields.filter((field) => !present(record[field]));
}

function pick(fields: readonly string[], record: DataRecord): RecordKey {
	return Object.fromEntries(fields.map((field) => [field, record[field] as ODataValue]));
}

/**
 * `(dataAreaId='usmf',CustomerAccount='US-001')`, `(<guid>)` for a Dataverse primary key, or
 * `(accountnumber='A1',_msdyn_company_value=<guid>)`. The key must be exactly one of the entity's candidate keys.
 */
export function keySegment(entity: EntityInfo, key: RecordKey, options: { barePrimaryKey: boolean }): string {
	const given = Object.keys(key);
	const candidates = candidateKeys(entity);
	const match = candidates.find((fields) => fields.length === given.length && fields.every((field) => given.includes(field)));
	if (!match) {
		const missing = entity.key.filter((field) => !given.includes(field));
		const detail =
			candidates.length === 1 && missing.length > 0 && given.every((field) => entity.key.includes(field))
				? `key field${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing; the key is ${entity.key.join(', ')}`
				: `{${given.join(', ')}} is not a key of ${entity.name}; its keys are ${candidates.map((fields) => `{${fields.join(', ')}}`).join(' or ')}`;
		throw usageError({ system: entity.system, entity: entity.name, key }, detail);
	}
	const fields: KeyField[] = match.map((name) => ({ name, type: entity.fields.find((field) => field.name === name)?.edmType ?? 'Edm.String' }));
	const bare = options.barePrimaryKey && match === entity.key && match.length === 1;
	let segment: string | undefined;
	let failure: unknown;
	try {
		segment = formatKeySegment(entity.name, fields, key, { bare });
	} catch (error) {
		failure = error;
	}
	if (segment === undefined) throw usageError({ system: entity.system, entity: entity.name, key }, (failure as Error).message, failure);
	return segment;
}
