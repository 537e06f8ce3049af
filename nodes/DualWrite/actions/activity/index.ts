import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../operation';
import * as list from './list.operation';

export const operations: Record<string, Operation> = { list };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['activity'] } },
		options: [{ name: 'List', value: 'list', description: 'Map lifecycle events, newest first', action: 'List activity' }],
		default: 'list',
	},
	...list.description,
];
