import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import type { NodeProfile } from '../../helpers/profile';
import { entityLocator, showFor, type RecordOperationName } from '../common';
import * as create from './create.operation';
import * as deleteRecord from './delete.operation';
import * as get from './get.operation';
import * as getAll from './getAll.operation';
import * as update from './update.operation';
import * as upsert from './upsert.operation';

interface Operation {
	description(profile: NodeProfile): INodeProperties[];
	execute(this: IExecuteFunctions, profile: NodeProfile): Promise<INodeExecutionData[]>;
}

export const operations: Record<RecordOperationName, Operation> = { create, update, upsert, delete: deleteRecord, get, getAll };

export function description(profile: NodeProfile): INodeProperties[] {
	return [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: ['record'] } },
			options: [
				{ name: 'Create', value: 'create', description: 'Create a new record', action: 'Create a record' },
				{
					name: 'Create or Update',
					value: 'upsert',
					description: 'Create a new record, or update the current one if it already exists (upsert)',
					action: 'Create or update a record',
				},
				{ name: 'Delete', value: 'delete', description: 'Delete a record by key', action: 'Delete a record' },
				{ name: 'Get', value: 'get', description: 'Get a record by key', action: 'Get a record' },
				{ name: 'Get Many', value: 'getAll', description: 'Get many records, filtered and sorted', action: 'Get many records' },
				{ name: 'Update', value: 'update', description: 'Update a record by key', action: 'Update a record' },
			],
			default: 'get',
		},
		// In dual-write mode the envelope names the entity.
		{ ...entityLocator(profile), displayOptions: { ...showFor(['create', 'update', 'upsert', 'delete', 'get', 'getAll']), hide: { [upsert.VALUES_FROM]: [upsert.DUAL_WRITE] } } },
		...Object.values(operations).flatMap((operation) => operation.description(profile)),
	];
}
