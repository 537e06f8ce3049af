/**
 * What the map layer reports. Validation collects every problem of a definition at once (a map is reviewed as a
 * whole, like Microsoft's DIPV list); the engine throws on the first record-level problem, naming enough to find
 * the record without a debugger.
 */
import type { SyncDirection } from './types';

/**
 * Microsoft's DIPV codes where one exists (UO:dw/dual-write-error-codes.md), `DW-*` for structural problems of the
 * JSON that Microsoft's designer simply cannot produce.
 */
export type ValidationCode =
	| 'DIPV1002' // company-specific entity mapped to a global one (or striping only half declared)
	| 'DIPV1004' // integration key field not mapped both ways in a bidirectional map
	| 'DIPV1010' // mandatory destination field unmapped
	| 'DIPV1011' // read-only destination field mapped
	| 'DIPV1012' // filter does not parse
	| 'DIPV1014' // Dataverse integration key field not mapped
	| 'DIPV1015' // F&O key field not mapped
	| 'DIPV1021' // source field missing from the entity
	| 'DIPV1023' // duplicate source field (bidirectional fan-out)
	| 'DIPV1024' // destination field missing from the entity
	| 'DIPV1026' // duplicate destination field
	| 'DIPV1029' // duplicate value-map entry
	| 'DIPV1030' // data type mismatch
	| 'DIPV1031' // mandatory destination field can be left empty: needs a default
	| 'DW-SCHEMA' // wrong JSON shape: missing/extra property, wrong type
	| 'DW-ROW' // a row that cannot be applied (none on both sides, default in the wrong direction...)
	| 'DW-TRANSFORM' // a transform we do not know
	| 'DW-LOOKUP' // lookup path without lookup.entity, lookup on the F&O side...
	| 'DW-POLYMORPHIC'; // malformed `nav.Type(key).Type(key)` path

export interface ValidationIssue {
	code: ValidationCode;
	/** JSON path into the definition: `fields[3].valueMap[1]`, `fo.filter`, `dataverse.key[0]`. */
	path: string;
	/** Names the map, the row (`CustomerAccount = accountnumber`) and what was expected. */
	message: string;
	/** Warnings never stop a map; they flag rows that will fail on some records. */
	severity: 'error' | 'warning';
}

export class MapValidationError extends Error {
	readonly mapId: string;
	readonly issues: readonly ValidationIssue[];

	constructor(mapId: string, issues: readonly ValidationIssue[]) {
		super(
			`Map ${mapId} is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
				issues.map((issue) => `  ${issue.code} at ${issue.path}: ${issue.message}`).join('\n'),
		);
		this.name = 'MapValidationError';
		this.mapId = mapId;
		this.issues = issues;
	}
}

export interface MapErrorContext {
	map: string;
	direction: SyncDirection;
	/** The row as Microsoft prints it (`CustomerGroupId = msdyn_customergroupid.msdyn_groupid`), or the key field. */
	field?: string;
	value?: unknown;
	/** The source record's key, as far as it could be read. */
	recordKey?: Record<string, unknown>;
}

/** A record the map cannot translate. The sync layer logs it against the record and carries on with the next. */
export class MapError extends Error {
	readonly context: MapErrorContext;

	constructor(problem: string, context: MapErrorContext) {
		const parts = [`map ${context.map} (${context.direction})`];
		if (context.field !== undefined) parts.push(`field ${context.field}`);
		if ('value' in context) parts.push(`value ${safeJson(context.value)}`);
		if (context.recordKey !== undefined) parts.push(`record ${safeJson(context.recordKey)}`);
		super(`${problem} [${parts.join(', ')}]`);
		this.name = 'MapError';
		this.context = context;
	}
}

function safeJson(value: unknown): string {
	if (value === undefined) return 'undefined';
	try {
		return JSON.stringify(value) ?? String(value);
	} catch {
		return String(value);
	}
}
