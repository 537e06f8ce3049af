import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';
import { catalogMap, loadCatalog } from '../../../lib/maps';
import { ERROR_CLASSES, JOURNAL_STATUSES, type ErrorClass, type JournalFilter, type JournalStatus, type StateStore } from '../../../lib/state';
import type { EnvelopeKey, AdminRequest } from '../../../lib/sync';

export type Resource = 'map' | 'errorLog' | 'activity' | 'alertRule' | 'initialSync';

export function showFor(resource: Resource, operations: string[]): INodeProperties['displayOptions'] {
	return { show: { resource: [resource], operation: operations } };
}

/** One map, required: the catalog's maps and any other map the state store knows (custom maps). */
export function mapParameter(resource: Resource, operations: string[]): INodeProperties {
	return {
		displayName: 'Map Name or ID',
		name: 'map',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getMaps' },
		default: '',
		required: true,
		description: 'A map of the catalog, or a custom map the state store knows. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: showFor(resource, operations),
	};
}

/** One map, or all of them (the empty value). */
export function mapFilterParameter(resource: Resource, operations: string[]): INodeProperties {
	return {
		displayName: 'Map Name or ID',
		name: 'map',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getMapsOrAll' },
		default: '',
		description: 'One map, or All Maps (every map the state store knows). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: showFor(resource, operations),
	};
}

export async function mapOptions(store: StateStore | undefined, withAll: boolean): Promise<INodePropertyOptions[]> {
	const catalog = loadCatalog();
	const known = new Set(catalog.map((map) => map.id));
	const options: INodePropertyOptions[] = catalog
		.map((map) => ({ name: map.title, value: map.id, description: map.id }))
		.sort((a, b) => a.name.localeCompare(b.name));
	// Custom maps (pasted as JSON in a Map node) are known to the store once they ran.
	const others = store ? (await store.listMaps()).filter((id) => !known.has(id)) : [];
	options.push(...others.map((id) => ({ name: id, value: id, description: 'Not in the catalog (a custom map)' })));
	return withAll ? [{ name: 'All Maps', value: '', description: 'Every map the state store knows' }, ...options] : options;
}

/** A map id read from the parameters, refused when neither the catalog nor the store knows it (a typo would otherwise create a map state). */
export async function knownMap(context: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<string> {
	const map = String(context.getNodeParameter('map', itemIndex, '')).trim();
	if (map === '') throw new NodeOperationError(context.getNode(), 'Choose a map', { itemIndex });
	if (catalogMap(map) || (await store.listMaps()).includes(map)) return map;
	throw new NodeOperationError(context.getNode(), `No map "${map}" in the catalog or in the state store`, {
		itemIndex,
		description: 'Use a catalog map id (the Map parameter lists them) or the id of a custom map that has run',
	});
}

export function mapTitle(map: string): string | undefined {
	return catalogMap(map)?.title;
}

/** Epoch milliseconds as ISO text, the form n8n users compare and format. */
export function iso(ms: number | undefined): string | null {
	return ms === undefined ? null : new Date(ms).toISOString();
}

/** A date-time parameter (ISO text, or a Luxon/JS date from an expression) as epoch milliseconds. */
export function timeParameter(context: IExecuteFunctions, value: unknown, name: string, itemIndex: number): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const text = typeof value === 'object' && 'toISO' in value && typeof value.toISO === 'function' ? String(value.toISO()) : String(value);
	const ms = value instanceof Date ? value.getTime() : Date.parse(text);
	if (Number.isNaN(ms)) throw new NodeOperationError(context.getNode(), `${name}: not a date and time: ${JSON.stringify(text)}`, { itemIndex });
	return ms;
}

/** Who asked, for the activity log: the workflow and execution (n8n gives nodes no user). */
export function requester(context: IExecuteFunctions, reason: string): AdminRequest {
	const workflow = context.getWorkflow();
	return {
		...(reason.trim() ? { reason: reason.trim() } : {}),
		by: { workflowId: workflow.id ?? null, workflowName: workflow.name ?? null, executionId: context.getExecutionId() ?? null },
	};
}

export function output(context: IExecuteFunctions, json: IDataObject | IDataObject[], itemIndex: number): INodeExecutionData[] {
	return context.helpers.constructExecutionMetaData(context.helpers.returnJsonArray(json), { itemData: { item: itemIndex } });
}

// ---------------------------------------------------------------------------------------------------------------
// Journal filters (Error Log: List, Retry, Dismiss)

const STATUS_NAMES: Record<JournalStatus, string> = {
	pending: 'Pending (Waiting or Retrying)',
	'in-flight': 'In Flight',
	done: 'Done',
	failed: 'Failed',
	skipped: 'Skipped',
	dismissed: 'Dismissed',
};

const CLASS_NAMES: Record<ErrorClass, string> = {
	validation: 'Validation',
	'missing-reference': 'Missing Reference',
	throttling: 'Throttling',
	transient: 'Transient (Outage, Timeout)',
	auth: 'Authentication',
	conflict: 'Conflict',
	unknown: 'Unknown',
};

