import { INTEGRATION_APP, USER_APP } from '../../../../emulators/common/directory';
import { batchBody, startHarness, startReceiver, type Delivery, type Harness, type Receiver } from './harness';

let h: Harness;
let rx: Receiver;
let usmf: string;
beforeAll(async () => {
	h = await startHarness();
	rx = await startReceiver();
	usmf = await h.companyId('usmf');
});
afterAll(async () => {
	await rx.close();
	await h.close();
});

const registered: Array<{ endpoint: string; steps: string[] }> = [];
afterEach(async () => {
	for (const r of registered.splice(0)) {
		for (const s of r.steps) await h.req('DELETE', `sdkmessageprocessingsteps(${s})`);
		await h.req('DELETE', `serviceendpoints(${r.endpoint})`);
	}
	await h.req('POST', '/_emulator/webhooks/drain', { token: null });
	await h.req('POST', '/_emulator/settings', { token: null, body: { webhookTimeoutMs: 60000 } });
	rx.deliveries.length = 0;
	rx.respond = () => ({ status: 200 });
});

interface StepSpec {
	message: 'Create' | 'Update' | 'Delete';
	table?: string;
	stage?: 10 | 20 | 40;
	mode?: 0 | 1;
	filtering?: string;
	path?: string;
}

async function register(steps: StepSpec[], endpoint: { authtype?: number; authvalue?: string } = {}): Promise<{ endpoint: string; steps: string[] }> {
	const ep = await h.req('POST', 'serviceendpoints', {
		headers: { prefer: 'return=representation' },
		body: { name: 'n8n webhook', contract: 8, url: `${rx.url}/hook`, authtype: endpoint.authtype ?? 5, authvalue: endpoint.authvalue ?? '<settings><setting name="x-api-key" value="s3cret" /></settings>' },
	});
	expect(ep.status).toBe(201);
	const endpointId = ep.json.serviceendpointid as string;
	const ids: string[] = [];
	for (const s of steps) {
		const msg = (await h.req('GET', `sdkmessages?$select=sdkmessageid&$filter=name eq '${s.message}'`)).json.value[0].sdkmessageid as string;
		const r = await h.req('POST', 'sdkmessageprocessingsteps', {
			headers: { prefer: 'return=representation' },
			body: {
				name: `${s.message} ${s.table ?? 'account'}`,
				stage: s.stage ?? 40,
				mode: s.mode ?? 1,
				rank: 1,
				...(s.filtering ? { filteringattributes: s.filtering } : {}),
				'sdkmessageid@odata.bind': `/sdkmessages(${msg})`,
				'sdkmessagefilterid@odata.bind': `/sdkmessagefilters(_sdkmessageid_value=${msg},primaryobjecttypecode='${s.table ?? 'account'}')`,
				'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${endpointId})`,
			},
		});
		expect(r.status).toBe(201);
		ids.push(r.json.sdkmessageprocessingstepid as string);
	}
	const reg = { endpoint: endpointId, steps: ids };
	registered.push(reg);
	return reg;
}

const drain = () => h.req('POST', '/_emulator/webhooks/drain', { token: null });
const akey = (n: string) => `accounts(accountnumber='${n}',_msdyn_company_value=${usmf})`;
const attr = (entity: { Attributes: Array<{ key: string; value: unknown }> }, key: string) => entity.Attributes.find((a) => a.key === key)?.value;

describe('registration through the Web API', () => {
	it('creates, lists and deletes endpoints and steps; authvalue is never returned', async () => {
		const reg = await register([{ message: 'Create' }]);
		const list = await h.req('GET', 'serviceendpoints?$filter=contract eq 8&$select=serviceendpointid,name,authtype,url');
		expect(list.json.value).toEqual([expect.objectContaining({ serviceendpointid: reg.endpoint, authtype: 5, url: `${rx.url}/hook` })]);
		expect(list.text).not.toContain('s3cret');
		const steps = await h.req('GET', `sdkmessageprocessingsteps?$select=name,stage,mode&$filter=_eventhandler_value eq ${reg.endpoint}`);
		expect(steps.json.value).toEqual([expect.objectContaining({ name: 'Create account', stage: 40, mode: 1 })]);
		expect((await h.req('DELETE', `sdkmessageprocessingsteps(${reg.steps[0]})`)).status).toBe(204);
		registered[0].steps = [];
	});

	it('refuses an async step outside post-operation and a webhook without url', async () => {
		const bad = await h.req('POST', 'serviceendpoints', { body: { name: 'no url', contract: 8, authtype: 4 } });
		expect(bad.status).toBe(400);
		const reg = await register([]);
		const msg = (await h.req('GET', "sdkmessages?$filter=name eq 'Create'")).json.value[0].sdkmessageid as string;
		const r = await h.req('POST', 'sdkmessageprocessingsteps', {
			body: { name: 'bad', stage: 20, mode: 1, 'sdkmessageid@odata.bind': `/sdkmessages(${msg})`, 'eventhandler_serviceendpoint@odata.bind': `/serviceendpoints(${reg.endpoint})` },
		});
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/post-operation/);
	});
});

