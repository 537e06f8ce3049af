import { startEmulators, type RunningEmulators } from '../../emulators';
import { startN8n, type N8nInstance } from '../support/n8n/instance';

/**
 * The Dataverse trigger inside a real n8n, against the Dataverse emulator: publishing the workflow registers a
 * webhook endpoint and steps in Dataverse, changes made by a person start executions, our own tagged writes and
 * unauthenticated callers do not, and deactivating removes the registration.
 */
describe('real n8n: Dataverse (Dual-Write) Trigger, webhook mode', () => {
	let emulators: RunningEmulators;
	let n8n: N8nInstance;
	const workflowId = 'e2eDwDvTrigger001';
	const webhookId = '3c1f5f0e-7a52-4d7e-9d51-0d3f6b1e2a01';
	let webhookUrl = '';
	let usmf = '';

	const token = async (app: { clientId: string; clientSecret: string }): Promise<string> => {
		const response = await fetch(emulators.token.tokenUrl, {
			method: 'POST',
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: app.clientId,
				client_secret: app.clientSecret,
				scope: `${emulators.dataverse.url}/.default`,
			}),
		});
		return ((await response.json()) as { access_token: string }).access_token;
	};

	/** The Web API as the USER app: a person's edits, not our integration's. */
	const dataverse = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
		const response = await fetch(`${emulators.dataverse.url}/api/data/v9.2/${path}`, {
			method,
			headers: { authorization: `Bearer ${await token(emulators.userApp)}`, accept: 'application/json', 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		if (response.status >= 300) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
		return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
	};

	const registration = async () => {
		const endpoints = (await dataverse('GET', `serviceendpoints?$select=serviceendpointid,url,authtype,contract&$filter=contract eq 8`)).json.value as Array<{
			serviceendpointid: string;
			url: string;
			authtype: number;
		}>;
		const ours = endpoints.filter((endpoint) => endpoint.url === webhookUrl);
		const steps = [];
		for (const endpoint of ours) {
			const filter = encodeURIComponent(`_eventhandler_value eq ${endpoint.serviceendpointid}`);
			const found = (await dataverse('GET', `sdkmessageprocessingsteps?$select=stage,mode,filteringattributes,_sdkmessageid_value,_sdkmessagefilterid_value&$filter=${filter}`)).json
				.value as Array<Record<string, unknown>>;
			steps.push(...found);
		}
		return { endpoints: ours, steps };
	};

	const drain = () => fetch(`${emulators.dataverse.url}/_emulator/webhooks/drain`, { method: 'POST' });

	type Item = { json: Record<string, unknown> & { dataverse?: { change: string; entity: string; key: Record<string, string>; tag?: string } } };
	type Run = { data?: { resultData?: { runData?: Record<string, Array<{ data?: { main?: Item[][] } }>> } } };
	const triggerItems = async (): Promise<Item[]> => {
		const executions = (await n8n.executions(workflowId)) as Array<{ status: string } & Run>;
		return executions.flatMap((execution) => execution.data?.resultData?.runData?.['Dataverse Trigger']?.[0]?.data?.main?.[0] ?? []);
	};
	const waitForItems = async (count: number, timeoutMs = 30_000): Promise<Item[]> => {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const items = await triggerItems();
			if (items.length >= count || Date.now() > deadline) return items;
			await new Promise((resolve) => setTimeout(resolve, 500));
		}
	};

	const credential = (id: string, type: string, environmentUrl: string) => ({
		id,
		name: `${type} (emulator)`,
		type,
		data: {
			environmentUrl,
			tenantId: emulators.tenantId,
			cloud: 'custom',
			customTokenUrl: emulators.token.tokenUrl,
			clientId: emulators.integrationApp.clientId,
			clientSecret: emulators.integrationApp.clientSecret,
		},
	});

	beforeAll(async () => {
		emulators = await startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: 2 } });
		n8n = await startN8n({
			credentials: [credential('e2eDwDvTrigCred01', 'dualWriteDataverseOAuth2Api', emulators.dataverse.url)],
			workflows: [
				{
					id: workflowId,
					name: 'E2E: Dataverse trigger',
					nodes: [
						{
							id: 't1',
							name: 'Dataverse Trigger',
							type: 'n8n-nodes-dual-write.dataverseDualWriteTrigger',
							typeVersion: 1,
							position: [0, 0],
							webhookId,
							credentials: { dualWriteDataverseOAuth2Api: { id: 'e2eDwDvTrigCred01', name: 'dualWriteDataverseOAuth2Api (emulator)' } },
							parameters: {
								entity: { __rl: true, mode: 'name', value: 'accounts' },
								events: ['Create', 'Update'],
								filteringAttributes: 'name, creditlimit',
								ignoreOwnWrites: true,
							},
						},
						{ id: 't2', name: 'No Op', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
					],
					connections: { 'Dataverse Trigger': { main: [[{ node: 'No Op', type: 'main', index: 0 }]] } },
					settings: { executionOrder: 'v1' },
				},
			],
			publish: [workflowId],
		});
		webhookUrl = `${n8n.url}/webhook/${webhookId}/webhook`;
		await n8n.waitForWebhook(`${webhookId}/webhook`);
		usmf = ((await dataverse('GET', "cdm_companies(cdm_companycode='usmf')?$select=cdm_companyid")).json as { cdm_companyid: string }).cdm_companyid;
	}, 600_000);

	afterAll(async () => {
		await n8n?.dispose();
		await emulators?.close();
	}, 60_000);

	const account = (number: string) => `accounts(accountnumber='${number}',_msdyn_company_value=${usmf})`;

	it('publishing registered one webhook endpoint (Http Header auth) and an async post-operation step per event', async () => {
		// n8n stores the webhook path first and registers the remote hook right after: poll briefly.
		const deadline = Date.now() + 30_000;
		let found = await registration();
		while ((found.endpoints.length === 0 || found.steps.length < 2) && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			found = await registration();
		}
		const { endpoints, steps } = found;
		if (endpoints.length !== 1) throw new Error(`endpoints for ${webhookUrl}: ${JSON.stringify(endpoints)}\n${n8n.log.split('\n').filter((l) => /\| (error|warn) \||Dataverse/.test(l)).slice(-40).join('\n')}`);
		expect(endpoints[0].authtype).toBe(5);
		expect(steps).toHaveLength(2);
		expect(steps.every((step) => step.stage === 40 && step.mode === 1)).toBe(true);
		expect(steps.map((step) => step.filteringattributes ?? null).sort()).toEqual(['name,creditlimit', null].sort());
	});

	it('a person creating and then updating an account starts one execution each, keyed by accountid', async () => {
		const created = await dataverse('PATCH', account('E2E-TRIG-1'), { name: 'Trigger test' });
		expect(created.status).toBe(204);
		const id = ((await dataverse('GET', `${account('E2E-TRIG-1')}?$select=accountid`)).json as { accountid: string }).accountid;
		await dataverse('PATCH', account('E2E-TRIG-1'), { name: 'Trigger test (edited)' });
		await drain();
		const items = await waitForItems(2);
		if (items.length < 2) throw new Error(`executions: ${JSON.stringify(await n8n.executions(workflowId)).slice(0, 3000)}\n${n8n.log.slice(-4000)}`);
		const byChange = Object.fromEntries(items.map((item) => [item.json.dataverse?.change, item.json]));
		expect(byChange.create?.dataverse).toMatchObject({ system: 'dataverse', entity: 'accounts', change: 'create', key: { accountid: id } });
		expect(byChange.create?.name).toBe('Trigger test');
		expect(byChange.create?.accountnumber).toBe('E2E-TRIG-1');
		expect(byChange.update?.dataverse).toMatchObject({ entity: 'accounts', change: 'update', key: { accountid: id } });
		expect(byChange.update?.name).toBe('Trigger test (edited)');
		const succeeded = (list: Array<{ status: string }>) => list.filter((execution) => execution.status === 'success');
		const executions = await n8n.waitForExecutions(workflowId, (list) => succeeded(list).length >= 2);
		expect(succeeded(executions)).toHaveLength(2);
	}, 60_000);

	it('an update outside the filtering attributes, and our own tagged write, start no execution (the delivery is acknowledged)', async () => {
		await fetch(`${emulators.dataverse.url}/_emulator/webhooks/deliveries`, { method: 'DELETE' });
		await dataverse('PATCH', account('E2E-TRIG-1'), { telephone1: '555-0100' });
		await dataverse('PATCH', `${account('E2E-TRIG-1')}?tag=dw-n8n`, { name: 'Written by the sync' });
		await drain();
		const log = (await (await fetch(`${emulators.dataverse.url}/_emulator/webhooks/deliveries`)).json()) as Array<{ tag?: string; status?: number; ok: boolean }>;
		expect(log.map((delivery) => [delivery.tag, delivery.status, delivery.ok])).toEqual([['dw-n8n', 200, true]]);
		await new Promise((resolve) => setTimeout(resolve, 2_000));
		expect(await n8n.executions(workflowId)).toHaveLength(2);
	}, 60_000);

	it('a caller without the secret header gets 401 and starts nothing', async () => {
		const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		expect(response.status).toBe(401);
		const wrong = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dw-n8n-secret': 'guess' }, body: '{}' });
		expect(wrong.status).toBe(401);
		expect(await n8n.executions(workflowId)).toHaveLength(2);
	}, 30_000);

	it('a restart keeps the same registration (checkExists finds it) and deliveries still start executions', async () => {
		const before = await registration();
		await n8n.restart();
		await n8n.waitForWebhook(`${webhookId}/webhook`);
		// Let the start's checkExists run (it follows the webhook path being stored).
		await new Promise((resolve) => setTimeout(resolve, 3_000));
		const after = await registration();
		expect(after.endpoints.map((endpoint) => endpoint.serviceendpointid)).toEqual(before.endpoints.map((endpoint) => endpoint.serviceendpointid));
		expect(after.steps).toHaveLength(2);
		await dataverse('PATCH', account('E2E-TRIG-1'), { creditlimit: 1000 });
		await drain();
		const items = await waitForItems(3);
		expect(items).toHaveLength(3);
		expect(items.find((item) => item.json.creditlimit === 1000)?.json.dataverse).toMatchObject({ change: 'update', entity: 'accounts' });
	}, 300_000);

	it('deactivating the workflow removes the endpoint and its steps from Dataverse', async () => {
		await n8n.api('POST', `/workflows/${workflowId}/deactivate`);
		const deadline = Date.now() + 20_000;
		let left = await registration();
		while (left.endpoints.length > 0 && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			left = await registration();
		}
		expect(left.endpoints).toEqual([]);
		const steps = (await dataverse('GET', 'sdkmessageprocessingsteps?$select=sdkmessageprocessingstepid')).json.value as unknown[];
		expect(steps).toEqual([]);
	}, 60_000);
});
