import { startEmulators, type RunningEmulators } from '../../emulators';
import { startN8n, type N8nInstance } from '../support/n8n/instance';
import { emulatorCredential } from '../../scripts/emulatorCredentials';
import { respondNode, webhookNode } from '../support/n8n/nodes';

/**
 * Our two nodes inside a real n8n, installed from the packed package: Webhook -> F&O Get Many -> Dataverse
 * Upsert -> Respond to Webhook. The credentials hold only what a person types in (Cloud = custom token URL);
 * n8n derives the token URL and scope from the credential type's expressions and fetches the tokens itself.
 */
describe('real n8n: F&O Get Many -> Dataverse Upsert', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;

	const dataverseToken = async (): Promise<string> => {
		const response = await fetch(emulators.token.tokenUrl, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: emulators.userApp.clientId,
				client_secret: emulators.userApp.clientSecret,
				scope: `${emulators.dataverse.url}/.default`,
			}),
		});
		return ((await response.json()) as { access_token: string }).access_token;
	};

	const dataverse = async (path: string): Promise<Record<string, unknown>> => {
		const response = await fetch(`${emulators.dataverse.url}/api/data/v9.2/${path}`, {
			headers: { authorization: `Bearer ${await dataverseToken()}`, accept: 'application/json' },
		});
		expect(response.status).toBe(200);
		return (await response.json()) as Record<string, unknown>;
	};

	/** POSTs to the production webhook; a 404 (publication still being applied) runs nothing, so it is retried. */
	const deliver = async (body: unknown, path = 'sync-customers'): Promise<Response> => {
		const deadline = Date.now() + 15_000;
		for (;;) {
			const response = await fetch(`${n8n.url}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
			});
			if (response.status !== 404 || Date.now() > deadline) {
				return response;
			}
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	};

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 520 } });
		n8n = await startN8n({
			credentials: [
				emulatorCredential(emulators, 'fo', { id: 'e2eDwFoCred000001', name: 'dualWriteFoOAuth2Api (emulator)' }),
				emulatorCredential(emulators, 'dataverse', { id: 'e2eDwDvCred000001', name: 'dualWriteDataverseOAuth2Api (emulator)' }),
			],
			workflows: [
				{
					id: 'e2eDwFoToDv00001',
					name: 'E2E: F&O customers to Dataverse accounts with our nodes',
					nodes: [
						webhookNode('n1', 'sync-customers'),
						{
							id: 'n2',
							name: 'F&O customers',
							type: 'n8n-nodes-dual-write.dynamicsFo',
							typeVersion: 1,
							position: [220, 0],
							credentials: { dualWriteFoOAuth2Api: { id: 'e2eDwFoCred000001', name: 'dualWriteFoOAuth2Api (emulator)' } },
							parameters: {
								resource: 'record',
								operation: 'getAll',
								entity: { __rl: true, mode: 'name', value: 'CustomersV3' },
								returnAll: false,
								limit: '={{ $json.body.count }}',
								options: {
									company: '={{ $json.body.company }}',
									orderBy: { field: [{ field: 'CustomerAccount', descending: false }] },
								},
							},
						},
						{
							id: 'n3',
							name: 'Dataverse accounts',
							type: 'n8n-nodes-dual-write.dataverseDualWrite',
							typeVersion: 1,
							position: [440, 0],
							credentials: { dualWriteDataverseOAuth2Api: { id: 'e2eDwDvCred000001', name: 'dualWriteDataverseOAuth2Api (emulator)' } },
							parameters: {
								resource: 'record',
								operation: 'upsert',
								entity: { __rl: true, mode: 'name', value: 'accounts' },
								columns: {
									mappingMode: 'defineBelow',
									value: {
										accountnumber: '={{ $json.CustomerAccount }}',
										_msdyn_company_value: "={{ $('Webhook').first().json.body.companyId }}",
										// Seeded customers are organisations or persons.
										name: "={{ $json.OrganizationName || [$json.PersonFirstName, $json.PersonLastName].join(' ').trim() || $json.CustomerAccount }}",
									},
									matchingColumns: ['accountnumber', '_msdyn_company_value'],
									schema: [],
									attemptToConvertTypes: false,
									convertFieldsToString: false,
								},
								options: { batchSize: 100, returnRecord: true },
							},
						},
						respondNode('n4', 660),
					],
					connections: {
						Webhook: { main: [[{ node: 'F&O customers', type: 'main', index: 0 }]] },
						'F&O customers': { main: [[{ node: 'Dataverse accounts', type: 'main', index: 0 }]] },
						'Dataverse accounts': { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
					},
					settings: { executionOrder: 'v1' },
				},
				{
					id: 'e2eDwDvReadBack1',
					name: 'E2E: read Dataverse accounts of a company back with Get Many',
					nodes: [
						webhookNode('r1', 'read-accounts'),
						{
							id: 'r2',
							name: 'Dataverse accounts',
							type: 'n8n-nodes-dual-write.dataverseDualWrite',
							typeVersion: 1,
							position: [220, 0],
							credentials: { dualWriteDataverseOAuth2Api: { id: 'e2eDwDvCred000001', name: 'dualWriteDataverseOAuth2Api (emulator)' } },
							parameters: {
								resource: 'record',
								operation: 'getAll',
								entity: { __rl: true, mode: 'name', value: 'accounts' },
								returnAll: true,
								options: { filter: '=_msdyn_company_value eq {{ $json.body.companyId }}', select: ['accountnumber', 'name'] },
							},
						},
						respondNode('r3', 440),
					],
					connections: {
						Webhook: { main: [[{ node: 'Dataverse accounts', type: 'main', index: 0 }]] },
						'Dataverse accounts': { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
					},
					settings: { executionOrder: 'v1' },
				},
			],
			publish: ['e2eDwFoToDv00001', 'e2eDwDvReadBack1'],
		});
		// The Webhook node (v2) registers its path as a full path: /webhook/sync-customers, without the webhook id.
		await n8n.waitForWebhook('sync-customers');
		await n8n.waitForWebhook('read-accounts');
	}, 600_000);

	afterAll(async () => {
		await n8n?.dispose();
		await emulators?.close();
	}, 60_000);

	it('copies the first customers of a company into Dataverse accounts, keyed by account number and company', async () => {
		const company = (await dataverse("cdm_companies(cdm_companycode='demf')?$select=cdm_companyid")) as { cdm_companyid: string };
		const response = await deliver({ company: 'demf', companyId: company.cdm_companyid, count: 3 });
		const text = await response.text();
		if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${text}\n${n8n.log.slice(-4000)}`);
		const results = JSON.parse(text) as Array<{
			outcome: string;
			entity: string;
			key: { accountnumber: string; _msdyn_company_value: string };
			record: { name: string };
		}>;
		expect(results).toHaveLength(3);
		expect(results.every((result) => result.entity === 'accounts' && result.key._msdyn_company_value === company.cdm_companyid)).toBe(true);

		expect(results.map((result) => result.outcome)).toEqual(['created', 'created', 'created']);
		for (const { key, record } of results) {
			const filter = encodeURIComponent(`accountnumber eq '${key.accountnumber.replace(/'/g, "''")}' and _msdyn_company_value eq ${company.cdm_companyid}`);
			const rows = (await dataverse(`accounts?$filter=${filter}&$select=name,accountnumber`)).value as Array<{ name: string }>;
			expect(rows).toHaveLength(1);
			expect(rows[0].name).toBe(record.name);
			expect(rows[0].name.length).toBeGreaterThan(0);
		}
		const accounts = results.map((result) => result.key.accountnumber);
		expect([...accounts].sort()).toEqual(accounts);
	}, 60_000);

	it('a second delivery updates the same rows instead of duplicating them', async () => {
		const company = (await dataverse("cdm_companies(cdm_companycode='demf')?$select=cdm_companyid")) as { cdm_companyid: string };
		const response = await deliver({ company: 'demf', companyId: company.cdm_companyid, count: 3 });
		expect(response.status).toBe(200);
		const results = (await response.json()) as Array<{ outcome: string }>;
		expect(results.map((result) => result.outcome)).toEqual(['updated', 'updated', 'updated']);
		const succeeded = (list: Array<{ status: string }>) => list.filter((execution) => execution.status === 'success');
		const executions = await n8n.waitForExecutions('e2eDwFoToDv00001', (list) => succeeded(list).length >= 2);
		expect(succeeded(executions)).toHaveLength(2);
	}, 60_000);

	it('upserts 500 records in batch mode, and Get Many reads back exactly those from Dataverse', async () => {
		const company = (await dataverse("cdm_companies(cdm_companycode='usmf')?$select=cdm_companyid")) as { cdm_companyid: string };
		const stats = async () => ((await (await fetch(`${emulators.dataverse.url}/_emulator/stats`)).json()) as { totalRequests: number }).totalRequests;
		// Dataverse starts with a few accounts of its own in usmf; Get Many must return those plus the 500.
		const existing = ((await dataverse(`accounts?$select=accountid&$filter=_msdyn_company_value eq ${company.cdm_companyid}`)).value as unknown[]).length;
		const before = await stats();
		const response = await deliver({ company: 'usmf', companyId: company.cdm_companyid, count: 500 });
		const text = await response.text();
		if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${text}\n${n8n.log.slice(-4000)}`);
		const written = JSON.parse(text) as Array<{ outcome: string; key: { accountnumber: string }; record: { name: string } }>;
		expect(written).toHaveLength(500);
		expect(written.every((result) => result.outcome === 'created')).toBe(true);
		expect(new Set(written.map((result) => result.key.accountnumber)).size).toBe(500);

		// Batch mode (100 per $batch): a handful of requests reached Dataverse for the 500 writes, not 500.
		expect((await stats()) - before).toBeLessThan(20);

		const read = await deliver({ companyId: company.cdm_companyid }, 'read-accounts');
		expect(read.status).toBe(200);
		const rows = (await read.json()) as Array<{ accountnumber: string; name: string }>;
		expect(rows).toHaveLength(existing + 500);
		const byNumber = new Map(rows.map((row) => [row.accountnumber, row.name]));
		for (const { key, record } of written) expect(byNumber.get(key.accountnumber)).toBe(record.name);
	}, 300_000);
});
