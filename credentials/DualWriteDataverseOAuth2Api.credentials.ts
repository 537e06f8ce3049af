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

	// WhoAmI is Dataverse's cheapest authenticated call.
	test: ICredentialTestRequest = {
		request: { baseURL: '={{ String($credentials.environmentUrl).replace(/\\/+$/, "") }}', url: '/api/data/v9.2/WhoAmI', method: 'GET' },
	};
}
