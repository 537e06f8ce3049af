import type { INodeProperties } from 'n8n-workflow';
import type { Operation } from '../operation';
import * as getStatus from './getStatus.operation';
import * as pause from './pause.operation';
import * as resume from './resume.operation';

export const operations: Record<string, Operation> = { getStatus, pause, resume };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['map'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description: 'State (running, paused, catching up…), backlog by status, last success and last error of one map or all',
				action: 'Get the status of a map',
			},
			{ name: 'Pause', value: 'pause', description: 'Stop writing a map’s changes; they keep being captured', action: 'Pause a map' },
			{ name: 'Resume', value: 'resume', description: 'Catch up on a paused map’s changes in order, then run live', action: 'Resume a map' },
		],
		default: 'getStatus',
	},
	...getStatus.description,
	...pause.description,
	...resume.description,
];
