import type { INodeProperties } from 'n8n-workflow';
import { showFor } from '../common';

/** The checkpoint's name, shared by Run and Get Progress. */
export function runNameParameter(operations: string[]): INodeProperties {
	return {
		displayName: 'Run Name',
		name: 'runName',
		type: 'string',
		default: 'default',
		description: 'Names the checkpoint: a run of the same name resumes where an unfinished one stopped. Use different names for independent runs.',
		displayOptions: showFor('initialSync', operations),
	};
}
