import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { NodeProfile } from '../../helpers/profile';
import { valuesMapper } from '../common';
import { writeOptions } from './options';
import { columnsWrite, runWrites } from './write';

export function description(profile: NodeProfile): INodeProperties[] {
	return [valuesMapper('update'), writeOptions(profile, 'update')];
}

export async function execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]> {
	return await runWrites(this, profile, columnsWrite('update', profile));
}
