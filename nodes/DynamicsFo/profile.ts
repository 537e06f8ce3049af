import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { FO_DEFAULT_BATCH_SIZE, FO_MAX_BATCH_SIZE } from '../../lib/connectors';
import type { NodeProfile } from '../shared/helpers/profile';

/** F&O reads are scoped to one company (legal entity) unless asked otherwise. */
export const foProfile: NodeProfile = {
	system: 'fo',
	credentialName: 'dualWriteFoOAuth2Api',
	label: 'F&O',
	entityPlaceholder: 'CustomersV3',
	filterPlaceholder: "e.g. CustomerGroupId eq '10' and CreditLimit gt 1000",
	batch: { defaultSize: FO_DEFAULT_BATCH_SIZE, maxSize: FO_MAX_BATCH_SIZE },
	readOptions: [
		{
			displayName: 'Company',
			name: 'company',
			type: 'string',
			default: '',
			placeholder: 'e.g. usmf',
			description:
				"Read this company (dataAreaId) instead of the integration user's default company. Leave empty for the default company.",
		},
		{
			displayName: 'Cross-Company',
			name: 'crossCompany',
			type: 'boolean',
			default: false,
			description: 'Whether to read the records of every company the integration user can see (cross-company=true)',
		},
	],
	writeOptions: [],
	readOptionsFrom(context: IExecuteFunctions, itemIndex: number) {
		const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const company = typeof options.company === 'string' ? options.company.trim() : '';
		return {
			...(company !== '' ? { company } : {}),
			...(options.crossCompany === true ? { crossCompany: true } : {}),
		};
	},
	writeOptionsFrom() {
		return {};
	},
};
