import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { nodeProperties, SUBTITLE } from '../shared/actions/description';
import { router } from '../shared/actions/router';
import { nodeMethods } from '../shared/methods';
import { foProfile } from './profile';

export class DynamicsFo implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dynamics 365 F&O (Dual-Write)',
		name: 'dynamicsFo',
		icon: { light: 'file:../../icons/dynamics-fo.svg', dark: 'file:../../icons/dynamics-fo.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: SUBTITLE,
		description: 'Create, read, update and delete Dynamics 365 Finance & Operations records through OData',
		defaults: { name: 'Dynamics 365 F&O' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: foProfile.credentialName, required: true }],
		properties: nodeProperties(foProfile),
	};

	methods = nodeMethods(foProfile);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, foProfile);
	}
}
