import { NodeOperationError, type INode, type INodeProperties, type INodePropertyOptions } from 'n8n-workflow';
import { catalogMap, loadCatalog, mapDirections, type SyncDirection } from '../../../lib/maps';

/**
 * The "Mode" of the webhook triggers: start an execution per delivery, or append the delivery to a map's journal
 * for the Dual-Write Trigger (no execution; DESIGN §5). The journal needs the map's id only; the direction follows
 * from the trigger's system.
 */
export type TriggerMode = 'execution' | 'journal';

const CUSTOM_MAP = 'custom';

const SIDE: Record<SyncDirection, { label: string; entity: (map: { fo: { entity: string }; dataverse: { entity: string } }) => string }> = {
	'fo->dataverse': { label: 'F&O → Dataverse', entity: (map) => map.fo.entity },
	'dataverse->fo': { label: 'Dataverse → F&O', entity: (map) => map.dataverse.entity },
};

export function modeProperties(direction: SyncDirection, options: { executionName: string; executionDescription: string; default: TriggerMode }): INodeProperties[] {
	const journalOnly = { show: { mode: ['journal'] } };
	const defaultMode = options.default;
	return [
		{
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Journal for the Dual-Write Trigger',
					value: 'journal',
					description: `Append each change to the map’s journal (${SIDE[direction].label}) and answer at once, without an execution; a Dual-Write Trigger for the same map and direction syncs the journal in batches`,
				},
				{ name: options.executionName, value: 'execution', description: options.executionDescription },
			],
			default: defaultMode,
		},
		{
			displayName: 'Map Name or ID',
			name: 'journalMap',
			type: 'options',
			noDataExpression: true,
			typeOptions: { loadOptionsMethod: 'getJournalMaps' },
			default: '',
			required: true,
			displayOptions: journalOnly,
			description: `The map whose journal receives the changes: a standard map that writes ${SIDE[direction].label}, or Custom (by ID). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.`,
		},
		{
			displayName: 'Map ID',
			name: 'journalMapId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. my-map',
			displayOptions: { show: { mode: ['journal'], journalMap: [CUSTOM_MAP] } },
			description: 'The ID of the custom map, as its JSON for the Dual-Write Trigger and Map nodes gives it',
		},
	];
}

/** Catalog maps that write the direction, then Custom. */
export function journalMapOptions(direction: SyncDirection): INodePropertyOptions[] {
	return [
		...loadCatalog()
			.filter((map) => mapDirections(map).includes(direction))
			.map((map) => ({ name: map.title, value: map.id, description: `${map.fo.entity} ↔ ${map.dataverse.entity} (v${map.version})` }))
			.sort((a, b) => a.name.localeCompare(b.name)),
		{ name: 'Custom (by ID)', value: CUSTOM_MAP, description: 'A custom map, named by its ID' },
	];
}

export type ParameterReader = (name: string, fallback?: unknown) => unknown;

/**
 * The map id journal entries go to. A catalog map must write the direction and watch the same entity as the trigger
 * (the Dual-Write Trigger reads each journaled key from the map's source entity); a custom map is taken by its id.
 */
export function journalMapOf(node: INode, param: ParameterReader, direction: SyncDirection, entity?: string): string {
	const chosen = String(param('journalMap', '') ?? '').trim();
	if (chosen === CUSTOM_MAP) {
		const id = String(param('journalMapId', '') ?? '').trim();
		if (!id) throw new NodeOperationError(node, 'Enter the ID of the custom map whose journal receives the changes');
		return id;
	}
	if (!chosen) throw new NodeOperationError(node, 'Choose the map whose journal receives the changes');
	const map = catalogMap(chosen);
	if (!map) throw new NodeOperationError(node, `No map "${chosen}" in the catalog`, { description: `Known maps: ${loadCatalog().map((m) => m.id).join(', ')}` });
	if (!mapDirections(map).includes(direction)) throw new NodeOperationError(node, `Map ${chosen} writes nothing ${SIDE[direction].label}`);
	const mapEntity = SIDE[direction].entity(map);
	if (entity !== undefined && mapEntity.toLowerCase() !== entity.toLowerCase()) {
		throw new NodeOperationError(node, `Map ${chosen} syncs ${mapEntity}, but this trigger watches ${entity}`, {
			description: `Choose ${mapEntity} as the entity, or a map of ${entity}`,
		});
	}
	return map.id;
}
