/**
 * A definition turned into what `apply` runs: per direction the rows that apply, value maps as hash lookups, the
 * value shape of each side (from metadata, the row's `type`, or the value map), parsed filters and key plans.
 * Done once per map, so that applying a record does no parsing.
 */
import type { EntityInfo, FieldInfo, FieldKind } from '../connectors/types';
import type { SystemName } from '../odata';
import { assertValidMap, rowLabel } from './validate';
import { parseFoRange } from './filters/foRange';
import { parseODataFilter } from './filters/odataFilter';
import type { FilterExpr } from './filters/expression';
import { hashPrefix } from './hash';
import { parseColumnPath, type ColumnPath } from './lookupPath';
import type { ValueShape } from './normalise';
import type { FieldMap, LookupTarget, MapDefinition, Scalar, SyncDirection } from './types';

export interface MapMetadata {
	fo?: EntityInfo;
	dataverse?: EntityInfo;
}

/** Value-map pairs of one direction, keyed by `valueKey` (exact) and case-folded (F&O symbols ignore case). */
export interface ValueLookup {
	exact: Map<string, Scalar>;
	folded: Map<string, Scalar>;
}

export interface CompiledLookup {
	/** Entity set per target type; for a plain `nav.key` lookup, one entry under the navigation property. */
	entities: Record<string, string>;
	/** Dotted path of the company inside the referenced table's key, for company-specific tables. */
	companyPath?: string;
	targetBy?: LookupTarget['targetBy'];
}

export interface CompiledRow {
	index: number;
	/** The row as Microsoft prints it: `CustomerGroupId = msdyn_customergroupid.msdyn_groupid`, `none >> customertypecode`. */
	label: string;
	fo: string | null;
	dataverse: ColumnPath | null;
	/** The Dataverse side as written in the definition (also the row's name in Dataverse-side hashes). */
	dataverseText: string | null;
	writes: Record<SyncDirection, boolean>;
	hasDefault: boolean;
	default: Scalar;
	valueMap?: Record<SyncDirection, ValueLookup>;
	shape: Record<SystemName, ValueShape>;
	lookup?: CompiledLookup;
	/** Per target side: the field (or lookup path) the row writes. */
	target: Record<SystemName, string | undefined>;
	/** The lookup points back at this map's own Dataverse table (Customers V3 `InvoiceAccount`). */
	selfReference: boolean;
}

export interface DirectionPlan {
	direction: SyncDirection;
	source: { side: SystemName; entity: string; key: readonly string[] };
	target: { side: SystemName; entity: string; key: readonly string[] };
	rows: readonly CompiledRow[];
	/**
	 * Every plain target field, null, in write order. Records are spread from it: V8 turns an object that grows
	 * past a dozen properties through computed-name stores into a slow dictionary; a spread copy stays fast.
	 */
	template: Readonly<Record<string, Scalar>>;
	/** Start of every hash of this direction: the company (when striped) and the target fields, in order. */
	hashPrefix: string;
	/** Where each target key part comes from: the company, or the value of `rows[index]`. */
	targetKey: ReadonlyArray<{ part: string; from: 'company' | number }>;
	filter?: FilterExpr;
	filterText?: string;
}

export interface CompiledMap {
	id: string;
	version: string;
	definition: Readonly<MapDefinition>;
	company?: { fo: string; dataverse: string; navigation: string; keyField: string };
	rows: readonly CompiledRow[];
	/** Undefined for a direction no row writes: records in it are skipped as `not-this-direction`. */
	plans: Readonly<Record<SyncDirection, DirectionPlan | undefined>>;
}

export const DIRECTIONS: readonly SyncDirection[] = ['fo->dataverse', 'dataverse->fo'];

/** Validates (throwing one `MapValidationError` listing every error) and compiles. */
export function compileMap(definition: MapDefinition, metadata: MapMetadata = {}): CompiledMap {
	assertValidMap(definition, metadata);
	return compileValidated(structuredClone(definition), metadata);
}