describe('deliveries', () => {
	it('POSTs a RemoteExecutionContext with the documented headers for an async Create', async () => {
		await register([{ message: 'Create' }]);
		const created = await h.req('PATCH', `${akey('WH-1')}?tag=dw-n8n`, { body: { name: 'Webhook one', creditlimit: 12.5, customertypecode: 3 } });
		expect(created.status).toBe(204);
		const [d] = await rx.waitFor(1);
		const id = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get('odata-entityid') ?? '')?.[1];
		expect(d.path).toBe('/hook');
		expect(d.headers['x-api-key']).toBe('s3cret');
		expect(d.headers['x-ms-dynamics-organization']).toBe(new URL(h.url).host);
		expect(d.headers['x-ms-dynamics-entity-name']).toBe('account');
		expect(d.headers['x-ms-dynamics-request-name']).toBe('Create');
		expect(d.headers['x-ms-correlation-request-id']).toBe(created.headers.get('x-ms-correlation-request-id'));
		const c = d.body;
		expect(c).toMatchObject({
			MessageName: 'Create',
			PrimaryEntityName: 'account',
			PrimaryEntityId: id,
			Stage: 40,
			Mode: 1,
			Depth: 1,
			InitiatingUserId: INTEGRATION_APP.objectId,
			UserId: INTEGRATION_APP.objectId,
			CorrelationId: created.headers.get('x-ms-correlation-request-id'),
			SharedVariables: [{ key: 'tag', value: 'dw-n8n' }],
			OutputParameters: [{ key: 'id', value: id }],
			SecondaryEntityName: 'none',
		});
		expect(c.OperationCreatedOn).toMatch(/^\/Date\(\d+\)\/$/);
		const target = c.InputParameters[0];
		expect(target.key).toBe('Target');
		expect(target.value.__type).toBe('Entity:http://schemas.microsoft.com/xrm/2011/Contracts');
		expect(target.value.LogicalName).toBe('account');
		expect(attr(target.value, 'name')).toBe('Webhook one');
		expect(attr(target.value, 'accountnumber')).toBe('WH-1');
		expect(attr(target.value, 'creditlimit')).toEqual({ __type: 'Money:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 12.5 });
		expect(attr(target.value, 'customertypecode')).toEqual({ __type: 'OptionSetValue:http://schemas.microsoft.com/xrm/2011/Contracts', Value: 3 });
		expect(attr(target.value, 'msdyn_company')).toMatchObject({ Id: usmf, LogicalName: 'cdm_company' });
		expect(attr(target.value, 'createdon')).toMatch(/^\/Date\(\d+\)\/$/);
	});

	it('reports the person who made the change (USER_APP) as InitiatingUserId', async () => {
		await register([{ message: 'Create' }]);
		await h.req('POST', 'accounts', { token: h.tokens.user, body: { name: 'By a person' } });
		const [d] = await rx.waitFor(1);
		expect(d.body.InitiatingUserId).toBe(USER_APP.objectId);
		expect(d.body.SharedVariables).toEqual([]);
	});

	it('Update fires only when a filtering attribute is in the request, with only the sent columns in Target', async () => {
		await h.req('PATCH', akey('WH-FA'), { body: { name: 'fa' } });
		await register([{ message: 'Update', filtering: 'name,creditlimit' }]);
		await h.req('PATCH', akey('WH-FA'), { body: { telephone1: '1' } });
		await drain();
		expect(rx.deliveries).toHaveLength(0);
		await h.req('PATCH', akey('WH-FA'), { body: { name: 'fa 2' } });
		const [d] = await rx.waitFor(1);
		expect(d.body.MessageName).toBe('Update');
		const keys = (d.body.InputParameters[0].value.Attributes as Array<{ key: string }>).map((a) => a.key).sort();
		expect(keys).toEqual(['accountid', 'modifiedby', 'modifiedon', 'name']);
	});

	it('Delete carries an EntityReference target and a registered pre-image', async () => {
		await h.req('PATCH', akey('WH-DEL'), { body: { name: 'to delete' } });
		const reg = await register([{ message: 'Delete' }]);
		const img = await h.req('POST', 'sdkmessageprocessingstepimages', {
			body: { name: 'pre', entityalias: 'PreImage', imagetype: 0, messagepropertyname: 'Target', attributes: 'accountnumber,msdyn_company', 'sdkmessageprocessingstepid@odata.bind': `/sdkmessageprocessingsteps(${reg.steps[0]})` },
		});
		expect(img.status).toBe(204);
		const id = (await h.req('GET', akey('WH-DEL'))).json.accountid as string;
		await h.req('DELETE', `accounts(${id})`);
		const [d] = await rx.waitFor(1);
		expect(d.body.InputParameters[0].value).toMatchObject({ Id: id, LogicalName: 'account', __type: 'EntityReference:http://schemas.microsoft.com/xrm/2011/Contracts' });
		expect(d.body.PreEntityImages[0].key).toBe('PreImage');
		expect(attr(d.body.PreEntityImages[0].value, 'accountnumber')).toBe('WH-DEL');
		expect(attr(d.body.PreEntityImages[0].value, 'name')).toBeUndefined();
	});

	it.each([
		[4, 'abc123', (d: Delivery) => expect(d.query.get('code')).toBe('abc123')],
		[6, '<settings><setting name="sig" value="a&amp;b" /><setting name="v" value="2" /></settings>', (d: Delivery) => expect([d.query.get('sig'), d.query.get('v')]).toEqual(['a&b', '2'])],
	])('authtype %s puts the secret in the query string', async (authtype, authvalue, check) => {
		await register([{ message: 'Create' }], { authtype, authvalue });
		await h.req('POST', 'accounts', { body: { name: 'auth type' } });
		const [d] = await rx.waitFor(1);
		check(d);
	});
});

describe('synchronous steps', () => {
	it('a failing post-operation webhook fails the request with 0x80040265 and leaves no row', async () => {
		await register([{ message: 'Create', mode: 0, stage: 40 }]);
		rx.respond = () => ({ status: 500, body: 'target system rejected the customer' });
		const r = await h.req('PATCH', akey('SYNC-FAIL'), { body: { name: 'sync fail' } });
		expect(r.status).toBe(400);
		expect(r.json.error.code).toBe('0x80040265');
		expect(r.json.error.message).toMatch(/invalid http status code '500'.*target system rejected the customer/);
		expect(rx.deliveries[0].body.IsInTransaction).toBe(true);
		expect((await h.req('GET', akey('SYNC-FAIL'))).status).toBe(404);
	});

	it('a failing sync update leaves the previous values', async () => {
		await h.req('PATCH', akey('SYNC-UPD'), { body: { name: 'before' } });
		await register([{ message: 'Update', mode: 0, stage: 20 }]);
		rx.respond = () => ({ status: 400 });
		expect((await h.req('PATCH', akey('SYNC-UPD'), { body: { name: 'after' } })).status).toBe(400);
		expect((await h.req('GET', `${akey('SYNC-UPD')}?$select=name`)).json.name).toBe('before');
	});

	it('a webhook that does not answer within the timeout fails the request and leaves no row', async () => {
		await h.req('POST', '/_emulator/settings', { token: null, body: { webhookTimeoutMs: 150 } });
		await register([{ message: 'Create', mode: 0, stage: 10 }]);
		rx.respond = () => ({ status: 200, delayMs: 1000 });
		const r = await h.req('PATCH', akey('SYNC-TIMEOUT'), { body: { name: 'slow' } });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/timed out after 150 ms/);
		expect((await h.req('GET', akey('SYNC-TIMEOUT'))).status).toBe(404);
	});

	it('a failing sync step rolls back the whole change set', async () => {
		await register([{ message: 'Create', mode: 0, stage: 40, table: 'contact' }]);
		rx.respond = () => ({ status: 503 });
		const { contentType, body } = batchBody([
			{ changeset: [{ method: 'PATCH', url: akey('CS-SYNC'), body: { name: 'in changeset' }, contentId: '1' }, { method: 'POST', url: 'contacts', body: { lastname: 'x' }, contentId: '2' }] },
		]);
		const r = await h.req('POST', '$batch', { headers: { 'content-type': contentType }, body });
		expect(r.status).toBe(200);
		expect(r.text).toContain('HTTP/1.1 400 Bad Request');
		expect((await h.req('GET', akey('CS-SYNC'))).status).toBe(404);
	});

	it('a write made by the webhook receiver with the delivery correlation id runs at Depth 2', async () => {
		await register([{ message: 'Create', mode: 0, stage: 40 }, { message: 'Create', mode: 0, stage: 40, table: 'contact' }]);
		rx.respond = async (d) => {
			if (d.body.PrimaryEntityName === 'account') {
				const nested = await h.req('POST', 'contacts', { headers: { 'x-ms-correlation-request-id': d.body.CorrelationId as string }, body: { lastname: 'Nested' } });
				expect(nested.status).toBe(204);
			}
			return { status: 200 };
		};
		const r = await h.req('POST', 'accounts', { body: { name: 'depth' } });
		expect(r.status).toBe(204);
		const contact = rx.deliveries.find((d) => d.body.PrimaryEntityName === 'contact');
		const account = rx.deliveries.find((d) => d.body.PrimaryEntityName === 'account');
		expect(account?.body.Depth).toBe(1);
		expect(contact?.body.Depth).toBe(2);
		expect(contact?.body.CorrelationId).toBe(account?.body.CorrelationId);
	});
});

