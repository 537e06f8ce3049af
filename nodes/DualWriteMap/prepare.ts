import { NodeOperationError, type IDataObject, type INode, type INodePropertyOptions } from 'n8n-workflow';
import {
	applyOverrides,
	catalogMap,
	compileMap,
	loadCatalog,
	mapDirections,
	parseScalar,
	validateMap,
	type CompiledMap,
	type FieldDirection,
	type MapDefinition,
	type MapOverrides,
	type SyncDirection,
	type ValidationIssue,
} from '../../lib/maps';
import { CUSTOM } from './description';

const DIRECTION_NAMES: Record<SyncDirection, string> = { 'fo->dataverse': 'F&O → Dataverse', 'dataverse->fo': 'Dataverse → F&O' };

export function mapOptions(): INodePropertyOptions[] {
	return [
		...loadCatalog()
			.map((map) => ({ name: map.title, value: map.id, description: `${map.fo.entity} ↔ ${map.dataverse.entity} (v${map.version})` }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		{ name: 'Custom (JSON)', value: CUSTOM, description: 'A map definition pasted as JSON' },
	];
}

function parseJson(json: unknown): MapDefinition | undefined {
	if (typeof json === 'object' && json !== null) return json as MapDefinition;
	if (typeof json !== 'string') return undefined;
	try {
		return JSON.parse(json) as MapDefinition;
	} catch {
		return undefined;
	}
}

/** Directions the chosen map writes; both while a custom map is still being typed. */
export function directionOptions(map: string, json: unknown): INodePropertyOptions[] {
	const definition = map === CUSTOM ? parseJson(json) : catalogMap(map);
	const allowed = definition && Array.isArray(definition.fields) ? mapDirections(definition) : [];
	const directions = allowed.length > 0 ? allowed : (Object.keys(DIRECTION_NAMES) as SyncDirection[]);
	return directions.map((direction) => ({ name: DIRECTION_NAMES[direction], value: direction }));
}

function issuesText(issues: ValidationIssue[]): string {
	return issues.map((issue) => `${issue.code} at ${issue.path}: ${issue.message}`).join('\n');
}

interface OverrideParameters {
	field?: Array<{ fo?: string; dataverse?: string; direction?: FieldDirection; default?: string }>;
	valuePair?: Array<{ field?: string; fo?: string; dataverse?: string }>;
}

function overridesOf(parameters: OverrideParameters): MapOverrides {
	const name = (text: string | undefined) => (text ?? '').trim() || null;
	return {
		fields: (parameters.field ?? []).map((row) => ({
			fo: name(row.fo),
			dataverse: name(row.dataverse),
			direction: row.direction ?? 'both',
			...(row.default !== undefined && row.default !== '' ? { default: parseScalar(row.default) } : {}),
		})),
		valuePairs: (parameters.valuePair ?? []).map((pair) => ({
			field: (pair.field ?? '').trim(),
			fo: parseScalar(pair.fo ?? ''),
			dataverse: parseScalar(pair.dataverse ?? ''),
		})),
	};
}

/** The map, with overrides, validated and compiled; every problem is a NodeOperationError naming all issues. */
export type ParameterReader = (name: string, fallback?: unknown) => unknown;

export function prepareMap(node: INode, param: ParameterReader): { compiled: CompiledMap; direction: SyncDirection } {
	const mapId = param('map') as string;
	const direction = param('direction') as SyncDirection;
	let definition: MapDefinition | undefined;
	if (mapId === CUSTOM) {
		definition = parseJson(param('mapJson'));
		if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
			throw new NodeOperationError(node, 'The custom map is not a JSON object', { description: 'Paste a map in the JSON format of the catalog' });
		}
	} else {
		definition = catalogMap(mapId);
		if (!definition) {
			throw new NodeOperationError(node, `No map "${mapId}" in the catalog`, { description: `Known maps: ${loadCatalog().map((m) => m.id).join(', ')}` });
		}
	}
	const label = mapId === CUSTOM ? 'The custom map' : `Map ${mapId}`;
	const fail = (what: string, issues: ValidationIssue[]) =>
		new NodeOperationError(node, `${label}${what} is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`, { description: issuesText(issues) });
	const errors = (candidate: MapDefinition) => validateMap(candidate).filter((issue) => issue.severity === 'error');
	let issues = errors(definition);
	if (issues.length > 0) throw fail('', issues);

	const overrides = overridesOf((param('overrides', {}) as IDataObject) as OverrideParameters);
	if ((overrides.fields?.length ?? 0) + (overrides.valuePairs?.length ?? 0) > 0) {
		try {
			definition = applyOverrides(definition, overrides);
		} catch (error) {
			throw new NodeOperationError(node, (error as Error).message);
		}
		issues = errors(definition);
		if (issues.length > 0) throw fail(' with the field overrides', issues);
	}
	const compiled = compileMap(definition);
	if (!compiled.plans[direction]) {
		throw new NodeOperationError(node, `${label} maps no field ${DIRECTION_NAMES[direction] ?? direction}`, {
			description: `It writes: ${mapDirections(definition).map((d) => DIRECTION_NAMES[d]).join(', ') || 'nothing'}`,
		});
	}
	return { compiled, direction };
}
