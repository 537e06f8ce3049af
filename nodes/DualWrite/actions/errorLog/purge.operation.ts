import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { iso, output, showFor } from '../common';

const DAY = 24 * 60 * 60_000;

export const description: INodeProperties[] = [
	{
		displayName: 'Keep (Days)',
		name: 'retentionDays',
		type: 'number',
		default: 31,
		typeOptions: { minValue: 0, numberPrecision: 2 },
		description:
			'Finished changes (done, skipped, dismissed), activity entries and error counters older than this are removed. Failed and pending changes are never purged.',
		displayOptions: showFor('errorLog', ['purge']),
	},
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const days = Math.max(0, Number(this.getNodeParameter('retentionDays', itemIndex, 31)));
	const olderThan = Date.now() - days * DAY;
	const purged = await store.purge({ olderThan });
	return output(this, { ...purged, olderThan: iso(olderThan) }, itemIndex);
}
