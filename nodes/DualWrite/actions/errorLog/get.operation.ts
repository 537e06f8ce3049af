import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { output, showFor } from '../common';
import { entryJson } from './entry';

export const description: INodeProperties[] = [
	{
		displayName: 'Change ID',
		name: 'id',
		type: 'number',
		default: 0,
		required: true,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description: 'The journal ID of the change (the ID field of Error Log items)',
		displayOptions: showFor('errorLog', ['get']),
	},
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const id = Number(this.getNodeParameter('id', itemIndex));
	const entry = Number.isSafeInteger(id) ? await store.get(id) : undefined;
	if (!entry) throw new NodeOperationError(this.getNode(), `No change with ID ${id} in the journal`, { itemIndex, description: 'It may have been purged after the retention period' });
	return output(this, entryJson(entry), itemIndex);
}
