import { startEmulators, type RunningEmulators } from '../../emulators';
import { startN8n, type N8nInstance } from '../support/n8n/instance';
import { createAxiosTransport } from '../support/axios-transport';
import { webhookNode } from '../support/n8n/nodes';

/**
 * The pieces together, before any node of ours is involved: a real n8n authenticates against the token emulator
 * with n8n's own OAuth2 client-credentials handling, creates a Dataverse row through the HTTP Request node, and
 * the test reads the row back from the emulator with its own token.
 */
describe('real n8n -> token emulator -> Dataverse emulator', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 } });
		const dv = emulators.dataverse.url;
		n8n = await startN8n({
			credentials: [
				{
					id: 'e2eOAuthDataverse1',
					name: 'Dataverse emulator (generic OAuth2)',
					type: 'oAuth2Api',
					data: {
						grantType: 'clientCredentials',
						accessTokenUrl: emulators.token.tokenUrl,
						clientId: emulators.integrationApp.clientId,
						clientSecret: emulators.integrationApp.clientSecret,
						scope: `${dv}/.default`,
						authentication: 'body',
						authUrl: '',
						authQueryParameters: '',
					},
				},
			],
			workflows: [
				{
					id: 'e2eHttpCreateAcct1',
					name: 'E2E: create a Dataverse account over HTTP',
					nodes: [
						webhookNode('a1', 'create-account', 'lastNode'),
						{
							id: 'a2',
							name: 'Create account',
							type: 'n8n-nodes-base.httpRequest',
							typeVersion: 4.2,
							position: [220, 0],
							credentials: { oAuth2Api: { id: 'e2eOAuthDataverse1', name: 'Dataverse emulator (generic OAuth2)' } },
							parameters: {
								method: 'POST',
								url: `${dv}/api/data/v9.2/accounts`,
								authentication: 'genericCredentialType',
								genericAuthType: 'oAuth2Api',
								sendHeaders: true,
								headerParameters: { parameters: [{ name: 'Prefer', value: 'return=representation' }] },
								sendBody: true,
								specifyBody: 'json',
								jsonBody:
									'={{ JSON.stringify({ name: $json.body.name, accountnumber: $json.body.accountnumber, "msdyn_company@odata.bind": "/cdm_companies(cdm_companycode=\'usmf\')" }) }}',
								options: {},
							},
						},
					],
					connections: { Webhook: { main: [[{ node: 'Create account', type: 'main', index: 0 }]] } },
					settings: { executionOrder: 'v1' },
				},
			],
			publish: ['e2eHttpCreateAcct1'],
		});
		await n8n.waitForWebhook('create-account');
	});

	afterAll(async () => {
		await n8n?.dispose();
		await emulators?.close();
	});

	it('creates the row with a token n8n fetched itself, and the row reads back', async () => {
		const accountnumber = `E2E-${Date.now()}`;
		const name = "O'Brien Ünïcode & Co";
		const res = await fetch(`${n8n.url}/webhook/create-account`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name, accountnumber }),
		});
		const text = await res.text();
		expect(res.status).toBe(200);
		const created = JSON.parse(text) as { accountid: string; name: string };
		expect(created.name).toBe(name);
		expect(created.accountid).toMatch(/^[0-9a-f-]{36}$/);

		// Read back with our own token, through the emulator's HTTP API, by alternate-key-free filter on the number.
		const transport = createAxiosTransport();
		try {
			const tokenRes = await fetch(emulators.token.tokenUrl, {
				method: 'POST',
				body: new URLSearchParams({
					grant_type: 'client_credentials',
					client_id: emulators.userApp.clientId,
					client_secret: emulators.userApp.clientSecret,
					scope: `${emulators.dataverse.url}/.default`,
				}),
			});
			const { access_token } = (await tokenRes.json()) as { access_token: string };
			const read = await transport({
				method: 'GET',
				url: `${emulators.dataverse.url}/api/data/v9.2/accounts(${created.accountid})?$select=name,accountnumber,_msdyn_company_value`,
				headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
			});
			expect(read.status).toBe(200);
			const row = JSON.parse(read.body) as { name: string; accountnumber: string; _msdyn_company_value: string };
			expect(row).toMatchObject({ name, accountnumber });
			expect(row._msdyn_company_value).toMatch(/^[0-9a-f-]{36}$/);
		} finally {
			transport.close();
		}
	});

	it('the execution was recorded as a success in n8n', async () => {
		const executions = await n8n.waitForExecutions('e2eHttpCreateAcct1', (list) => list.some((execution) => execution.status === 'success'));
		expect(executions.length).toBeGreaterThanOrEqual(1);
		expect(executions[0].status).toBe('success');
	});
});
