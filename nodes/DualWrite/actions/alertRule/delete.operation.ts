import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { mapParameter, output } from '../common';

// The Rule Name parameter is declared once, by the Set operation, for both.
export const description: INodeProperties[] = [mapParameter('alertRule', ['delete'])];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = String(this.getNodeParameter('map', itemIndex, '')).trim();
	const name = String(this.getNodeParameter('name', itemIndex, '')).trim();
	if (name === '') throw new NodeOperationError(this.getNode(), 'Rule Name: give the name of the rule to delete', { itemIndex, description: 'Alert Rule > List shows the names' });
	const deleted = await store.deleteAlertRule(map, name);
	return output(this, { map, name, deleted }, itemIndex);
}
