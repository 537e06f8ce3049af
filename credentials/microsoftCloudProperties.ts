import type { INodeProperties } from 'n8n-workflow';

/**
 * The fields both Dynamics credentials share. They extend n8n's OAuth2 credential with the client-credentials
 * grant, so n8n fetches, stores and renews the token itself; the token URL and scope are derived from the
 * tenant and the environment URL, and can be overridden for national clouds and for the emulators.
 */
export function microsoftCloudProperties(environmentPlaceholder: string, environmentDescription: string): INodeProperties[] {
	return [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'clientCredentials' },
		{
			displayName: 'Environment URL',
			name: 'environmentUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: environmentPlaceholder,
			description: environmentDescription,
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'contoso.onmicrosoft.com or 00000000-0000-0000-0000-000000000000',
			description: 'The Microsoft Entra ID directory (tenant) of the app registration',
		},
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			default: 'login.microsoftonline.com',
			options: [
				{ name: 'Global (Public)', value: 'login.microsoftonline.com' },
				{ name: 'US Government (GCC High / DoD)', value: 'login.microsoftonline.us' },
				{ name: 'China (21Vianet)', value: 'login.chinacloudapi.cn' },
				{ name: 'Custom Token URL', value: 'custom' },
			],
		},
		{
			displayName: 'Token URL',
			name: 'customTokenUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4010/<tenant>/oauth2/v2.0/token',
			description: 'Full OAuth2 v2.0 token endpoint, for a sovereign cloud not listed or a local emulator',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Resource (App ID URI) Override',
			name: 'resource',
			type: 'string',
			default: '',
			description: 'Leave empty to request a token for the environment URL itself (scope "<environment URL>/.default")',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default:
				"={{ $self.cloud === 'custom' ? $self.customTokenUrl : 'https://' + $self.cloud + '/' + $self.tenantId + '/oauth2/v2.0/token' }}",
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: "={{ String($self.resource || $self.environmentUrl).replace(/\\/+$/, '') + '/.default' }}",
		},
		{ displayName: 'Auth URL', name: 'authUrl', type: 'hidden', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];
}
