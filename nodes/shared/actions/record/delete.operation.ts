import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { keyFromValues, mappedValues } from '../../helpers/fields';
import type { NodeProfile } from '../../helpers/profile';
import { keyMapper } from '../common';
import { writeOptions, writeOptionsOf } from './options';
import { runWrites } from './write';

export function description(profile: NodeProfile): INodeProperties[] {
	return [keyMapper(['delete']), writeOptions(profile, 'delete')];
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	return await runWrites(this, profile, (context, itemIndex, entity) => {
		const { values } = mappedValues(context, 'key', itemIndex);
		const { etag } = writeOptionsOf(context, profile, itemIndex);
		return {
			operation: 'delete',
			entity: entity.name,
			key: keyFromValues(context.getNode(), entity, values, givenKey(entity.key, entity.alternateKeys, values), itemIndex),
			options: etag ? { etag } : {},
		};
	});
}

/** The key whose fields the user filled in; none when no key is complete (keyFromValues then names the gaps). */
export function givenKey(primary: string[], alternates: string[][], values: Record<string, unknown>): string[] {
	const filled = (name: string) => values[name] !== undefined && values[name] !== null && values[name] !== '';
	return [primary, ...alternates].find((key) => key.length > 0 && key.every(filled)) ?? [];
}
