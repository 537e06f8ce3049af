import { INTEGRATION_APP, USER_APP } from '../../../../emulators/common/directory';
import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());
afterEach(() => h.req('POST', '/_emulator/faults/reset', { token: null }));

describe('faults', () => {
	it('throttles with a service-protection 429, Retry-After and the documented body', async () => {
		await h.req('POST', '/_emulator/faults', { token: null, body: { throttleNext: 1, retryAfterSec: 7 } });
		const r = await h.req('GET', 'WhoAmI');
		expect(r.status).toBe(429);
		expect(r.headers.get('retry-after')).toBe('7');
		expect(r.json).toEqual({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } });
		expect((await h.req('GET', 'WhoAmI')).status).toBe(200);
	});

	it('counts the rate limit per calling app (appid)', async () => {
		await h.req('POST', '/_emulator/faults', { token: null, body: { rateLimit: { requests: 2, windowSec: 300 } } });
		expect((await h.req('GET', 'WhoAmI')).status).toBe(200);
		expect((await h.req('GET', 'WhoAmI')).status).toBe(200);
		expect((await h.req('GET', 'WhoAmI')).status).toBe(429);
		expect((await h.req('GET', 'WhoAmI', { token: h.tokens.user })).status).toBe(200);
		expect(INTEGRATION_APP.clientId).not.toBe(USER_APP.clientId);
	});

	it('injects 5xx with a Dataverse error body', async () => {
		await h.req('POST', '/_emulator/faults', { token: null, body: { failNext: 1, errorStatus: 503 } });
		const r = await h.req('GET', 'accounts');
		expect(r.status).toBe(503);
		expect(r.json.error.code).toMatch(/^0x/);
	});

	it('answers 413 for a body over the size limit and changes nothing', async () => {
		await h.req('POST', '/_emulator/settings', { token: null, body: { maxBodyBytes: 1000 } });
		try {
			const before = (await h.req('GET', 'accounts/$count')).text;
			const r = await h.req('POST', 'accounts', { body: { name: 'big', description: 'x'.repeat(1500) } });
			expect(r.status).toBe(413);
			expect(r.json.error.message).toMatch(/exceeds the limit of 1000 bytes/);
			expect((await h.req('GET', 'accounts/$count')).text).toBe(before);
		} finally {
			await h.req('POST', '/_emulator/settings', { token: null, body: { maxBodyBytes: 128 * 1024 * 1024 } });
		}
	});

	it('reports request counts in /_emulator/stats', async () => {
		const r = await h.req('GET', '/_emulator/stats', { token: null });
		expect(r.json.emulator).toBe('dataverse');
		expect(r.json.totalRequests).toBeGreaterThan(0);
	});
});

describe('seed and admin', () => {
	it('starts with companies, currencies, units and a few Dataverse-only parties', async () => {
		const tables = (await h.req('GET', '/_emulator/tables', { token: null })).json as Array<{ entitySet: string; rows: number }>;
		const rows = Object.fromEntries(tables.map((t) => [t.entitySet, t.rows]));
		expect(rows.cdm_companies).toBe(3);
		expect(rows.transactioncurrencies).toBe(5);
		expect(rows.uoms).toBe(4);
		expect(rows.accounts).toBe(3);
		expect(rows.contacts).toBe(2);
		expect(rows.msdyn_customergroups).toBe(0);
		expect(rows.sdkmessages).toBe(3);
	});

	it('is deterministic: the same seed gives the same ids', async () => {
		const other = await startHarness();
		try {
			const a = (await h.req('GET', 'accounts?$select=accountnumber&$orderby=accountnumber')).json.value;
			const b = (await other.req('GET', 'accounts?$select=accountnumber&$orderby=accountnumber')).json.value;
			expect(b.map((v: { accountid: string }) => v.accountid)).toEqual(a.map((v: { accountid: string }) => v.accountid));
		} finally {
			await other.close();
		}
	});

	it('projects more of the world on request and resets', async () => {
		await h.req('POST', '/_emulator/reset', { token: null, body: { project: ['customerGroups', 'customers', 'vendors', 'products'], seed: { customersPerCompany: 10 } } });
		const tables = (await h.req('GET', '/_emulator/tables', { token: null })).json as Array<{ entitySet: string; rows: number }>;
		const rows = Object.fromEntries(tables.map((t) => [t.entitySet, t.rows]));
		expect(rows.msdyn_customergroups).toBe(12);
		expect(rows.msdyn_paymentterms).toBe(12);
		expect(rows.accounts + rows.contacts).toBe(30 + 5);
		expect(rows.msdyn_vendors).toBeGreaterThan(0);
		expect(rows.products).toBeGreaterThan(0);
		const acc = await h.req('GET', "accounts?$select=accountnumber,_msdyn_customergroupid_value&$filter=_msdyn_customergroupid_value ne null&$top=1");
		expect(acc.json.value[0]._msdyn_customergroupid_value).toMatch(/^[0-9a-f-]{36}$/);
		await h.req('POST', '/_emulator/reset', { token: null, body: { project: [] } });
		expect((await h.req('GET', 'accounts/$count')).text).toBe('3');
	});
});
