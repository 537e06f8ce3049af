import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../operation';
import * as dismiss from './dismiss.operation';
import * as get from './get.operation';
import * as list from './list.operation';
import * as purge from './purge.operation';
import * as retry from './retry.operation';

export const operations: Record<string, Operation> = { list, get, retry, dismiss, purge };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['errorLog'] } },
		options: [
			{ name: 'Dismiss', value: 'dismiss', description: 'Set failed or waiting changes aside for good', action: 'Dismiss changes' },
			{ name: 'Get', value: 'get', description: 'Get one journaled change with its full error and payload', action: 'Get a change' },
			{ name: 'List', value: 'list', description: 'List failed (or other) changes, newest first, filtered', action: 'List changes' },
			{ name: 'Purge', value: 'purge', description: 'Remove finished history older than the retention period', action: 'Purge old history' },
			{ name: 'Retry', value: 'retry', description: 'Queue changes again, optionally one with an edited payload', action: 'Retry changes' },
		],
		default: 'list',
	},
	...list.description,
	...get.description,
	...retry.description,
	...dismiss.description,
	...purge.description,
];
