import type { INodeProperties } from 'n8n-workflow';
import type { NodeProfile } from '../helpers/profile';
import * as record from './record';

/** The parameters of one of the two action nodes; each node file declares its own identity around them. */
export function nodeProperties(profile: NodeProfile): INodeProperties[] {
	return [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [{ name: 'Record', value: 'record' }],
			default: 'record',
		},
		...record.description(profile),
	];
}

export const SUBTITLE = '={{ $parameter["operation"] + ": " + ($parameter["entity"].cachedResultName || $parameter["entity"].value || "") }}';
