import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { ActivityEntry, StateStore } from '../../../../lib/state';
import { iso, mapFilterParameter, output, showFor, timeParameter } from '../common';

const PAGE = 1_000;

/** The events the engine writes; the log accepts others (an Events filter can name them by expression). */
const EVENTS = [
	{ name: 'Configuration Changed', value: 'config-changed', description: 'An alert rule added, updated or deleted' },
	{ name: 'Conflict', value: 'conflict', description: 'A field edited on both sides, settled by the map’s conflict policy' },
	{ name: 'Initial Sync Failed', value: 'initial-sync-failed', description: 'An initial sync of the map stopped on an error; running it again resumes from its checkpoint' },
	{ name: 'Initial Sync Finished', value: 'initial-sync-finished', description: 'An initial sync of the map finished (its counts and samples)' },
	{ name: 'Initial Sync Started', value: 'initial-sync-started', description: 'An initial sync of the map started or resumed (run name, direction, resumed after which key)' },
	{ name: 'Paused', value: 'paused', description: 'Paused by an operator (who and why)' },
	{ name: 'Resumed', value: 'resumed', description: 'Resumed by an operator (who and why, backlog to catch up)' },
	{ name: 'Rule Tripped', value: 'rule-tripped', description: 'An alert rule tripped (counts, sample of failures, whether it paused the map)' },
	{ name: 'Started', value: 'started' },
	{ name: 'State Changed', value: 'state-changed', description: 'Any change of the map’s state (running, paused, catching up…)' },
	{ name: 'Trigger Failed', value: 'trigger-failed', description: 'A Dual-Write Trigger’s turn failed (first failure of a streak)' },
];

export const description: INodeProperties[] = [
	mapFilterParameter('activity', ['list']),
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: EVENTS,
		default: [],
		description: 'Only these events; all when empty',
		displayOptions: showFor('activity', ['list']),
	},
	{
		displayName: 'Since',
		name: 'since',
		type: 'dateTime',
		default: '',
		description: 'Only events at or after this time',
		displayOptions: showFor('activity', ['list']),
	},
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: showFor('activity', ['list']),
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		displayOptions: { show: { resource: ['activity'], operation: ['list'], returnAll: [false] } },
		description: 'Max number of results to return',
	},
];

function entryJson(entry: ActivityEntry): IDataObject {
	return { id: entry.id, map: entry.map, event: entry.event, at: iso(entry.at), detail: (entry.detail ?? null) as IDataObject | null };
}

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = String(this.getNodeParameter('map', itemIndex, '')).trim();
	const events = (this.getNodeParameter('events', itemIndex, []) as string[]).filter((event) => event !== '');
	const since = timeParameter(this, this.getNodeParameter('since', itemIndex, ''), 'Since', itemIndex);
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Number.POSITIVE_INFINITY : Math.max(1, Number(this.getNodeParameter('limit', itemIndex, 50)));
	const entries: ActivityEntry[] = [];
	let cursor: string | undefined;
	do {
		const page = await store.listActivity({
			...(map !== '' ? { map } : {}),
			...(events.length > 0 ? { events } : {}),
			...(since !== undefined ? { since } : {}),
			limit: Math.min(PAGE, limit - entries.length),
			...(cursor !== undefined ? { cursor } : {}),
		});
		entries.push(...page.items);
		cursor = page.nextCursor;
	} while (cursor !== undefined && entries.length < limit);
	return output(this, entries.map(entryJson), itemIndex);
}
