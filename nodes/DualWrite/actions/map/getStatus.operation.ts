import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { mapStatus, mapStatuses } from '../../../../lib/sync';
import { mapFilterParameter, output } from '../common';
import { statusJson } from './status';

export const description: INodeProperties[] = [mapFilterParameter('map', ['getStatus'])];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = String(this.getNodeParameter('map', itemIndex, '')).trim();
	const statuses = map === '' ? await mapStatuses(store) : [await mapStatus(store, map)];
	return output(this, statuses.map(statusJson), itemIndex);
}
