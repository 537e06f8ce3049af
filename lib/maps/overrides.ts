/**
 * Per-use changes to a map (the Map node's "Field Overrides"): add or replace a field row, add value-map pairs to a
 * row. The result is a new definition that must pass `validateMap` again, like any map.
 */
import type { FieldDirection, FieldMap, MapDefinition, Scalar, SyncDirection } from './types';

export interface FieldOverride {
	/** F&O field; null = `none`. */
	fo: string | null;
	/** Dataverse column or dotted lookup path; null = `none`. */
	dataverse: string | null;
	direction: FieldDirection;
	default?: Scalar;
}

export interface ValuePairOverride {
	/** The row the pair belongs to, named by its F&O field or its Dataverse column. */
	field: string;
	fo: Scalar;
	dataverse: Scalar;
}

export interface MapOverrides {
	fields?: FieldOverride[];
	valuePairs?: ValuePairOverride[];
}

/** The directions a map writes in: those of its rows. */
export function mapDirections(definition: Pick<MapDefinition, 'fields'>): SyncDirection[] {
	const all: SyncDirection[] = ['fo->dataverse', 'dataverse->fo'];
	return all.filter((direction) => (definition.fields ?? []).some((row) => row.direction === 'both' || row.direction === direction));
}

function sameRow(row: FieldMap, override: Pick<FieldOverride, 'fo' | 'dataverse'>): boolean {
	if (override.fo !== null && row.fo !== null) return row.fo.toLowerCase() === override.fo.toLowerCase();
	if (override.dataverse !== null && row.dataverse !== null) return row.dataverse.toLowerCase() === override.dataverse.toLowerCase();
	return false;
}

/**
 * A row override replaces the row with the same F&O field (or, for an F&O `none`, the same Dataverse column) and
 * keeps that row's value map, lookup and type, since the UI cannot express them; otherwise it is appended.
 * Throws when a value pair names no row.
 */
export function applyOverrides(definition: MapDefinition, overrides: MapOverrides): MapDefinition {
	const fields = definition.fields.map((row) => ({ ...row, ...(row.valueMap ? { valueMap: [...row.valueMap] } : {}) }));
	for (const override of overrides.fields ?? []) {
		const index = fields.findIndex((row) => sameRow(row, override));
		const previous = index >= 0 ? fields[index] : undefined;
		const row: FieldMap = {
			...(previous ?? {}),
			fo: override.fo,
			dataverse: override.dataverse,
			direction: override.direction,
		};
		if (override.default !== undefined) row.default = override.default;
		// A lookup descriptor belongs to the old Dataverse path; a different column makes it meaningless.
		if (previous && previous.dataverse !== override.dataverse) delete row.lookup;
		if (index >= 0) fields[index] = row;
		else fields.push(row);
	}
	for (const pair of overrides.valuePairs ?? []) {
		const wanted = pair.field.toLowerCase();
		const row = fields.find((candidate) => candidate.fo?.toLowerCase() === wanted || candidate.dataverse?.toLowerCase() === wanted);
		if (!row) throw new Error(`value pair ${JSON.stringify(pair.fo)} = ${JSON.stringify(pair.dataverse)}: map ${definition.id} has no row for field "${pair.field}"`);
		const valueMap = (row.valueMap ?? []).filter((existing) => existing.fo !== pair.fo && existing.dataverse !== pair.dataverse);
		row.valueMap = [...valueMap, { fo: pair.fo, dataverse: pair.dataverse }];
	}
	return { ...definition, fields };
}

/** A value typed in a UI text box: numbers, booleans and `null` as JSON, anything else as the string itself. */
export function parseScalar(text: string): Scalar {
	const trimmed = text.trim();
	if (trimmed === 'null') return null;
	if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
	if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
	return text;
}