/** For plans derived from an already compiled map (two-pass writes): no second validation. */
export function compileValidated(definition: MapDefinition, metadata: MapMetadata): CompiledMap {
	const rows = definition.fields.map((field, index) => compileRow(definition, field, index, metadata));
	let company: CompiledMap['company'];
	if (definition.company) {
		const path = parseColumnPath(definition.company.dataverse);
		if (path.ok && path.path.kind === 'lookup') {
			company = { ...definition.company, navigation: path.path.navigation, keyField: path.path.keyField };
		}
	}
	const plan = (direction: SyncDirection): DirectionPlan | undefined => {
		const applying = rows.filter((row) => row.writes[direction]);
		if (applying.length === 0) return undefined;
		const fromFo = direction === 'fo->dataverse';
		const sourceSide = fromFo ? definition.fo : definition.dataverse;
		const targetSide = fromFo ? definition.dataverse : definition.fo;
		const filterText = sourceSide.filter?.trim() ? sourceSide.filter : undefined;
		return {
			direction,
			source: { side: fromFo ? 'fo' : 'dataverse', entity: sourceSide.entity, key: [...sourceSide.key] },
			target: { side: fromFo ? 'dataverse' : 'fo', entity: targetSide.entity, key: [...targetSide.key] },
			rows: applying,
			template: templateOf(fromFo ? undefined : definition.company?.fo, applying, fromFo),
			hashPrefix: hashPrefix([...(definition.company ? ['company'] : []), ...applying.map((row) => (fromFo ? row.dataverseText : row.fo) as string)]),
			targetKey: targetSide.key.map((part) => ({
				part,
				from:
					definition.company && part === (fromFo ? definition.company.dataverse : definition.company.fo)
						? ('company' as const)
						: applying.findIndex((row) => (fromFo ? row.dataverseText : row.fo) === part),
			})),
			...(filterText !== undefined ? { filterText, filter: fromFo ? parseFoRange(filterText) : parseODataFilter(filterText) } : {}),
		};
	};
	return {
		id: definition.id,
		version: definition.version,
		definition,
		...(company ? { company } : {}),
		rows,
		plans: { 'fo->dataverse': plan('fo->dataverse'), 'dataverse->fo': plan('dataverse->fo') },
	};
}

function compileRow(definition: MapDefinition, field: FieldMap, index: number, metadata: MapMetadata): CompiledRow {
	const parsed = field.dataverse === null ? undefined : parseColumnPath(field.dataverse);
	const dataverse = parsed?.ok ? parsed.path : null;
	const both = field.direction === 'both';
	const writes: Record<SyncDirection, boolean> = {
		'fo->dataverse': field.dataverse !== null && (both || field.direction === 'fo->dataverse'),
		'dataverse->fo': field.fo !== null && (both || field.direction === 'dataverse->fo'),
	};
	let lookup: CompiledLookup | undefined;
	if (dataverse && dataverse.kind !== 'column' && field.lookup) {
		const entities: Record<string, string> =
			dataverse.kind === 'lookup'
				? { [dataverse.navigation]: field.lookup.entity }
				: Object.fromEntries(
						dataverse.targets.map((target, i) => [
							target.type,
							field.lookup?.entities?.[target.type] ?? (i === 0 ? (field.lookup?.entity ?? '') : `${target.type.toLowerCase()}s`),
						]),
					);
		const companyPath = field.lookup.company === true ? definition.company?.dataverse : field.lookup.company;
		lookup = {
			entities,
			...(companyPath !== undefined ? { companyPath } : {}),
			...(field.lookup.targetBy ? { targetBy: field.lookup.targetBy } : {}),
		};
	}
	const selfReference =
		lookup !== undefined && Object.values(lookup.entities).some((entity) => entity.toLowerCase() === definition.dataverse.entity.toLowerCase());
	const foInfo = field.fo !== null ? findField(metadata.fo, field.fo) : undefined;
	const dvInfo = dataverse?.kind === 'column' ? findField(metadata.dataverse, dataverse.column) : undefined;
	return {
		index,
		label: rowLabel(field),
		fo: field.fo,
		dataverse,
		dataverseText: field.dataverse,
		writes,
		hasDefault: field.default !== undefined,
		default: field.default ?? null,
		...(field.valueMap ? { valueMap: compileValueMap(field) } : {}),
		shape: {
			fo: shapeOf('fo', field, foInfo, 'fo'),
			dataverse: shapeOf('dataverse', field, dataverse?.kind === 'column' ? dvInfo : foInfo, 'dataverse'),
		},
		...(lookup ? { lookup } : {}),
		target: { fo: field.fo ?? undefined, dataverse: field.dataverse ?? undefined },
		selfReference,
	};
}

