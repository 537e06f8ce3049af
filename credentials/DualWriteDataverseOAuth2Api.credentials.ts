import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { microsoftCloudProperties } from './microsoftCloudProperties';

export class DualWriteDataverseOAuth2Api implements ICredentialType {
	name = 'dualWriteDataverseOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Dataverse (Dual-Write) OAuth2 API';

	icon: Icon = { light: 'file:../icons/dataverse.svg', dark: 'file:../icons/dataverse.dark.svg' };

	documentationUrl = 'https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/overview';

	properties: INodeProperties[] = microsoftCloudProperties(
		'https://contoso.crm.dynamics.com',
		'The Dataverse environment URL, without /api/data. The app registration must be an application user in that environment.',
	);

	// WhoAmI is Dataverse's cheapest authenticated call. A bad secret or tenant fails earlier, when n8n fetches the
	// token; the rules name the usual causes of what the environment itself answers.
	test: ICredentialTestRequest = {
		request: { baseURL: '={{ String($credentials.environmentUrl).replace(/\\/+$/, "") }}', url: '/api/data/v9.2/WhoAmI', method: 'GET' },
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'Dataverse rejected the token: check that the Environment URL is the one the token was issued for (the scope is derived from it)',
				},
			},
			{
				type: 'responseCode',
				properties: { value: 403, message: 'Dataverse refused access: add the app as an application user of this environment, with a security role' },
			},
			{ type: 'responseCode', properties: { value: 404, message: 'No Dataverse Web API at <Environment URL>/api/data/v9.2/: the Environment URL must be the environment root, e.g. https://contoso.crm.dynamics.com' } },
		],
	};
}
