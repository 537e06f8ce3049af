import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../operation';
import * as deleteRule from './delete.operation';
import * as list from './list.operation';
import * as set from './set.operation';

export const operations: Record<string, Operation> = { set, list, delete: deleteRule };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['alertRule'] } },
		options: [
			{ name: 'Delete', value: 'delete', description: 'Delete a rule by map and name', action: 'Delete an alert rule' },
			{ name: 'List', value: 'list', description: 'List the rules of one map or all', action: 'List alert rules' },
			{
				name: 'Set',
				value: 'set',
				description: 'Add or replace a rule: N failures within a window pause the map and/or notify',
				action: 'Set an alert rule',
			},
		],
		default: 'list',
	},
	...set.description,
	...list.description,
	...deleteRule.description,
];
