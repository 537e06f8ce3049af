import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import { envelopeTargetProblem, envelopeWrite, hasEnvelope, withResult, type EnvelopedItem } from '../../../../lib/sync';
import type { NodeProfile } from '../../helpers/profile';
import { showFor, valuesMapper } from '../common';
import { writeOptions, writeOptionsOf } from './options';
import { liveUpsert } from './liveUpsert';
import { columnsWrite, runWrites } from './write';

/** Where Upsert takes entity, key and values from: its own parameters, or the `dualWrite` envelope of each item. */
export const VALUES_FROM = 'valuesFrom';
export const DUAL_WRITE = 'dualWrite';

export function description(profile: NodeProfile): INodeProperties[] {
	const mapper = valuesMapper('upsert');
	return [
		{
			displayName: 'Values From',
			name: VALUES_FROM,
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Columns Below', value: 'columns', description: 'Entity, key and values set in this node' },
				{
					name: 'Dual-Write Envelope',
					value: DUAL_WRITE,
					description: `Each item from a Dual-Write Map node names its ${profile.label} entity, key and lookups; nothing else to set`,
				},
			],
			default: 'columns',
			displayOptions: showFor(['upsert']),
		},
		{
			displayName: `Items must come from a Dual-Write Map node whose direction writes to ${profile.label}. Their fields (without dualWrite) are upserted by the envelope's key; the envelope gains result.outcome and result.ID.`,
			name: 'dualWriteNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { resource: ['record'], operation: ['upsert'], [VALUES_FROM]: [DUAL_WRITE] } },
		},
		{ ...mapper, displayOptions: { show: { resource: ['record'], operation: ['upsert'], [VALUES_FROM]: ['columns'] } } },
		writeOptions(profile, 'upsert'),
	];
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	if (items.length > 0 && this.getNodeParameter(VALUES_FROM, 0, 'columns') === DUAL_WRITE) {
		const node = this.getNode();
		const enveloped = (itemIndex: number): EnvelopedItem => {
			const json = items[itemIndex].json;
			if (!hasEnvelope(json)) {
				throw new NodeOperationError(node, 'The item has no dualWrite envelope', {
					itemIndex,
					description: 'With "Values From: Dual-Write Envelope", connect this node after a Dual-Write Map node (its Mapped output).',
				});
			}
			return json;
		};
		const live = items.filter((item) => hasEnvelope(item.json) && item.json.dualWrite.journal !== undefined).length;
		if (live > 0) {
			if (live !== items.length) {
				throw new NodeOperationError(node, 'Some items come from the Dual-Write Trigger (live sync) and some do not', {
					description: 'Give live-sync items and other items their own upsert node.',
				});
			}
			return await liveUpsert(this, profile, items.map((_item, index) => enveloped(index)));
		}
		const writeOf = (itemIndex: number) => {
			const item = enveloped(itemIndex);
			const problem = envelopeTargetProblem(profile.system, item);
			if (problem) throw new NodeOperationError(node, problem, { itemIndex });
			return envelopeWrite(profile.system, item);
		};
		return await runWrites(
			this,
			profile,
			(context, itemIndex) => {
				const write = writeOf(itemIndex);
				// The envelope's lookups win over lookups set in Options: they come from the map.
				return { ...write, options: { ...writeOptionsOf(context, profile, itemIndex), ...write.options } };
			},
			{
				entityName: (itemIndex) => writeOf(itemIndex).entity,
				output: (itemIndex, _write, result) => withResult(enveloped(itemIndex), result) as IDataObject,
			},
		);
	}
	return await runWrites(this, profile, columnsWrite('upsert', profile));
}
