import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { nodeProperties, SUBTITLE } from '../shared/actions/description';
import { router } from '../shared/actions/router';
import { nodeMethods } from '../shared/methods';
import { dataverseProfile } from './profile';

export class DataverseDualWrite implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dataverse (Dual-Write)',
		name: 'dataverseDualWrite',
		icon: { light: 'file:../../icons/dataverse.svg', dark: 'file:../../icons/dataverse.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: SUBTITLE,
		description: 'Create, read, update and delete Dataverse rows through the Web API, with lookups by alternate key',
		defaults: { name: 'Dataverse' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: dataverseProfile.credentialName, required: true }],
		properties: nodeProperties(dataverseProfile),
	};

	methods = nodeMethods(dataverseProfile);

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this, dataverseProfile);
	}
}
