import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { dataverseProfile } from '../DataverseDualWrite/profile';
import { foProfile } from '../DynamicsFo/profile';
import { properties } from './actions/description';
import { router } from './actions/router';
import { loadOptions } from './methods';

/**
 * The data admin's console (Microsoft's dual-write admin page) as one node over the state store the live-sync nodes
 * share: map status, pause and resume, the error log with retry and dismiss, the activity log, alert rules, and the
 * initial sync. Only the initial sync needs credentials: everything else reads the state file of this n8n instance.
 */
export class DualWrite implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dual-Write',
		name: 'dualWrite',
		icon: { light: 'file:../../icons/dual-write.svg', dark: 'file:../../icons/dual-write.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["resource"] + ": " + $parameter["operation"] }}',
		description: 'Administer dual-write maps: initial sync, status, pause and resume, error log with retry, activity log, alert rules',
		defaults: { name: 'Dual-Write' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// Only an initial sync talks to the two systems; the console's other operations read the state file alone.
		credentials: [
			{ name: foProfile.credentialName, required: true, displayOptions: { show: { resource: ['initialSync'], operation: ['run'] } } },
			{ name: dataverseProfile.credentialName, required: true, displayOptions: { show: { resource: ['initialSync'], operation: ['run'] } } },
		],
		properties,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
