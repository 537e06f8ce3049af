import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { catalogMap, compileMap, type CompiledMap, type SyncDirection } from '../../../../lib/maps';
import type { StateStore } from '../../../../lib/state';
import { loadPublishedMap, runInitialSync, type InitialSyncMap } from '../../../../lib/sync';
import { dataverseProfile } from '../../../DataverseDualWrite/profile';
import { foProfile } from '../../../DynamicsFo/profile';
import { getConnector } from '../../../shared/transport';
import { output, requester, showFor } from '../common';
import { runNameParameter } from './runName';

const show = showFor('initialSync', ['run']);

export const description: INodeProperties[] = [
	{
		displayName: 'Map Names or IDs',
		name: 'maps',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getMaps' },
		default: [],
		required: true,
		description:
			'The maps to sync; they run in dependency order whatever the order here (legal entities, groups and terms before customers). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		displayOptions: show,
	},
	{
		displayName: 'Master Side',
		name: 'masterSide',
		type: 'options',
		options: [
			{ name: 'Finance and Operations', value: 'fo', description: 'Copy F&O records to Dataverse (Microsoft’s default)' },
			{ name: 'Dataverse', value: 'dataverse', description: 'Copy Dataverse records to F&O' },
		],
		default: 'fo',
		description:
			'The side whose records are copied. Records that exist on both sides are matched by key and merged by each map’s conflict policy, never duplicated.',
		displayOptions: show,
	},
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only report, per map, how many records would be created, updated, left unchanged, in conflict or failing, with samples; nothing is written',
		displayOptions: show,
	},
	runNameParameter(['run']),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: show,
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 32 },
				default: 4,
				description: 'Write batches in flight at once (each also reads the target records it writes, 8 at a time)',
			},
			{
				displayName: 'Dataverse-Mastered Map Names or IDs',
				name: 'dataverseMaster',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getMaps' },
				default: [],
				description:
					'Maps whose master side is Dataverse even though Master Side is Finance and Operations. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 5000 },
				default: 1000,
				description: 'Source records read per request; two pages are held in memory at most, whatever the table’s size',
			},
			{
				displayName: 'Restart',
				name: 'restart',
				type: 'boolean',
				default: false,
				description: 'Whether to discard the checkpoint of an unfinished run of this name and start from the beginning',
			},
			{
				displayName: 'Samples per Outcome',
				name: 'sampleSize',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 5,
				description: 'Dry run: how many records to show for each outcome (failures are always listed, up to 50 per map)',
			},
			{
				displayName: 'Write Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 200,
				description: 'Records per $batch request',
			},
		],
	},
];

/** A catalog map with the overrides a Map node published for it, or a custom map a Map node published. */
async function compiledMap(context: IExecuteFunctions, store: StateStore, id: string, itemIndex: number): Promise<CompiledMap> {
	const published = await loadPublishedMap(store, id);
	if (published) return published;
	const definition = catalogMap(id);
	if (!definition) throw new NodeOperationError(context.getNode(), `No map "${id}" in the catalog, and no Map node has published one of that ID`, { itemIndex });
	return compileMap(definition);
}

function idList(value: unknown): string[] {
	const list = Array.isArray(value) ? value : String(value ?? '').split(/[\s,]+/);
	return [...new Set(list.map((id) => String(id).trim()).filter((id) => id !== ''))];
}

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const ids = idList(this.getNodeParameter('maps', itemIndex, []));
	if (ids.length === 0) throw new NodeOperationError(this.getNode(), 'Choose at least one map', { itemIndex });
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const masterSide = this.getNodeParameter('masterSide', itemIndex, 'fo') as 'fo' | 'dataverse';
	const dataverseMaster = new Set(idList(options.dataverseMaster));
	const maps: InitialSyncMap[] = [];
	for (const id of ids) {
		const compiled = await compiledMap(this, store, id, itemIndex);
		const direction: SyncDirection = masterSide === 'dataverse' || dataverseMaster.has(id) ? 'dataverse->fo' : 'fo->dataverse';
		if (!compiled.plans[direction]) {
			throw new NodeOperationError(this.getNode(), `Map "${id}" does not write ${direction === 'fo->dataverse' ? 'F&O → Dataverse' : 'Dataverse → F&O'}`, {
				itemIndex,
				description: 'Choose the other master side for it (Options > Dataverse-Mastered Map Names or IDs), or leave it out',
			});
		}
		maps.push({ compiled, direction });
	}
	const [fo, dataverse] = await Promise.all([getConnector(this, foProfile), getConnector(this, dataverseProfile)]);
	const request = requester(this, '');
	const report = await runInitialSync({
		store,
		connectors: { fo, dataverse },
		maps,
		run: String(this.getNodeParameter('runName', itemIndex, 'default')),
		dryRun: this.getNodeParameter('dryRun', itemIndex, false) as boolean,
		restart: options.restart === true,
		...(options.pageSize !== undefined ? { pageSize: Number(options.pageSize) } : {}),
		...(options.batchSize !== undefined ? { batchSize: Number(options.batchSize) } : {}),
		...(options.concurrency !== undefined ? { concurrency: Number(options.concurrency) } : {}),
		...(options.sampleSize !== undefined ? { sampleSize: Number(options.sampleSize) } : {}),
		...(request.by ? { by: { ...request.by } } : {}),
	});
	// One item per map, in the order they ran: a power user filters or routes them (e.g. failures to a message).
	const run = { run: report.run, resumed: report.resumed, dryRun: report.dryRun, cycles: report.cycles };
	return output(
		this,
		report.maps.map((map) => ({ ...run, ...map, samples: map.samples.map((sample) => ({ ...sample })) }) as unknown as IDataObject),
		itemIndex,
	);
}