describe('loop protection', () => {
	it('refuses a write past the maximum depth as an infinite loop', async () => {
		await h.req('POST', '/_emulator/settings', { token: null, body: { maxDepth: 1 } });
		try {
			await register([{ message: 'Create', mode: 0, stage: 40 }]);
			const nested: Array<{ status: number; code: string }> = [];
			rx.respond = async (d) => {
				const r = await h.req('POST', 'contacts', { headers: { 'x-ms-correlation-request-id': d.body.CorrelationId as string }, body: { lastname: 'Too deep' } });
				nested.push({ status: r.status, code: r.json?.error?.code as string });
				return { status: 200 };
			};
			expect((await h.req('POST', 'accounts', { body: { name: 'loop' } })).status).toBe(204);
			expect(nested).toEqual([{ status: 400, code: '0x80044182' }]);
			expect((await h.req('GET', "contacts?$filter=lastname eq 'Too deep'")).json.value).toHaveLength(0);
		} finally {
			await h.req('POST', '/_emulator/settings', { token: null, body: { maxDepth: 8 } });
		}
	});
});

describe('asynchronous steps', () => {
	it('never block the response', async () => {
		await register([{ message: 'Create' }]);
		rx.respond = () => ({ status: 200, delayMs: 800 });
		const t0 = Date.now();
		expect((await h.req('POST', 'accounts', { body: { name: 'fast' } })).status).toBe(204);
		expect(Date.now() - t0).toBeLessThan(600);
		await rx.waitFor(1);
	});

	it('retry once on 503, not on 500, and record the outcome', async () => {
		await register([{ message: 'Create' }]);
		let n = 0;
		rx.respond = () => ({ status: n++ === 0 ? 503 : 200 });
		await h.req('POST', 'accounts', { body: { name: 'retry' } });
		await drain();
		expect(rx.deliveries).toHaveLength(2);
		rx.deliveries.length = 0;
		rx.respond = () => ({ status: 500 });
		await h.req('POST', 'accounts', { body: { name: 'no retry' } });
		await drain();
		expect(rx.deliveries).toHaveLength(1);
		const log = (await h.req('GET', '/_emulator/webhooks/deliveries', { token: null })).json as Array<{ ok: boolean; attempts: number; status: number }>;
		expect(log.slice(-2).map((l) => [l.ok, l.attempts, l.status])).toEqual([
			[true, 2, 200],
			[false, 1, 500],
		]);
	});

	it('are delivered only after commit: nothing for a rolled-back change set', async () => {
		await register([{ message: 'Create' }]);
		const { contentType, body } = batchBody([
			{ changeset: [{ method: 'POST', url: 'accounts', body: { name: 'ok' }, contentId: '1' }, { method: 'POST', url: 'accounts', body: { name: 7 }, contentId: '2' }] },
		]);
		await h.req('POST', '$batch', { headers: { 'content-type': contentType }, body });
		await drain();
		expect(rx.deliveries).toHaveLength(0);
	});
});

