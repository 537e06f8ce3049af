import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { mapFilterParameter, output } from '../common';
import { ruleJson } from './rule';

export const description: INodeProperties[] = [mapFilterParameter('alertRule', ['list'])];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = String(this.getNodeParameter('map', itemIndex, '')).trim();
	const rules = await store.listAlertRules(map === '' ? undefined : map);
	return output(this, rules.map(ruleJson), itemIndex);
}