export const errorClassOptions = (): INodePropertyOptions[] =>
	ERROR_CLASSES.map((value) => ({ name: CLASS_NAMES[value], value })).sort((a, b) => a.name.localeCompare(b.name));

export function journalFilters(resource: Resource, operations: string[], statuses: readonly JournalStatus[] = JOURNAL_STATUSES): INodeProperties {
	return {
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add filter',
		default: {},
		displayOptions: showFor(resource, operations),
		options: [
			{
				displayName: 'Error Class',
				name: 'errorClass',
				type: 'multiOptions',
				options: errorClassOptions(),
				default: [],
				description: 'Only changes whose last error is of one of these classes',
			},
			{
				displayName: 'From',
				name: 'from',
				type: 'dateTime',
				default: '',
				description: 'Only changes captured at or after this time',
			},
			{
				displayName: 'Key (JSON)',
				name: 'key',
				type: 'json',
				default: '{}',
				placeholder: '{ "dataAreaId": "usmf", "CustomerAccount": "US-001" }',
				description: 'Only changes of this record: its full integration key on either side, as JSON (F&O: the natural key with dataAreaId; Dataverse: the primary ID or the alternate key)',
			},
			{
				displayName: 'Map Name or ID',
				name: 'map',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getMapsOrAll' },
				default: '',
				description: 'Only changes of this map. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'multiOptions',
				options: statuses.map((value) => ({ name: STATUS_NAMES[value], value })).sort((a, b) => a.name.localeCompare(b.name)),
				default: ['failed'],
				description: 'Only changes in these states. Without this filter: failed changes.',
			},
			{
				displayName: 'To',
				name: 'to',
				type: 'dateTime',
				default: '',
				description: 'Only changes captured before this time',
			},
		],
	};
}

function parseKey(context: IExecuteFunctions, value: unknown, itemIndex: number): EnvelopeKey | undefined {
	let key: unknown = value;
	if (typeof value === 'string') {
		if (value.trim() === '') return undefined;
		try {
			key = JSON.parse(value);
		} catch {
			throw new NodeOperationError(context.getNode(), 'Key (JSON): not valid JSON', { itemIndex, description: 'e.g. { "dataAreaId": "usmf", "CustomerAccount": "US-001" }' });
		}
	}
	if (key === undefined || key === null) return undefined;
	if (typeof key !== 'object' || Array.isArray(key)) {
		throw new NodeOperationError(context.getNode(), 'Key (JSON): an object of key fields is expected', { itemIndex });
	}
	const fields = key as Record<string, unknown>;
	if (Object.keys(fields).length === 0) return undefined;
	for (const [field, fieldValue] of Object.entries(fields)) {
		if (fieldValue !== null && typeof fieldValue === 'object') {
			throw new NodeOperationError(context.getNode(), `Key (JSON): the value of ${field} is not a single value`, { itemIndex });
		}
	}
	return fields as EnvelopeKey;
}

/** The Filters collection as the store's filter; `status` stays unset without a Status filter (the caller's default applies). */
export function journalFilter(context: IExecuteFunctions, itemIndex: number): JournalFilter {
	const filters = context.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const filter: JournalFilter = {};
	const map = typeof filters.map === 'string' ? filters.map.trim() : '';
	if (map !== '') filter.map = map;
	const key = parseKey(context, filters.key, itemIndex);
	if (key) filter.key = key;
	if (Array.isArray(filters.status)) filter.status = filters.status as JournalStatus[];
	if (Array.isArray(filters.errorClass) && filters.errorClass.length > 0) filter.errorClass = filters.errorClass as ErrorClass[];
	const from = timeParameter(context, filters.from, 'From', itemIndex);
	if (from !== undefined) filter.from = from;
	const to = timeParameter(context, filters.to, 'To', itemIndex);
	if (to !== undefined) filter.to = to;
	return filter;
}

export const RETRY_SELECTION: INodePropertyOptions[] = [
	{ name: 'By ID', value: 'ids', description: 'Changes by their journal IDs (the ID field of Error Log items)' },
	{ name: 'By Filter', value: 'filter', description: 'Every change matching the filters (without a Status filter: failed changes)' },
];

/** Journal ids from a parameter: a number, a list, or text with ids separated by commas or spaces. */
export function idsParameter(context: IExecuteFunctions, itemIndex: number): number[] {
	const value = context.getNodeParameter('ids', itemIndex, '') as unknown;
	const parts = Array.isArray(value) ? value : typeof value === 'number' ? [value] : String(value).split(/[\s,;]+/);
	const ids = parts.map((part) => String(part).trim()).filter((part) => part !== '');
	const bad = ids.filter((part) => !/^\d+$/.test(part));
	if (bad.length > 0 || ids.length === 0) {
		throw new NodeOperationError(context.getNode(), bad.length > 0 ? `Change IDs: not an ID: ${bad.join(', ')}` : 'Change IDs: give at least one ID', { itemIndex });
	}
	return [...new Set(ids.map(Number))];
}
