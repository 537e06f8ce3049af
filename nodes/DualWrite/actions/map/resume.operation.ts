import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { resumeMap } from '../../../../lib/sync';
import { knownMap, mapParameter, output, requester } from '../common';
import { statusJson } from './status';

// The Reason parameter is declared once, by the Pause operation, for both.
export const description: INodeProperties[] = [
	mapParameter('map', ['resume']),
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = await knownMap(this, store, itemIndex);
	const result = await resumeMap(store, map, requester(this, String(this.getNodeParameter('reason', itemIndex, ''))));
	return output(this, { ...statusJson(result.status), changed: result.changed, previousState: result.previous }, itemIndex);
}
