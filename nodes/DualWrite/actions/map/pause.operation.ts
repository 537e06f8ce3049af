import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { pauseMap } from '../../../../lib/sync';
import { knownMap, mapParameter, output, requester, showFor } from '../common';
import { statusJson } from './status';

export const description: INodeProperties[] = [
	mapParameter('map', ['pause']),
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		placeholder: 'e.g. F&O maintenance window',
		description: 'Why, for the activity log (which also records the workflow and execution)',
		displayOptions: showFor('map', ['pause', 'resume']),
	},
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = await knownMap(this, store, itemIndex);
	const result = await pauseMap(store, map, requester(this, String(this.getNodeParameter('reason', itemIndex, ''))));
	return output(this, { ...statusJson(result.status), changed: result.changed, previousState: result.previous }, itemIndex);
}