describe('bypass headers', () => {
	it('MSCRM.BypassBusinessLogicExecution: CustomSync,CustomAsync skips all steps', async () => {
		await register([{ message: 'Create' }, { message: 'Create', mode: 0 }]);
		rx.respond = () => ({ status: 500 });
		const r = await h.req('POST', 'accounts', { headers: { 'MSCRM.BypassBusinessLogicExecution': 'CustomSync,CustomAsync' }, body: { name: 'bypass all' } });
		expect(r.status).toBe(204);
		await drain();
		expect(rx.deliveries).toHaveLength(0);
	});

	it('MSCRM.BypassCustomPluginExecution skips synchronous steps only', async () => {
		await register([{ message: 'Create' }, { message: 'Create', mode: 0 }]);
		const r = await h.req('POST', 'accounts', { headers: { 'MSCRM.BypassCustomPluginExecution': 'true' }, body: { name: 'bypass sync' } });
		expect(r.status).toBe(204);
		await drain();
		expect(rx.deliveries.map((d) => d.body.Mode)).toEqual([1]);
	});

	it('MSCRM.BypassBusinessLogicExecutionStepIds skips the named steps', async () => {
		const reg = await register([{ message: 'Create' }]);
		await h.req('POST', 'accounts', { headers: { 'MSCRM.BypassBusinessLogicExecutionStepIds': reg.steps[0] }, body: { name: 'bypass step' } });
		await drain();
		expect(rx.deliveries).toHaveLength(0);
	});
});
