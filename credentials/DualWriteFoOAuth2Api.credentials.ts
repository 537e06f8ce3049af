import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';
import { microsoftCloudProperties } from './microsoftCloudProperties';

export class DualWriteFoOAuth2Api implements ICredentialType {
	name = 'dualWriteFoOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Dynamics 365 F&O (Dual-Write) OAuth2 API';

	icon: Icon = { light: 'file:../icons/dynamics-fo.svg', dark: 'file:../icons/dynamics-fo.dark.svg' };

	documentationUrl = 'https://learn.microsoft.com/en-us/dynamics365/fin-ops-core/dev-itpro/data-entities/services-home-page';

	properties: INodeProperties[] = microsoftCloudProperties(
		'https://contoso.operations.dynamics.com',
		'The Finance & Operations environment, without /data. The app registration must also be added in F&O under System administration > Setup > Microsoft Entra ID applications.',
	);

	// A cheap authenticated read: the OData service document lists the entity sets.
	test: ICredentialTestRequest = {
		request: { baseURL: '={{ String($credentials.environmentUrl).replace(/\\/+$/, "") }}', url: '/data/', method: 'GET' },
	};
}
