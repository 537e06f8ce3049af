import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { output, showFor } from '../common';
import { selection, selectionParameters } from './selection';

export const description: INodeProperties[] = [
	...selectionParameters('dismiss', ['failed', 'pending']),
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'e.g. fixed by hand in F&O',
		description: 'Kept on each dismissed change (its detail field)',
		displayOptions: showFor('errorLog', ['dismiss']),
	},
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const selected = selection(this, itemIndex);
	const reason = String(this.getNodeParameter('reason', itemIndex, '')).trim();
	const dismissed = await store.dismiss(selected, reason || undefined);
	return output(this, { dismissed, count: dismissed.length, ...(Array.isArray(selected) ? { notDismissed: selected.filter((id) => !dismissed.includes(id)) } : {}) }, itemIndex);
}
