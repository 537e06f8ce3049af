import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../operation';
import * as getProgress from './getProgress.operation';
import * as run from './run.operation';

export const operations: Record<string, Operation> = { run, getProgress };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['initialSync'] } },
		options: [
			{
				name: 'Run',
				value: 'run',
				description: 'Copy the master side’s records of one or more maps to the other side, in dependency order; resumable; or a dry run',
				action: 'Run an initial sync',
			},
			{
				name: 'Get Progress',
				value: 'getProgress',
				description: 'Where a run is (or stopped): maps finished with their counts, the map in progress and its last checkpoint',
				action: 'Get the progress of an initial sync',
			},
		],
		default: 'run',
	},
	...run.description,
	...getProgress.description,
];