function templateOf(company: string | undefined, rows: readonly CompiledRow[], fromFo: boolean): Record<string, Scalar> {
	const names = [...(company ? [company] : []), ...rows.flatMap((row) => (fromFo ? (row.dataverse?.kind === 'column' ? [row.dataverse.column] : []) : [row.fo as string]))];
	// JSON.parse builds objects with fast (shape-based) properties, unlike a loop of computed-name stores.
	return JSON.parse(`{${names.map((name) => `${JSON.stringify(name)}:null`).join(',')}}`) as Record<string, Scalar>;
}

export function findField(entity: EntityInfo | undefined, name: string): FieldInfo | undefined {
	return entity?.fields.find((field) => field.name === name);
}

/** The side's kind: metadata first, then the value map's values, then the row's `type`. */
function shapeOf(side: SystemName, field: FieldMap, info: FieldInfo | undefined, infoSide: SystemName): ValueShape {
	const scale = field.scale !== undefined ? { scale: field.scale } : {};
	if (info && infoSide === side && info.kind !== 'lookup') {
		return { side, kind: info.kind, ...scale, ...(info.options ? { options: info.options } : {}) };
	}
	if (field.valueMap && field.valueMap.length > 0) {
		const sample = field.valueMap.map((pair) => pair[side]).find((value) => value !== null);
		const kind: FieldKind | undefined =
			typeof sample === 'boolean' ? 'boolean' : typeof sample === 'number' ? (side === 'dataverse' ? 'choice' : 'integer') : typeof sample === 'string' ? (side === 'fo' ? 'enum' : 'string') : undefined;
		return { side, ...(kind ? { kind } : {}), ...scale };
	}
	let kind: FieldKind | undefined = field.type ?? (info && info.kind !== 'lookup' ? info.kind : undefined);
	if (kind === 'enum' && side === 'dataverse') kind = 'string';
	if (kind === 'choice' && side === 'fo') kind = 'integer';
	return { side, ...(kind ? { kind } : {}), ...scale };
}

export function valueKey(value: unknown): string {
	if (value === null || value === undefined) return 'null';
	if (typeof value === 'string') return `s:${value}`;
	if (typeof value === 'number') return `n:${value}`;
	if (typeof value === 'boolean') return `b:${value}`;
	return `x:${JSON.stringify(value)}`;
}

function compileValueMap(field: FieldMap): Record<SyncDirection, ValueLookup> {
	const build = (from: SystemName, to: SystemName): ValueLookup => {
		const exact = new Map<string, Scalar>();
		const folded = new Map<string, Scalar>();
		for (const pair of field.valueMap ?? []) {
			const key = valueKey(pair[from]);
			if (!exact.has(key)) exact.set(key, pair[to]);
			const foldedKey = key.toLowerCase();
			if (!folded.has(foldedKey)) folded.set(foldedKey, pair[to]);
		}
		return { exact, folded };
	};
	return { 'fo->dataverse': build('fo', 'dataverse'), 'dataverse->fo': build('dataverse', 'fo') };
}
