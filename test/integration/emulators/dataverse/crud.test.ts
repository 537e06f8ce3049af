import { startHarness, type Harness } from './harness';

let h: Harness;
let usmf: string;
beforeAll(async () => {
	h = await startHarness();
	usmf = await h.companyId('usmf');
});
afterAll(() => h.close());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const idFrom = (entityId: string | null) => /\(([0-9a-f-]{36})\)$/.exec(entityId ?? '')?.[1] as string;

describe('create', () => {
	it('POST answers 204 with OData-EntityId and no body', async () => {
		const r = await h.req('POST', 'accounts', { body: { name: 'Create 204', accountnumber: 'CR-1', 'msdyn_company@odata.bind': `/cdm_companies(${usmf})` } });
		expect(r.status).toBe(204);
		expect(r.text).toBe('');
		expect(r.headers.get('odata-entityid')).toMatch(new RegExp(`^${h.api.replace(/\./g, '\\.')}/accounts\\([0-9a-f-]{36}\\)$`));
		const back = await h.req('GET', `accounts(${idFrom(r.headers.get('odata-entityid'))})?$select=name,accountnumber`);
		expect(back.json).toMatchObject({ name: 'Create 204', accountnumber: 'CR-1', accountid: idFrom(r.headers.get('odata-entityid')) });
	});

	it('POST with return=representation answers 201 with the row, honouring $select', async () => {
		const r = await h.req('POST', 'accounts?$select=name,creditlimit', { headers: { prefer: 'return=representation' }, body: { name: 'Create 201', creditlimit: 12.34567 } });
		expect(r.status).toBe(201);
		expect(r.headers.get('preference-applied')).toBe('return=representation');
		expect(r.json['@odata.context']).toBe(`${h.api}/$metadata#accounts(name,creditlimit)/$entity`);
		expect(r.json.name).toBe('Create 201');
		expect(r.json.creditlimit).toBe(12.3457);
		expect(r.json['@odata.etag']).toMatch(/^W\/"\d+"$/);
		expect(r.json).not.toHaveProperty('accountnumber');
	});

	it('uses a client-supplied primary id and refuses a second create with it (412)', async () => {
		const id = '11111111-2222-4333-8444-555555555555';
		expect((await h.req('POST', 'accounts', { body: { accountid: id, name: 'Fixed id' } })).status).toBe(204);
		const again = await h.req('POST', 'accounts', { body: { accountid: id, name: 'Again' } });
		expect(again.status).toBe(412);
		expect((await h.req('GET', `accounts(${id})?$select=name`)).json.name).toBe('Fixed id');
	});

	it('stamps system columns: id, versionnumber, createdon, modifiedon, statecode, createdby', async () => {
		const r = await h.req('POST', 'accounts', { headers: { prefer: 'return=representation' }, body: { name: 'System cols', versionnumber: 5, createdon: '2000-01-01T00:00:00Z' } });
		expect(r.json.accountid).toMatch(GUID);
		expect(r.json.versionnumber).toBeGreaterThan(1_000_000);
		expect(r.json.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		expect(r.json.createdon).not.toBe('2000-01-01T00:00:00Z');
		expect(r.json.modifiedon).toBe(r.json.createdon);
		expect(r.json.statecode).toBe(0);
		expect(r.json._createdby_value).toBe('c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f');
	});

	it('computes contact.fullname from its name parts', async () => {
		const r = await h.req('POST', 'contacts', { headers: { prefer: 'return=representation' }, body: { firstname: 'Zoë', lastname: "D'Arcy" } });
		expect(r.json.fullname).toBe("Zoë D'Arcy");
	});
});

describe('bad input leaves nothing behind', () => {
	const count = async () => (await h.req('GET', 'accounts/$count')).text;

	it.each([
		['unknown column', { name: 'x', nosuchcolumn: 1 }, 400, '0x80048d19', /The property 'nosuchcolumn' does not exist on type 'Microsoft\.Dynamics\.CRM\.account'/],
		['wrong type (string for int)', { name: 'x', numberofemployees: 'ten' }, 400, '0x80048d19', /Cannot convert the literal 'ten' to the expected type 'Edm\.Int32'/],
		['wrong type (number for string)', { name: 42 }, 400, '0x80048d19', /Edm\.String/],
		['choice value not allowed', { name: 'x', customertypecode: 99 }, 400, '0x8004431a', /outside the valid range\. Accepted Values: 1,2,3/],
		['string longer than the column', { name: 'x'.repeat(161) }, 400, '0x80044331', /exceeded the maximum allowed length of '160'/],
		['missing required column', { accountnumber: 'NO-NAME' }, 400, '0x80040200', /required column 'name'/],
		['lookup written as _x_value', { name: 'x', _transactioncurrencyid_value: '00000000-0000-0000-0000-000000000001' }, 400, '0x80060888', /Use Navigation properties instead/],
		['wrong type (string for double)', { name: 'x', address1_latitude: 'north' }, 400, '0x80048d19', /Edm\.Double/],
		['unknown navigation property', { name: 'x', 'nosuchnav@odata.bind': '/accounts(00000000-0000-0000-0000-000000000001)' }, 400, '0x80048d19', /undeclared property 'nosuchnav'/],
	])('%s -> %s', async (_label, body, status, code, message) => {
		const before = await count();
		const r = await h.req('POST', 'accounts', { body });
		expect(r.status).toBe(status);
		expect(r.json.error.code).toBe(code);
		expect(r.json.error.message).toMatch(message);
		expect(await count()).toBe(before);
	});

	it('invalid JSON is a 400', async () => {
		const r = await h.req('POST', 'accounts', { body: '{"name":', headers: { 'content-type': 'application/json' } });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(/Invalid JSON/);
	});
});

describe('update, read, delete', () => {
	let id: string;
	beforeEach(async () => {
		const r = await h.req('POST', 'accounts', { body: { name: 'To update', telephone1: '1' } });
		id = idFrom(r.headers.get('odata-entityid'));
	});

	it('PATCH answers 204; with return=representation 200 and the new values', async () => {
		const r = await h.req('PATCH', `accounts(${id})`, { body: { telephone1: '2' } });
		expect(r.status).toBe(204);
		expect(r.headers.get('odata-entityid')).toBe(`${h.api}/accounts(${id})`);
		const r2 = await h.req('PATCH', `accounts(${id})`, { headers: { prefer: 'return=representation' }, body: { telephone1: '3' } });
		expect(r2.status).toBe(200);
		expect(r2.json).toMatchObject({ telephone1: '3', name: 'To update' });
	});

	it('versionnumber and the weak ETag change on every write', async () => {
		const a = await h.req('GET', `accounts(${id})`);
		await h.req('PATCH', `accounts(${id})`, { body: { telephone1: '1' } });
		const b = await h.req('GET', `accounts(${id})`);
		expect(b.json.versionnumber).toBeGreaterThan(a.json.versionnumber);
		expect(b.json['@odata.etag']).toBe(`W/"${b.json.versionnumber}"`);
		expect(b.headers.get('etag')).toBe(b.json['@odata.etag']);
		expect(b.json['@odata.etag']).not.toBe(a.json['@odata.etag']);
	});

	it('conditional GET answers 304 while unchanged and 200 after a change', async () => {
		const a = await h.req('GET', `accounts(${id})`);
		const etag = a.json['@odata.etag'] as string;
		const same = await h.req('GET', `accounts(${id})`, { headers: { 'if-none-match': etag } });
		expect(same.status).toBe(304);
		expect(same.text).toBe('');
		// Not with annotations, as documented.
		expect((await h.req('GET', `accounts(${id})`, { headers: { 'if-none-match': etag, prefer: 'odata.include-annotations="*"' } })).status).toBe(200);
		await h.req('PATCH', `accounts(${id})`, { body: { telephone1: 'changed' } });
		expect((await h.req('GET', `accounts(${id})`, { headers: { 'if-none-match': etag } })).status).toBe(200);
	});

	it('If-None-Match: null (the recommended anti-cache header) is not a condition', async () => {
		expect((await h.req('GET', `accounts(${id})`, { headers: { 'if-none-match': 'null' } })).status).toBe(200);
	});

	it('a failed update changes nothing', async () => {
		const before = await h.req('GET', `accounts(${id})`);
		const r = await h.req('PATCH', `accounts(${id})`, { body: { telephone1: 'x', customertypecode: 1234 } });
		expect(r.status).toBe(400);
		const after = await h.req('GET', `accounts(${id})`);
		expect(after.json).toEqual(before.json);
	});

	it('DELETE answers 204, then the row is gone (404) and a second DELETE is 404', async () => {
		expect((await h.req('DELETE', `accounts(${id})`)).status).toBe(204);
		const g = await h.req('GET', `accounts(${id})`);
		expect(g.status).toBe(404);
		expect(g.json.error).toEqual({ code: '0x80040217', message: `account With Id = ${id} Does Not Exist` });
		expect((await h.req('DELETE', `accounts(${id})`)).status).toBe(404);
	});

	it('DELETE with a stale If-Match is 412 and keeps the row', async () => {
		const r = await h.req('DELETE', `accounts(${id})`, { headers: { 'if-match': 'W/"1"' } });
		expect(r.status).toBe(412);
		expect(r.json.error.message).toBe("The version of the existing record doesn't match the RowVersion property provided.");
		expect((await h.req('GET', `accounts(${id})`)).status).toBe(200);
	});

	it('single property: GET value, PUT value, DELETE clears it', async () => {
		expect((await h.req('GET', `accounts(${id})/telephone1`)).json.value).toBe('1');
		expect((await h.req('PUT', `accounts(${id})/telephone1`, { body: { value: '555' } })).status).toBe(204);
		expect((await h.req('GET', `accounts(${id})?$select=telephone1`)).json.telephone1).toBe('555');
		expect((await h.req('DELETE', `accounts(${id})/telephone1`)).status).toBe(204);
		expect((await h.req('GET', `accounts(${id})?$select=telephone1`)).json.telephone1).toBeNull();
	});

	it('never returns write-only columns (serviceendpoint.authvalue)', async () => {
		const r = await h.req('POST', 'serviceendpoints', {
			headers: { prefer: 'return=representation' },
			body: { name: 'secret', contract: 8, url: 'http://127.0.0.1:9/x', authtype: 4, authvalue: 'TOPSECRET' },
		});
		expect(r.status).toBe(201);
		expect(r.text).not.toContain('TOPSECRET');
		expect(r.json).not.toHaveProperty('authvalue');
		const sel = await h.req('GET', `serviceendpoints(${r.json.serviceendpointid as string})?$select=authvalue`);
		expect(sel.status).toBe(400);
	});
});

describe('value conversions', () => {
	it('stores date-times in UTC at second precision and filters on them', async () => {
		const r = await h.req('POST', 'contacts', { headers: { prefer: 'return=representation' }, body: { lastname: 'Dates', birthdate: '1990-05-17T23:30:15.789+02:00' } });
		expect(r.status).toBe(201);
		expect(r.json.birthdate).toBe('1990-05-17T21:30:15Z');
		const q = await h.req('GET', "contacts?$select=lastname&$filter=birthdate gt 1990-05-17T21:00:00Z and birthdate lt 1990-05-18");
		expect(q.json.value.map((v: { lastname: string }) => v.lastname)).toEqual(['Dates']);
	});

	it.each([
		['an impossible date', { lastname: 'x', birthdate: '1990-13-45' }, /Edm\.DateTimeOffset/],
		['a number for a date', { lastname: 'x', birthdate: 19900517 }, /Edm\.DateTimeOffset/],
		['a string for a boolean', { lastname: 'x', donotemail: 'yes' }, /Edm\.Boolean/],
		['a decimal for an int', { lastname: 'x', gendercode: 1.5 }, /Edm\.Int32/],
		['a non-GUID primary id', { lastname: 'x', contactid: 'abc' }, /Edm\.Guid/],
	])('rejects %s', async (_label, body, message) => {
		const r = await h.req('POST', 'contacts', { body });
		expect(r.status).toBe(400);
		expect(r.json.error.message).toMatch(message);
	});

	it('rejects numbers outside a column range', async () => {
		const r = await h.req('POST', 'accounts', { body: { name: 'x', numberofemployees: -1 } });
		expect(r.status).toBe(400);
		expect(r.json.error.code).toBe('0x8004431a');
	});
});

describe('keys with numbers and lookups (salesorderdetails: order + sequence)', () => {
	it('addresses a row by a lookup plus an integer key part', async () => {
		const order = await h.req('POST', 'salesorders', { headers: { prefer: 'return=representation' }, body: { name: 'SO 1', msdyn_salesordernumber: 'SO-1', 'msdyn_company@odata.bind': `/cdm_companies(${usmf})` } });
		const orderId = order.json.salesorderid as string;
		const line = await h.req('PATCH', `salesorderdetails(_salesorderid_value=${orderId},sequencenumber=1)`, { headers: { prefer: 'return=representation' }, body: { quantity: 2.5, productdescription: 'Speaker' } });
		expect(line.status).toBe(201);
		expect(line.json).toMatchObject({ _salesorderid_value: orderId, sequencenumber: 1, quantity: 2.5 });
		expect((await h.req('GET', `salesorderdetails(sequencenumber=1,_salesorderid_value=${orderId})?$select=quantity`)).json.quantity).toBe(2.5);
		const bad = await h.req('GET', `salesorderdetails(_salesorderid_value=${orderId},sequencenumber='1')`);
		expect(bad.status).toBe(400);
	});
});
