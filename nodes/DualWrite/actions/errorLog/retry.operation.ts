import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { StateStore } from '../../../../lib/state';
import { output } from '../common';
import { selection, selectionParameters } from './selection';

export const description: INodeProperties[] = [
	...selectionParameters('retry', ['failed', 'skipped', 'dismissed', 'done']),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { resource: ['errorLog'], operation: ['retry'] } },
		options: [
			{
				displayName: 'Edited Payload (JSON)',
				name: 'editedPayload',
				type: 'json',
				default: '{}',
				description:
					'One change only: source fields (by the source system’s names) whose values replace the record’s current values for this retry, e.g. a value the target rejected. The captured payload is kept as originalPayload.',
			},
		],
	},
];

function editedPayload(context: IExecuteFunctions, itemIndex: number): IDataObject | undefined {
	const value = (context.getNodeParameter('options', itemIndex, {}) as IDataObject).editedPayload;
	if (value === undefined || value === '') return undefined;
	let parsed: unknown = value;
	if (typeof value === 'string') {
		try {
			parsed = JSON.parse(value);
		} catch {
			throw new NodeOperationError(context.getNode(), 'Edited Payload: not valid JSON', { itemIndex });
		}
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
		throw new NodeOperationError(context.getNode(), 'Edited Payload: an object of fields is expected', { itemIndex });
	}
	return Object.keys(parsed).length > 0 ? (parsed as IDataObject) : undefined;
}

export async function execute(this: IExecuteFunctions, store: StateStore, itemIndex: number): Promise<INodeExecutionData[]> {
	const selected = selection(this, itemIndex);
	const edited = editedPayload(this, itemIndex);
	if (edited && !(Array.isArray(selected) && selected.length === 1)) {
		throw new NodeOperationError(this.getNode(), 'An edited payload applies to exactly one change', { itemIndex, description: 'Select one change by its ID' });
	}
	// Back to pending with attempts reset: the map's trigger picks them up with its next batch (unless the map is paused).
	const retried = await store.retry(selected, edited ? { editedPayload: edited } : {});
	return output(this, { retried, count: retried.length, ...(Array.isArray(selected) ? { notRetried: selected.filter((id) => !retried.includes(id)) } : {}) }, itemIndex);
}
