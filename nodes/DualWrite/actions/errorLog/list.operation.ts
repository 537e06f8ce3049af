import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { JournalEntry, StateStore } from '../../../../lib/state';
import { journalFilter, journalFilters, output, showFor } from '../common';
import { entryJson } from './entry';

const PAGE = 1_000;

export const description: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		displayOptions: showFor('errorLog', ['list']),
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: { minValue: 1 },
		displayOptions: { show: { resource: ['errorLog'], operation: ['list'], returnAll: [false] } },
		description: 'Max number of results to return',
	},
	journalFilters('errorLog', ['list']),
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const filter = journalFilter(this, itemIndex);
	filter.status ??= ['failed'];
	const returnAll = this.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? Number.POSITIVE_INFINITY : Math.max(1, Number(this.getNodeParameter('limit', itemIndex, 50)));
	const entries: JournalEntry[] = [];
	// Newest first, page by page with the store's cursor.
	let cursor: string | undefined;
	do {
		const page = await store.list({ ...filter, limit: Math.min(PAGE, limit - entries.length), ...(cursor !== undefined ? { cursor } : {}) });
		entries.push(...page.items);
		cursor = page.nextCursor;
	} while (cursor !== undefined && entries.length < limit);
	return output(this, entries.map(entryJson), itemIndex);
}
