import { startHarness, type Harness } from './harness';

let h: Harness;
let usmf: string;
let demf: string;
beforeAll(async () => {
	h = await startHarness();
	usmf = await h.companyId('usmf');
	demf = await h.companyId('demf');
});
afterAll(() => h.close());

const akey = (num: string, company: string) => `accounts(accountnumber='${num.replace(/'/g, "''")}',_msdyn_company_value=${company})`;

describe('upsert by alternate key', () => {
	it('creates when missing (204, then 201 with representation) and updates when present (204 / 200)', async () => {
		const created = await h.req('PATCH', akey('UP-1', usmf), { body: { name: 'Upsert one' } });
		expect(created.status).toBe(204);
		const id = /\(([0-9a-f-]{36})\)$/.exec(created.headers.get('odata-entityid') ?? '')?.[1];
		expect(id).toBeDefined();
		const updated = await h.req('PATCH', akey('UP-1', usmf), { body: { name: 'Upsert one v2' } });
		expect(updated.status).toBe(204);
		expect(updated.headers.get('odata-entityid')).toBe(`${h.api}/accounts(${id as string})`);

		const rep1 = await h.req('PATCH', akey('UP-2', usmf), { headers: { prefer: 'return=representation' }, body: { name: 'Upsert two' } });
		expect(rep1.status).toBe(201);
		expect(rep1.json).toMatchObject({ accountnumber: 'UP-2', _msdyn_company_value: usmf, name: 'Upsert two' });
		const rep2 = await h.req('PATCH', akey('UP-2', usmf), { headers: { prefer: 'return=representation' }, body: { name: 'Upsert two v2' } });
		expect(rep2.status).toBe(200);
		expect(rep2.json.accountid).toBe(rep1.json.accountid);
		expect(rep2.json.name).toBe('Upsert two v2');
	});

	it('the company is part of the key: same number in two companies = two rows', async () => {
		await h.req('PATCH', akey('SAME-1', usmf), { body: { name: 'in usmf' } });
		await h.req('PATCH', akey('SAME-1', demf), { body: { name: 'in demf' } });
		const r = await h.req('GET', "accounts?$select=name&$filter=accountnumber eq 'SAME-1'&$orderby=name");
		expect(r.json.value.map((v: { name: string }) => v.name)).toEqual(['in demf', 'in usmf']);
	});

	it('drops key columns in the body when the row exists (keys cannot change this way)', async () => {
		await h.req('PATCH', akey('KEEP-1', usmf), { body: { name: 'keep' } });
		const r = await h.req('PATCH', akey('KEEP-1', usmf), { headers: { prefer: 'return=representation' }, body: { name: 'kept', accountnumber: 'CHANGED' } });
		expect(r.status).toBe(200);
		expect(r.json.accountnumber).toBe('KEEP-1');
		expect((await h.req('GET', akey('CHANGED', usmf))).status).toBe(404);
	});

	it('on create, key values in the body win over the URL', async () => {
		const r = await h.req('PATCH', akey('URL-1', usmf), { headers: { prefer: 'return=representation' }, body: { name: 'body wins', accountnumber: 'BODY-1' } });
		expect(r.status).toBe(201);
		expect(r.json.accountnumber).toBe('BODY-1');
		expect(r.json._msdyn_company_value).toBe(usmf);
	});

	it("O'Brien round-trips through a key with a doubled quote, raw or percent-encoded", async () => {
		const r = await h.req('PATCH', akey("O'Brien", usmf), { headers: { prefer: 'return=representation' }, body: { name: "O'Brien Ltd" } });
		expect(r.status).toBe(201);
		expect(r.json.accountnumber).toBe("O'Brien");
		const enc = await h.req('GET', `accounts(accountnumber=%27O%27%27Brien%27,_msdyn_company_value=${usmf})?$select=name`);
		expect(enc.status).toBe(200);
		expect(enc.json.name).toBe("O'Brien Ltd");
	});

	it('key lookups ignore case, as the platform collation does', async () => {
		await h.req('PATCH', akey('CASE-1', usmf), { body: { name: 'case' } });
		const r = await h.req('GET', `${akey('case-1', usmf)}?$select=accountnumber`);
		expect(r.status).toBe(200);
		expect(r.json.accountnumber).toBe('CASE-1');
	});

	it('a key with a company that does not exist is a 400 and creates nothing', async () => {
		const ghost = '99999999-9999-4999-8999-999999999999';
		const r = await h.req('PATCH', akey('GHOST-1', ghost), { body: { name: 'ghost' } });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/cdm_company With Id = 99999999-9999-4999-8999-999999999999 Does Not Exist/);
		expect((await h.req('GET', "accounts?$filter=accountnumber eq 'GHOST-1'")).json.value).toHaveLength(0);
	});

	it('a duplicate alternate key on create is 412 DuplicateRecord', async () => {
		await h.req('PATCH', akey('DUP-1', usmf), { body: { name: 'first' } });
		const r = await h.req('POST', 'accounts', { body: { name: 'second', accountnumber: 'DUP-1', 'msdyn_company@odata.bind': `/cdm_companies(${usmf})` } });
		expect(r.status).toBe(412);
		expect(r.json.error.code).toBe('0x80040237');
		expect((await h.req('GET', "accounts?$filter=accountnumber eq 'DUP-1'")).json.value).toHaveLength(1);
	});
});

