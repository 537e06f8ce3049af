/**
 * Map validation in the spirit of Microsoft's DIPV checks (reference §1.2): every problem of a definition at
 * once, each naming the map, the row as Microsoft prints it and what was expected. Definitions come from JSON
 * files, so nothing here trusts the static type: every property is checked before it is used. Metadata is
 * optional; the checks that need it (missing, mandatory, read-only fields, type mismatch) run when it is given.
 */
import type { EntityInfo, FieldInfo, FieldKind } from '../connectors/types';
import type { SystemName } from '../odata';
import type { MapMetadata } from './compile';
import { MapValidationError, type ValidationCode, type ValidationIssue } from './errors';
import { FilterSyntaxError, filterFields, type FilterExpr } from './filters/expression';
import { parseFoRange } from './filters/foRange';
import { parseODataFilter } from './filters/odataFilter';
import { parseColumnPath, type ColumnPath } from './lookupPath';
import type { FieldMap, MapDefinition, SyncDirection } from './types';

const TOP_KEYS = new Set(['id', 'version', 'title', 'description', 'fo', 'dataverse', 'company', 'fields', 'conflict']);
const SIDE_KEYS = new Set(['entity', 'key', 'filter']);
const ROW_KEYS = new Set(['fo', 'dataverse', 'direction', 'valueMap', 'default', 'lookup', 'type', 'scale']);
const LOOKUP_KEYS = new Set(['entity', 'company', 'entities', 'targetBy']);
const DIRECTIONS = new Set(['both', 'fo->dataverse', 'dataverse->fo']);
const KINDS = new Set<FieldKind>(['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'guid', 'enum', 'choice', 'lookup']);
const SYMBOLS: Record<string, string> = { '=': 'both', '><': 'both', '>': 'fo->dataverse', '>>': 'fo->dataverse', '<': 'dataverse->fo', '<<': 'dataverse->fo' };
const FO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isScalar = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Microsoft's map-type symbol for a row: `CustomerAccount = accountnumber`, `none >> customertypecode`. */
export function rowLabel(field: Pick<FieldMap, 'fo' | 'dataverse' | 'direction' | 'valueMap' | 'default'>): string {
	const transformed = field.valueMap !== undefined || field.default !== undefined;
	const symbol =
		field.direction === 'both' ? (transformed ? '><' : '=') : field.direction === 'fo->dataverse' ? (transformed ? '>>' : '>') : transformed ? '<<' : '<';
	return `${field.fo ?? 'none'} ${symbol} ${field.dataverse ?? 'none'}`;
}

/** A row that passed the structural checks, with what the cross-row checks need. */
interface CheckedRow {
	index: number;
	label: string;
	field: FieldMap;
	path: ColumnPath | null;
	writes: Record<SyncDirection, boolean>;
}

export function validateMap(definition: MapDefinition, metadata: MapMetadata = {}): ValidationIssue[] {
	const issues: ValidationIssue[] = [];
	const def = definition as unknown;
	const id = isObject(def) && typeof def.id === 'string' && def.id !== '' ? def.id : '(map without id)';
	const add = (code: ValidationCode, path: string, message: string, severity: 'error' | 'warning' = 'error') =>
		issues.push({ code, path, message: `map ${id}: ${message}`, severity });

	if (!isObject(def)) {
		add('DW-SCHEMA', '', 'a map definition is a JSON object');
		return issues;
	}
	for (const key of Object.keys(def)) if (!TOP_KEYS.has(key)) add('DW-SCHEMA', key, `unknown property ${JSON.stringify(key)}`);
	if (typeof def.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(def.id)) add('DW-SCHEMA', 'id', 'id must be lower-case words joined by hyphens');
	if (typeof def.version !== 'string' || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(def.version)) add('DW-SCHEMA', 'version', 'version must be semver (1.0.0)');
	if (typeof def.title !== 'string' || def.title === '') add('DW-SCHEMA', 'title', 'title must be a non-empty string');
	if (def.description !== undefined && typeof def.description !== 'string') add('DW-SCHEMA', 'description', 'description must be a string');
	const sidesOk = (['fo', 'dataverse'] as const).map((side) => checkSide(def[side], side, add)).every(Boolean);
	const company = checkCompany(def.company, add);
	checkConflict(def.conflict, add);

	if (!Array.isArray(def.fields) || def.fields.length === 0) {
		add('DW-SCHEMA', 'fields', 'fields must be a non-empty array of field rows');
		return issues;
	}
	const rows: CheckedRow[] = [];
	def.fields.forEach((row: unknown, index: number) => {
		const checked = checkRow(row, index, def, add);
		if (checked) rows.push(checked);
	});
	if (!sidesOk) return issues;
	const map = def as unknown as MapDefinition;
	checkCompanyKeys(map, company, add);
	checkFilters(map, metadata, add);
	checkDuplicates(rows, map, add);
	// Key and metadata checks over a partial row set would report rows that are merely malformed as missing.
	if (rows.length !== def.fields.length) return issues;
	checkKeys(rows, map, company, add);
	if (metadata.fo) checkAgainstMetadata(rows, map, 'fo', metadata.fo, add);
	if (metadata.dataverse) checkAgainstMetadata(rows, map, 'dataverse', metadata.dataverse, add);
	if (metadata.fo && metadata.dataverse) checkTypes(rows, metadata.fo, metadata.dataverse, add);
	return issues;
}

/** Throws one MapValidationError listing every error (warnings do not count). */
export function assertValidMap(definition: MapDefinition, metadata: MapMetadata = {}): void {
	const errors = validateMap(definition, metadata).filter((issue) => issue.severity === 'error');
	if (errors.length > 0) {
		throw new MapValidationError(isObject(definition) && typeof definition.id === 'string' ? definition.id : '(map without id)', errors);
	}
}

type Add = (code: ValidationCode, path: string, message: string, severity?: 'error' | 'warning') => void;

function checkSide(side: unknown, name: SystemName, add: Add): boolean {
	if (!isObject(side)) {
		add('DW-SCHEMA', name, `${name} must be an object {entity, key, filter?}`);
		return false;
	}
	let ok = true;
	for (const key of Object.keys(side)) if (!SIDE_KEYS.has(key)) add('DW-SCHEMA', `${name}.${key}`, `unknown property ${JSON.stringify(key)}`);
	if (typeof side.entity !== 'string' || !FO_NAME.test(side.entity)) {
		add('DW-SCHEMA', `${name}.entity`, `${name}.entity must be an entity set name`);
		ok = false;
	}
	if (!Array.isArray(side.key) || side.key.length === 0 || !side.key.every((part) => typeof part === 'string' && part !== '')) {
		add(name === 'dataverse' ? 'DIPV1014' : 'DIPV1015', `${name}.key`, `${name}.key must list the integration key fields`);
		ok = false;
	}
	if (side.filter !== undefined && typeof side.filter !== 'string') add('DW-SCHEMA', `${name}.filter`, `${name}.filter must be a string`);
	return ok;
}

function checkCompany(company: unknown, add: Add): { fo: string; dataverse: string } | undefined {
	if (company === undefined) return undefined;
	if (!isObject(company) || typeof company.fo !== 'string' || typeof company.dataverse !== 'string') {
		add('DW-SCHEMA', 'company', "company must be {fo: 'dataAreaId', dataverse: 'msdyn_company.cdm_companycode'}");
		return undefined;
	}
	const path = parseColumnPath(company.dataverse);
	if (!path.ok || path.path.kind !== 'lookup') {
		add('DW-LOOKUP', 'company.dataverse', `company.dataverse must be a lookup path <navigation>.<company code>, got ${JSON.stringify(company.dataverse)}`);
		return undefined;
	}
	return { fo: company.fo, dataverse: company.dataverse };
}

function checkConflict(conflict: unknown, add: Add): void {
	if (conflict === undefined) return;
	if (!isObject(conflict) || (conflict.policy !== 'primary-wins' && conflict.policy !== 'newest-wins')) {
		add('DW-SCHEMA', 'conflict', "conflict must be {policy: 'primary-wins' | 'newest-wins', primary?}");
		return;
	}
	if (conflict.primary !== undefined && conflict.primary !== 'fo' && conflict.primary !== 'dataverse') {
		add('DW-SCHEMA', 'conflict.primary', "conflict.primary must be 'fo' or 'dataverse'");
	}
	if (conflict.policy === 'primary-wins' && conflict.primary === undefined) {
		add('DW-SCHEMA', 'conflict.primary', 'primary-wins needs conflict.primary', 'warning');
	}
}

function checkRow(row: unknown, index: number, def: Json, add: Add): CheckedRow | undefined {
	const at = `fields[${index}]`;
	if (!isObject(row)) {
		add('DW-SCHEMA', at, `row ${index} must be an object {fo, dataverse, direction, ...}`);
		return undefined;
	}
	const fo = row.fo;
	const dv = row.dataverse;
	const label = `row ${index} (${rowLabel({
		fo: typeof fo === 'string' ? fo : null,
		dataverse: typeof dv === 'string' ? dv : null,
		direction: DIRECTIONS.has(row.direction as string) ? (row.direction as FieldMap['direction']) : 'both',
		...(row.valueMap !== undefined ? { valueMap: [] } : {}),
		...(row.default !== undefined ? { default: null } : {}),
	})})`;
	let ok = true;
	const bad = (code: ValidationCode, path: string, message: string) => {
		add(code, path, `${label}: ${message}`);
		ok = false;
	};
	for (const key of Object.keys(row)) {
		if (key === 'transform' || key === 'transforms') {
			bad('DW-TRANSFORM', `${at}.${key}`, `unknown transform ${JSON.stringify(row[key])}: the transforms are valueMap and default`);
		} else if (!ROW_KEYS.has(key)) bad('DW-SCHEMA', `${at}.${key}`, `unknown property ${JSON.stringify(key)}`);
	}
	if (fo !== null && (typeof fo !== 'string' || !FO_NAME.test(fo))) {
		if (typeof fo === 'string' && fo.includes('.')) {
			bad('DW-LOOKUP', `${at}.fo`, `F&O fields are plain names (${JSON.stringify(fo)}); lookups are written on the Dataverse side`);
		} else bad('DW-SCHEMA', `${at}.fo`, 'fo must be an F&O field name or null (none)');
	}
	let path: ColumnPath | null = null;
	if (dv !== null) {
		if (typeof dv !== 'string') bad('DW-SCHEMA', `${at}.dataverse`, 'dataverse must be a column, a lookup path or null (none)');
		else {
			const parsed = parseColumnPath(dv);
			if (parsed.ok) path = parsed.path;
			else bad(parsed.polymorphic ? 'DW-POLYMORPHIC' : 'DW-LOOKUP', `${at}.dataverse`, parsed.reason);
		}
	}
	const direction = row.direction;
	if (typeof direction !== 'string' || !DIRECTIONS.has(direction)) {
		const hint = typeof direction === 'string' && SYMBOLS[direction] ? ` (symbol ${direction} is written ${JSON.stringify(SYMBOLS[direction])})` : '';
		bad('DW-SCHEMA', `${at}.direction`, `direction must be 'both', 'fo->dataverse' or 'dataverse->fo'${hint}`);
	}
	if (fo === null && dv === null) bad('DW-ROW', at, 'none on both sides maps nothing');
	const hasDefault = row.default !== undefined;
	if (hasDefault && !isScalar(row.default)) bad('DW-SCHEMA', `${at}.default`, 'default must be a string, number, boolean or null');
	if (fo === null && dv !== null) {
		if (direction !== 'fo->dataverse') bad('DW-ROW', `${at}.direction`, `a none F&O side stamps a constant on Dataverse: direction must be 'fo->dataverse'`);
		if (!hasDefault) bad('DW-ROW', `${at}.default`, 'a none source needs a default (the constant to stamp)');
	}
	if (dv === null && fo !== null) {
		if (direction !== 'dataverse->fo') bad('DW-ROW', `${at}.direction`, `a none Dataverse side stamps a constant on F&O: direction must be 'dataverse->fo'`);
		if (!hasDefault) bad('DW-ROW', `${at}.default`, 'a none source needs a default (the constant to stamp)');
	}
	if (hasDefault && direction === 'both') {
		bad('DW-ROW', `${at}.default`, 'a default on a bidirectional row is ambiguous (whose vocabulary?): split it into two one-way rows');
	}
	if (row.type !== undefined && !KINDS.has(row.type as FieldKind)) bad('DW-SCHEMA', `${at}.type`, `type must be one of ${[...KINDS].join(', ')}`);
	if (row.scale !== undefined && (!Number.isInteger(row.scale) || (row.scale as number) < 0 || (row.scale as number) > 20)) {
		bad('DW-SCHEMA', `${at}.scale`, 'scale must be an integer 0..20');
	}
	if (row.valueMap !== undefined) {
		if (!Array.isArray(row.valueMap) || row.valueMap.length === 0) bad('DW-SCHEMA', `${at}.valueMap`, 'valueMap must be a non-empty array of {fo, dataverse} pairs');
		else {
			row.valueMap.forEach((pair: unknown, j: number) => {
				if (!isObject(pair) || !isScalar(pair.fo) || !isScalar(pair.dataverse) || Object.keys(pair).some((key) => key !== 'fo' && key !== 'dataverse')) {
					bad('DW-SCHEMA', `${at}.valueMap[${j}]`, 'a value pair is {fo: <F&O value>, dataverse: <Dataverse value>}');
				}
			});
		}
	}
	ok = checkLookup(row, path, at, def, bad) && ok;
	if (!ok) return undefined;
	const both = direction === 'both';
	return {
		index,
		label,
		field: row as unknown as FieldMap,
		path,
		writes: {
			'fo->dataverse': dv !== null && (both || direction === 'fo->dataverse'),
			'dataverse->fo': fo !== null && (both || direction === 'dataverse->fo'),
		},
	};
}

function checkLookup(row: Json, path: ColumnPath | null, at: string, def: Json, bad: (code: ValidationCode, path: string, message: string) => void): boolean {
	let ok = true;
	const fail = (code: ValidationCode, where: string, message: string) => {
		bad(code, where, message);
		ok = false;
	};
	const lookup = row.lookup;
	if (path && path.kind !== 'column' && lookup === undefined) {
		fail('DW-LOOKUP', `${at}.lookup`, `lookup path ${JSON.stringify(row.dataverse)} needs lookup.entity (the referenced entity set)`);
		return ok;
	}
	if (lookup === undefined) return ok;
	if (!isObject(lookup)) {
		fail('DW-SCHEMA', `${at}.lookup`, 'lookup must be {entity, company?, entities?, targetBy?}');
		return ok;
	}
	if (!path || path.kind === 'column') fail('DW-LOOKUP', `${at}.lookup`, `lookup is given but ${JSON.stringify(row.dataverse)} is not a lookup path <navigation>.<keyField>`);
	for (const key of Object.keys(lookup)) if (!LOOKUP_KEYS.has(key)) fail('DW-SCHEMA', `${at}.lookup.${key}`, `unknown property ${JSON.stringify(key)}`);
	if (typeof lookup.entity !== 'string' || !FO_NAME.test(lookup.entity)) fail('DW-LOOKUP', `${at}.lookup.entity`, 'lookup.entity must be the referenced entity set');
	if (lookup.company !== undefined) {
		if (lookup.company === true) {
			if (def.company === undefined) fail('DW-LOOKUP', `${at}.lookup.company`, 'lookup.company true needs the map to declare company striping');
		} else if (typeof lookup.company !== 'string' || !(parseColumnPath(lookup.company).ok && lookup.company.includes('.'))) {
			fail('DW-LOOKUP', `${at}.lookup.company`, "lookup.company must be true or the referenced key's company path (msdyn_company.cdm_companycode)");
		}
	}
	const types = path?.kind === 'polymorphic' ? path.targets.map((target) => target.type) : undefined;
	if (lookup.entities !== undefined) {
		if (!types) fail('DW-POLYMORPHIC', `${at}.lookup.entities`, 'lookup.entities is for polymorphic paths only');
		else if (!isObject(lookup.entities) || Object.entries(lookup.entities).some(([type, set]) => !types.includes(type) || typeof set !== 'string')) {
			fail('DW-POLYMORPHIC', `${at}.lookup.entities`, `lookup.entities maps each of ${types.join(', ')} to an entity set`);
		}
	}
	if (lookup.targetBy !== undefined) {
		const hint = lookup.targetBy;
		if (!types) fail('DW-POLYMORPHIC', `${at}.lookup.targetBy`, 'lookup.targetBy is for polymorphic paths only');
		else if (!isObject(hint) || typeof hint.field !== 'string' || !isObject(hint.values) || Object.values(hint.values).some((type) => !types.includes(type as string))) {
			fail('DW-POLYMORPHIC', `${at}.lookup.targetBy`, `lookup.targetBy is {field: <F&O field>, values: {<value>: ${types.join(' | ')}}}`);
		}
	}
	return ok;
}

/** What a row writes in a direction: the F&O field, or the Dataverse column / lookup navigation. */
function destinationOf(row: CheckedRow, direction: SyncDirection): string {
	if (direction === 'dataverse->fo') return row.field.fo as string;
	const path = row.path as ColumnPath;
	return path.kind === 'column' ? path.column : path.navigation;
}

function sourceOf(row: CheckedRow, direction: SyncDirection): string | null {
	return direction === 'fo->dataverse' ? row.field.fo : row.field.dataverse;
}

function checkDuplicates(rows: CheckedRow[], map: MapDefinition, add: Add): void {
	const companyPath = map.company ? parseColumnPath(map.company.dataverse) : undefined;
	const companyNav = companyPath?.ok && companyPath.path.kind === 'lookup' ? companyPath.path.navigation : undefined;
	for (const direction of ['fo->dataverse', 'dataverse->fo'] as const) {
		const destinations = new Map<string, CheckedRow>();
		if (map.company) destinations.set(direction === 'dataverse->fo' ? map.company.fo : (companyNav ?? ''), { label: 'company striping' } as CheckedRow);
		const sources = new Map<string, CheckedRow>();
		for (const row of rows) {
			if (!row.writes[direction]) continue;
			const destination = destinationOf(row, direction);
			const earlier = destinations.get(destination);
			if (earlier) {
				add('DIPV1026', `fields[${row.index}]`, `${row.label}: destination ${destination} is already written ${direction} by ${earlier.label}`);
			} else destinations.set(destination, row);
			const source = sourceOf(row, direction);
			if (source !== null && row.field.direction === 'both') {
				const first = sources.get(source);
				if (first) {
					add('DIPV1023', `fields[${row.index}]`, `${row.label}: source ${source} already feeds ${first.label} both ways; a bidirectional fan-out cannot be written back`);
				} else sources.set(source, row);
			}
			if (row.field.valueMap) {
				const seen = new Map<string, number>();
				const from = direction === 'fo->dataverse' ? 'fo' : 'dataverse';
				row.field.valueMap.forEach((pair, j) => {
					const key = `${typeof pair[from]}:${String(pair[from])}`;
					const first = seen.get(key);
					if (first !== undefined) {
						add('DIPV1029', `fields[${row.index}].valueMap[${j}]`, `${row.label}: value ${JSON.stringify(pair[from])} is mapped twice ${direction} (valueMap[${first}] and [${j}])`);
					} else seen.set(key, j);
				});
			}
		}
	}
}

function checkKeys(rows: CheckedRow[], map: MapDefinition, company: { fo: string; dataverse: string } | undefined, add: Add): void {
	const writesTo = (direction: SyncDirection) => rows.some((row) => row.writes[direction]);
	const bidirectional = writesTo('fo->dataverse') && writesTo('dataverse->fo');
	const check = (side: SystemName) => {
		const keys = side === 'fo' ? map.fo.key : map.dataverse.key;
		const direction: SyncDirection = side === 'fo' ? 'dataverse->fo' : 'fo->dataverse';
		keys.forEach((part, i) => {
			if (company && part === (side === 'fo' ? company.fo : company.dataverse)) return;
			const mapping = rows.filter((row) => (side === 'fo' ? row.field.fo === part : row.field.dataverse === part));
			const code = side === 'fo' ? 'DIPV1015' : 'DIPV1014';
			if (writesTo(direction) && !mapping.some((row) => row.writes[direction])) {
				add(code, `${side}.key[${i}]`, `integration key field ${part} is not mapped ${direction}`);
			} else if (mapping.length === 0 && writesTo(side === 'fo' ? 'fo->dataverse' : 'dataverse->fo')) {
				add(code, `${side}.key[${i}]`, `integration key field ${part} is not mapped`);
			}
			if (bidirectional && mapping.length > 0 && !mapping.some((row) => row.field.direction === 'both')) {
				add('DIPV1004', `${side}.key[${i}]`, `integration key field ${part} must be mapped both ways in a bidirectional map (${mapping.map((row) => row.label).join('; ')})`);
			}
		});
	};
	check('fo');
	check('dataverse');
}

function checkCompanyKeys(map: MapDefinition, company: { fo: string; dataverse: string } | undefined, add: Add): void {
	const foHasCompany = map.fo.key.includes('dataAreaId') || (company !== undefined && map.fo.key.includes(company.fo));
	const dvCompanyPart = map.dataverse.key.find((part) => part.endsWith('.cdm_companycode'));
	if (company) {
		if (!map.fo.key.includes(company.fo)) add('DIPV1002', 'company.fo', `company striping uses ${company.fo}, which is not part of the F&O key ${map.fo.key.join(', ')}`);
		if (!map.dataverse.key.includes(company.dataverse)) {
			add('DIPV1002', 'company.dataverse', `company striping uses ${company.dataverse}, which is not part of the Dataverse key ${map.dataverse.key.join(', ')}`);
		}
	} else if (foHasCompany || dvCompanyPart) {
		add('DIPV1002', 'company', `the key holds a company (${foHasCompany ? 'dataAreaId' : dvCompanyPart}) but the map declares no company striping`);
	}
}

function checkFilters(map: MapDefinition, metadata: MapMetadata, add: Add): void {
	for (const side of ['fo', 'dataverse'] as const) {
		const text = map[side].filter;
		if (text === undefined || text.trim() === '') continue;
		const expr = parseFilter(side, text);
		if (expr instanceof FilterSyntaxError) {
			const syntax = side === 'fo' ? 'F&O query-range' : 'Dataverse OData';
			add('DIPV1012', `${side}.filter`, `${syntax} filter ${JSON.stringify(text)} does not parse: ${expr.message} (token ${JSON.stringify(expr.token)})`);
			continue;
		}
		const info = metadata[side];
		for (const field of info ? filterFields(expr) : []) {
			if (!info!.fields.some((candidate) => candidate.name === field)) {
				add('DIPV1012', `${side}.filter`, `filter ${JSON.stringify(text)} reads ${field}, which ${info!.name} does not have`);
			}
		}
	}
}

function parseFilter(side: SystemName, text: string): FilterExpr | FilterSyntaxError {
	try {
		return side === 'fo' ? parseFoRange(text) : parseODataFilter(text);
	} catch (error) {
		return error instanceof FilterSyntaxError ? error : new FilterSyntaxError(String(error), text, 0);
	}
}

/** Dataverse lookups appear in metadata as `_nav_value` columns tied to the navigation property. */
function dataverseField(info: EntityInfo, path: ColumnPath): FieldInfo | undefined {
	if (path.kind === 'column') return info.fields.find((field) => field.name === path.column);
	const navigations = path.kind === 'lookup' ? [path.navigation] : [path.navigation, ...path.targets.map((target) => target.navigation)];
	return info.fields.find((field) => field.lookup && (navigations.includes(field.lookup.navigationProperty) || field.name === `_${path.navigation}_value`));
}

function checkAgainstMetadata(rows: CheckedRow[], map: MapDefinition, side: SystemName, info: EntityInfo, add: Add): void {
	const intoSide: SyncDirection = side === 'fo' ? 'dataverse->fo' : 'fo->dataverse';
	const fromSide: SyncDirection = side === 'fo' ? 'fo->dataverse' : 'dataverse->fo';
	const written = new Set<string>();
	for (const row of rows) {
		const name = side === 'fo' ? row.field.fo : row.field.dataverse;
		if (name === null) continue;
		const field = side === 'fo' ? info.fields.find((candidate) => candidate.name === name) : dataverseField(info, row.path as ColumnPath);
		if (!field) {
			const asSource = row.writes[fromSide];
			add(asSource ? 'DIPV1021' : 'DIPV1024', `fields[${row.index}].${side}`, `${row.label}: ${asSource ? 'source' : 'destination'} field ${name} does not exist in ${info.name}`);
			continue;
		}
		if (!row.writes[intoSide]) continue;
		written.add(field.name);
		if (field.readOnly && field.kind !== 'lookup') add('DIPV1011', `fields[${row.index}].${side}`, `${row.label}: destination field ${name} is read-only in ${info.name}`);
		if (field.required && row.field.default === undefined && (side === 'fo' ? row.field.dataverse : row.field.fo) !== null && !info.key.includes(field.name)) {
			add('DIPV1031', `fields[${row.index}]`, `${row.label}: mandatory ${field.name} is empty whenever the source is; give the row a default`, 'warning');
		}
	}
	if (!rows.some((row) => row.writes[intoSide])) return;
	const companyField = side === 'fo' ? map.company?.fo : undefined;
	for (const field of info.fields) {
		// Key fields are the DIPV1014/1015 checks' business; the company field is written by striping.
		if (!field.required || field.readOnly || written.has(field.name) || field.name === companyField || info.key.includes(field.name)) continue;
		add('DIPV1010', side, `mandatory ${info.name}.${field.name} is not mapped ${intoSide} and has no default`);
	}
}

const COMPATIBLE: Record<string, readonly FieldKind[]> = {
	string: ['string', 'guid', 'enum', 'lookup'],
	guid: ['string', 'guid', 'lookup'],
	integer: ['integer', 'decimal'],
	decimal: ['integer', 'decimal'],
	boolean: ['boolean'],
	date: ['date', 'datetime'],
	datetime: ['date', 'datetime'],
	enum: ['string', 'enum'],
	choice: ['choice', 'integer'],
	lookup: ['string', 'guid', 'lookup'],
};

function fits(value: unknown, field: FieldInfo): boolean {
	if (value === null) return true;
	switch (field.kind) {
		case 'boolean':
			return typeof value === 'boolean';
		case 'integer':
		case 'decimal':
			return typeof value === 'number';
		case 'choice':
			return typeof value === 'number' && (!field.options || field.options.some((option) => option.value === value));
		case 'enum':
			return typeof value === 'string' && (!field.options || field.options.some((option) => String(option.name).toLowerCase() === value.toLowerCase()));
		default:
			return typeof value === 'string';
	}
}

function checkTypes(rows: CheckedRow[], fo: EntityInfo, dataverse: EntityInfo, add: Add): void {
	for (const row of rows) {
		if (row.field.fo === null || row.path === null) continue;
		const foField = fo.fields.find((field) => field.name === row.field.fo);
		const dvField = row.path.kind === 'column' ? dataverseField(dataverse, row.path) : undefined;
		if (!foField) continue;
		if (row.field.valueMap) {
			row.field.valueMap.forEach((pair, j) => {
				if (!fits(pair.fo, foField)) add('DIPV1030', `fields[${row.index}].valueMap[${j}].fo`, `${row.label}: ${JSON.stringify(pair.fo)} is not a ${foField.kind} value of ${foField.name}`);
				if (dvField && !fits(pair.dataverse, dvField)) {
					add('DIPV1030', `fields[${row.index}].valueMap[${j}].dataverse`, `${row.label}: ${JSON.stringify(pair.dataverse)} is not a ${dvField.kind} value of ${dvField.name}`);
				}
			});
			continue;
		}
		if (!dvField) continue;
		if (!(COMPATIBLE[foField.kind] ?? []).includes(dvField.kind)) {
			add('DIPV1030', `fields[${row.index}]`, `${row.label}: F&O ${foField.kind} cannot be written to Dataverse ${dvField.kind} (or back) without a value map`);
		}
	}
}
