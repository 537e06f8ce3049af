import { type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { ErrorClass, StateStore } from '../../../../lib/state';
import { errorClassOptions, knownMap, mapParameter, output, showFor } from '../common';
import { ruleJson } from './rule';

export const description: INodeProperties[] = [
	mapParameter('alertRule', ['set']),
	{
		displayName: 'Error Class',
		name: 'errorClass',
		type: 'options',
		options: [{ name: 'Any', value: 'any', description: 'Failures of every class count' }, ...errorClassOptions()],
		default: 'any',
		description: 'Which failures count',
		displayOptions: showFor('alertRule', ['set']),
	},
	{
		displayName: 'Error Count',
		name: 'threshold',
		type: 'number',
		default: 10,
		typeOptions: { minValue: 1, numberPrecision: 0 },
		description: 'Failed attempts within the window that trip the rule (each failed attempt counts, retried or not)',
		displayOptions: showFor('alertRule', ['set']),
	},
	{
		displayName: 'Window (Minutes)',
		name: 'windowMinutes',
		type: 'number',
		default: 15,
		typeOptions: { minValue: 1, maxValue: 44640, numberPrecision: 0 },
		description: 'The sliding time window the failures are counted in (minute resolution)',
		displayOptions: showFor('alertRule', ['set']),
	},
	{
		displayName: 'Pause the Map',
		name: 'pause',
		type: 'boolean',
		default: true,
		description: 'Whether a trip pauses the map (its changes keep being journaled; resume it with Map > Resume)',
		displayOptions: showFor('alertRule', ['set']),
	},
	{
		displayName: 'Notify',
		name: 'notify',
		type: 'boolean',
		default: true,
		description: 'Whether a trip starts the workflows of active Dual-Write Alert Triggers',
		displayOptions: showFor('alertRule', ['set']),
	},
	{
		displayName: 'Rule Name',
		name: 'name',
		type: 'string',
		default: '',
		placeholder: 'e.g. validation storm',
		description: 'Names the rule within its map: setting a rule with the same name replaces it. Empty: the error class (one rule per class).',
		displayOptions: showFor('alertRule', ['set', 'delete']),
	},
];

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const map = await knownMap(this, store, itemIndex);
	const errorClass = String(this.getNodeParameter('errorClass', itemIndex, 'any'));
	const threshold = Number(this.getNodeParameter('threshold', itemIndex, 10));
	const windowMinutes = Number(this.getNodeParameter('windowMinutes', itemIndex, 15));
	// The store validates (threshold, window); the router turns its message into the node's error for this item.
	const rule = await store.setAlertRule({
		map,
		name: String(this.getNodeParameter('name', itemIndex, '')),
		...(errorClass !== 'any' ? { errorClass: errorClass as ErrorClass } : {}),
		threshold,
		windowMinutes,
		pause: this.getNodeParameter('pause', itemIndex, true) as boolean,
		notify: this.getNodeParameter('notify', itemIndex, true) as boolean,
	});
	return output(this, ruleJson(rule), itemIndex);
}