describe('conditional upsert (If-Match / If-None-Match)', () => {
	it('If-Match: * on a missing alternate key -> 404, nothing created', async () => {
		const r = await h.req('PATCH', akey('IFM-404', usmf), { headers: { 'if-match': '*' }, body: { name: 'x' } });
		expect(r.status).toBe(404);
		expect(r.json.error.message).toBe('A record with the specified key values does not exist in account entity');
		expect((await h.req('GET', akey('IFM-404', usmf))).status).toBe(404);
	});

	it('If-Match: * on a missing GUID -> 404 "<table> With Id = ... Does Not Exist"', async () => {
		const id = '00000000-0000-4000-8000-000000000404';
		const r = await h.req('PATCH', `accounts(${id})`, { headers: { 'if-match': '*' }, body: { name: 'x' } });
		expect(r.status).toBe(404);
		expect(r.json.error.message).toBe(`account With Id = ${id} Does Not Exist`);
		expect((await h.req('GET', `accounts(${id})`)).status).toBe(404);
	});

	it('If-Match: * on an existing row updates it', async () => {
		await h.req('PATCH', akey('IFM-OK', usmf), { body: { name: 'a' } });
		expect((await h.req('PATCH', akey('IFM-OK', usmf), { headers: { 'if-match': '*' }, body: { name: 'b' } })).status).toBe(204);
		expect((await h.req('GET', `${akey('IFM-OK', usmf)}?$select=name`)).json.name).toBe('b');
	});

	it('If-None-Match: * on an existing row -> 412, unchanged; on a missing one creates', async () => {
		await h.req('PATCH', akey('INM-1', usmf), { body: { name: 'orig' } });
		const r = await h.req('PATCH', akey('INM-1', usmf), { headers: { 'if-none-match': '*' }, body: { name: 'overwritten' } });
		expect(r.status).toBe(412);
		expect(r.json.error.message).toBe('A record with matching key values already exists.');
		expect((await h.req('GET', `${akey('INM-1', usmf)}?$select=name`)).json.name).toBe('orig');
		expect((await h.req('PATCH', akey('INM-2', usmf), { headers: { 'if-none-match': '*' }, body: { name: 'new' } })).status).toBe(204);
	});

	it('If-Match with the current ETag updates; with a stale one -> 412 ConcurrencyVersionMismatch, unchanged', async () => {
		await h.req('PATCH', akey('ETAG-1', usmf), { body: { name: 'v1' } });
		const cur = await h.req('GET', akey('ETAG-1', usmf));
		const etag = cur.json['@odata.etag'] as string;
		expect((await h.req('PATCH', akey('ETAG-1', usmf), { headers: { 'if-match': etag }, body: { name: 'v2' } })).status).toBe(204);
		const stale = await h.req('PATCH', akey('ETAG-1', usmf), { headers: { 'if-match': etag }, body: { name: 'v3' } });
		expect(stale.status).toBe(412);
		expect(stale.json.error).toEqual({ code: '0x80060882', message: "The version of the existing record doesn't match the RowVersion property provided." });
		expect((await h.req('GET', `${akey('ETAG-1', usmf)}?$select=name`)).json.name).toBe('v2');
	});

	it('upsert by GUID creates the row with that id', async () => {
		const id = '12345678-1234-4234-8234-123456789abc';
		const r = await h.req('PATCH', `accounts(${id})`, { headers: { prefer: 'return=representation' }, body: { name: 'by guid' } });
		expect(r.status).toBe(201);
		expect(r.json.accountid).toBe(id);
		expect((await h.req('PATCH', `accounts(accountid=${id})`, { headers: { prefer: 'return=representation' }, body: { name: 'by guid 2' } })).status).toBe(200);
	});
});

describe('malformed keys', () => {
	const invalid = /^The key in the request URI is not valid for resource 'Microsoft\.Dynamics\.CRM\.account'\./;
	it.each([
		['an unknown key column', "accounts(nosuch='x')"],
		['only part of a multi-part key', "accounts(accountnumber='A1')"],
		['the lookup by attribute name instead of _x_value', "accounts(accountnumber='A1',msdyn_company=00000000-0000-0000-0000-000000000001)"],
		['a non-GUID primary key', "accounts('abc')"],
		['a string where a GUID is expected', "accounts(accountnumber='A1',_msdyn_company_value='abc')"],
	])('%s -> 400 with the documented message', async (_label, path) => {
		const r = await h.req('GET', path);
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(invalid);
	});

	it('unbalanced quotes are a syntax error (400)', async () => {
		const r = await h.req('GET', `accounts(accountnumber='A1,_msdyn_company_value=${usmf})`);
		expect(r.status).toBe(400);
	});

	it('a PATCH with a bad key creates nothing', async () => {
		const before = (await h.req('GET', 'accounts/$count')).text;
		expect((await h.req('PATCH', "accounts(nosuch='x')", { body: { name: 'x' } })).status).toBe(400);
		expect((await h.req('GET', 'accounts/$count')).text).toBe(before);
	});
});
