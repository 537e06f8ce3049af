import type { INodeProperties } from 'n8n-workflow';
import * as activity from './activity';
import * as alertRule from './alertRule';
import * as errorLog from './errorLog';
import * as initialSync from './initialSync';
import * as map from './map';

export const properties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Activity', value: 'activity', description: 'The maps’ lifecycle events' },
			{ name: 'Alert Rule', value: 'alertRule', description: 'Failures within a window that pause a map and/or notify' },
			{ name: 'Error Log', value: 'errorLog', description: 'Journaled changes: failed, skipped, waiting; retry and dismiss them' },
			{ name: 'Initial Sync', value: 'initialSync', description: 'Copy existing records of maps to the other side, resumable, or a dry run' },
			{ name: 'Map', value: 'map', description: 'Status, pause and resume of a dual-write map' },
		],
		default: 'map',
	},
	...map.description,
	...errorLog.description,
	...activity.description,
	...alertRule.description,
	...initialSync.description,
];
