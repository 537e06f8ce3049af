import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { keyFieldNames, keyFromValues, mappedValues, recordFromValues } from '../../helpers/fields';
import type { NodeProfile } from '../../helpers/profile';
import { valuesMapper } from '../common';
import { writeOptions, writeOptionsOf } from './options';
import { runWrites } from './write';

export function description(profile: NodeProfile): INodeProperties[] {
	return [valuesMapper('upsert'), writeOptions(profile, 'upsert')];
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	return await runWrites(this, profile, (context, itemIndex, entity) => {
		const node = context.getNode();
		const { values, matchingColumns } = mappedValues(context, 'columns', itemIndex);
		const key = keyFromValues(node, entity, values, matchingColumns, itemIndex);
		return {
			operation: 'upsert',
			entity: entity.name,
			key,
			record: recordFromValues(node, entity, values, itemIndex, keyFieldNames(entity)),
			options: writeOptionsOf(context, profile, itemIndex),
		};
	});
}
