import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { keyFieldNames, mappedValues, recordFromValues } from '../../helpers/fields';
import type { NodeProfile } from '../../helpers/profile';
import { valuesMapper } from '../common';
import { writeOptions, writeOptionsOf } from './options';
import { runWrites } from './write';

export function description(profile: NodeProfile): INodeProperties[] {
	return [valuesMapper('create'), writeOptions(profile, 'create')];
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	return await runWrites(this, profile, (context, itemIndex, entity) => {
		const { values } = mappedValues(context, 'columns', itemIndex);
		return {
			operation: 'create',
			entity: entity.name,
			// F&O natural keys are set by the caller on create, so key fields are written even where read-only.
			record: recordFromValues(context.getNode(), entity, values, itemIndex, keyFieldNames(entity)),
			options: writeOptionsOf(context, profile, itemIndex),
		};
	});
}
