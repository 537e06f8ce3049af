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

	// A cheap authenticated read: the OData service document lists the entity sets. A bad secret or tenant fails
	// earlier, when n8n fetches the token; the rules name the usual causes of what the environment itself answers.
	test: ICredentialTestRequest = {
		request: { baseURL: '={{ String($credentials.environmentUrl).replace(/\\/+$/, "") }}', url: '/data/', method: 'GET' },
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'F&O rejected the token: register the app (its client ID) in F&O under System administration > Setup > Microsoft Entra ID applications, and check that the Environment URL is the one the token was issued for',
				},
			},
			{ type: 'responseCode', properties: { value: 403, message: 'F&O refused access: the F&O user mapped to this app lacks the security roles to read data entities' } },
			{ type: 'responseCode', properties: { value: 404, message: 'No F&O OData service at <Environment URL>/data/: the Environment URL must be the environment root, e.g. https://contoso.operations.dynamics.com' } },
		],
	};
}
