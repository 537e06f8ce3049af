import { customerPath, startHarness, type Harness, type Reply } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

type AxError = { error: { code: string; message: string; innererror: { message: string; type: string; stacktrace: string } } };
const AX_TYPE = 'Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException';

function expectWriteFailure(r: Reply, aotName: string, ...fragments: Array<string | RegExp>) {
	expect(r.status).toBe(500);
	const body = r.json<AxError>();
	expect(body.error.message).toBe('An error has occurred.');
	expect(body.error.innererror.type).toBe(AX_TYPE);
	expect(body.error.innererror.message.startsWith(`Write failed for table row of type '${aotName}'. Infolog: `)).toBe(true);
	for (const f of fragments) expect(body.error.innererror.message).toMatch(f);
}

const countCustomers = async (company = 'usmf') => Number((await h.call('GET', `/data/CustomersV3/$count?cross-company=true&$filter=${encodeURIComponent(`dataAreaId eq '${company}'`)}`)).text);

describe('F&O emulator: create (POST)', () => {
	it('201 with the created entity, Location and ETag; defaults applied; company = caller default', async () => {
		const r = await h.call('POST', '/data/CustomersV3', { body: { '@odata.type': '#Microsoft.Dynamics.DataEntities.CustomerV3', CustomerAccount: 'NEW-001', CustomerGroupId: '10', OrganizationName: 'New Co', CreditLimit: 1234.56 } });
		expect(r.status).toBe(201);
		const e = r.json();
		expect(e['@odata.context']).toBe(`${h.url}/data/$metadata#CustomersV3/$entity`);
		expect(e.dataAreaId).toBe('usmf');
		expect(e.CreditLimit).toBe(1234.56);
		expect(e.OnHoldStatus).toBe('No');
		expect(e.PartyType).toBe('Organization');
		expect(e.PersonFirstName).toBe('');
		expect(e.PartyNumber).toMatch(/^\d{9}$/);
		expect(r.headers.get('location')).toBe(`${h.url}${customerPath('usmf', 'NEW-001')}`);
		expect(r.headers.get('etag')).toBe(e['@odata.etag']);
		expect(Date.parse(e.ModifiedDateTime as string)).toBeGreaterThan(Date.now() - 5000);
		expect((await h.get(customerPath('usmf', 'NEW-001'))).OrganizationName).toBe('New Co');
	});

	it('dataAreaId in the body selects the company', async () => {
		const r = await h.call('POST', '/data/CustomersV3', { body: { dataAreaId: 'DEMF', CustomerAccount: 'NEW-DE', CustomerGroupId: '20' } });
		expect(r.status).toBe(201);
		expect(r.json().dataAreaId).toBe('demf');
		expect((await h.call('GET', customerPath('usmf', 'NEW-DE'))).status).toBe(404);
		expect((await h.call('GET', customerPath('demf', 'NEW-DE'))).status).toBe(200);
	});

	it('defaults a missing SalesOrderNumber from the number sequence, skipping used numbers', async () => {
		const r = await h.call('POST', '/data/CDSSalesOrderHeaders', { body: { OrderingCustomerAccountNumber: 'US-000001' } });
		expect(r.status).toBe(201);
		expect(r.json().SalesOrderNumber).toBe('000004');
	});

	it('duplicate key -> 500 AxODataWriteException "The record already exists.", nothing changed', async () => {
		const before = await h.get(customerPath('usmf', 'US-000001'));
		const r = await h.call('POST', '/data/CustomersV3', { body: { CustomerAccount: 'us-000001', CustomerGroupId: '20', OrganizationName: 'Dup' } });
		expectWriteFailure(r, 'CustCustomerV3Entity', /Cannot create a record in Customers \(CustTable\)\. Customer account: us-000001\. The record already exists\./);
		expect(await h.get(customerPath('usmf', 'US-000001'))).toEqual(before);
	});

	it('duplicate customer group names the CustGroup table', async () => {
		const r = await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: '10', Description: 'again' } });
		expectWriteFailure(r, 'CustCustomerGroupEntity', /Cannot create a record in Customer groups \(CustGroup\)\. Customer group: 10\. The record already exists\./);
	});

	it.each([
		['mandatory field missing', { CustomerAccount: 'BAD-1' }, /Field 'Customer group' must be filled in\./],
		['wrong type', { CustomerAccount: 'BAD-2', CustomerGroupId: '10', CreditLimit: 'lots' }, /'lots' is not valid for field 'Credit limit' \(CreditLimit\); expected Edm\.Decimal/],
		['string longer than the field', { CustomerAccount: 'BAD-3', CustomerGroupId: '10', OrganizationName: 'x'.repeat(101) }, /101 characters long; the maximum length is 100/],
		['unknown field', { CustomerAccount: 'BAD-4', CustomerGroupId: '10', Nickname: 'x' }, /Field 'Nickname' does not exist/],
		['enum symbol not in the enum', { CustomerAccount: 'BAD-5', CustomerGroupId: '10', OnHoldStatus: 'Sometimes' }, /expected one of CustVendorBlocked: No, Invoice, All, Payment, Requisition, Never/],
		['null value', { CustomerAccount: 'BAD-6', CustomerGroupId: '10', SalesMemo: null }, /does not allow null/],
		['unknown company', { dataAreaId: 'zzzz', CustomerAccount: 'BAD-7', CustomerGroupId: '10' }, /Company 'zzzz' does not exist/],
		['key longer than the field', { CustomerAccount: 'B'.repeat(21), CustomerGroupId: '10' }, /21 characters long; the maximum length is 20/],
	])('%s -> AxODataWriteException, nothing created', async (_name, body, message) => {
		const before = await countCustomers();
		const r = await h.call('POST', '/data/CustomersV3', { body });
		expectWriteFailure(r, 'CustCustomerV3Entity', message);
		expect(await countCustomers()).toBe(before);
		expect((await h.call('GET', customerPath('usmf', String(body.CustomerAccount)))).status).toBe(404);
	});

	it('foreign key not found in that company -> the related-table Infolog text', async () => {
		const r = await h.call('POST', '/data/CustomersV3', { body: { CustomerAccount: 'BAD-FK', CustomerGroupId: 'Local' } });
		expectWriteFailure(r, 'CustCustomerV3Entity', "Warning: The value 'Local' in field 'Customer group' is not found in the related table 'Customer groups'.; Warning: validateField failed on field 'CustCustomerV3Entity.CustomerGroupId'.");
		// Group 10 exists in usmf but a group created only in demf does not count for usmf.
		await h.call('POST', '/data/CustomerGroups', { body: { dataAreaId: 'demf', CustomerGroupId: 'DEONLY' } });
		const cross = await h.call('POST', '/data/CustomersV3', { body: { CustomerAccount: 'BAD-FK2', CustomerGroupId: 'DEONLY' } });
		expectWriteFailure(cross, 'CustCustomerV3Entity', /'DEONLY' in field 'Customer group' is not found/);
		expect((await h.call('GET', customerPath('usmf', 'BAD-FK2'))).status).toBe(404);
	});

	it('400 for a body that is not JSON or not an object', async () => {
		expect((await h.call('POST', '/data/CustomersV3', { body: '{not json' })).status).toBe(400);
		expect((await h.call('POST', '/data/CustomersV3', { body: [1, 2] })).status).toBe(400);
	});

	it('Prefer: return=minimal -> 204 with Location', async () => {
		const r = await h.call('POST', '/data/CustomerGroups', { body: { CustomerGroupId: 'MIN' }, headers: { prefer: 'return=minimal' } });
		expect(r.status).toBe(204);
		expect(r.headers.get('location')).toBe(`${h.url}/data/CustomerGroups(dataAreaId='usmf',CustomerGroupId='MIN')`);
	});
});

describe('F&O emulator: update (PATCH/PUT), ETags and If-Match', () => {
	it('PATCH -> 204, changes only the supplied fields, new ETag and ModifiedDateTime', async () => {
		const before = await h.get(customerPath('usmf', 'US-000010'));
		const r = await h.call('PATCH', customerPath('usmf', 'US-000010'), { body: { CreditLimit: 777, SalesMemo: 'patched' } });
		expect(r.status).toBe(204);
		expect(r.text).toBe('');
		const after = await h.get(customerPath('usmf', 'US-000010'));
		expect(after.CreditLimit).toBe(777);
		expect(after.SalesMemo).toBe('patched');
		expect(after.OrganizationName).toBe(before.OrganizationName);
		expect(after['@odata.etag']).not.toBe(before['@odata.etag']);
		expect(after.ModifiedDateTime).not.toBe(before.ModifiedDateTime);
		const [, recId] = Buffer.from(/W\/"(.*)"/.exec(after['@odata.etag'] as string)?.[1] ?? '', 'base64').toString().replace(/'/g, '').split(',');
		const [, oldRecId] = Buffer.from(/W\/"(.*)"/.exec(before['@odata.etag'] as string)?.[1] ?? '', 'base64').toString().replace(/'/g, '').split(',');
		expect(recId).toBe(oldRecId);
	});

	it('every update changes the ETag', async () => {
		const tags = new Set<string>();
		for (let i = 0; i < 5; i++) {
			await h.call('PATCH', customerPath('usmf', 'US-000011'), { body: { CreditLimit: 100 + i } });
			tags.add((await h.get(customerPath('usmf', 'US-000011')))['@odata.etag'] as string);
		}
		expect(tags.size).toBe(5);
	});

	it('If-Match with the current ETag or * succeeds; a stale ETag -> 412 and nothing changed', async () => {
		const path = customerPath('usmf', 'US-000012');
		const cur = (await h.get(path))['@odata.etag'] as string;
		expect((await h.call('PATCH', path, { body: { SalesMemo: 'one' }, headers: { 'if-match': cur } })).status).toBe(204);
		const stale = await h.call('PATCH', path, { body: { SalesMemo: 'two' }, headers: { 'if-match': cur } });
		expect(stale.status).toBe(412);
		expect((await h.get(path)).SalesMemo).toBe('one');
		expect((await h.call('PATCH', path, { body: { SalesMemo: 'three' }, headers: { 'if-match': '*' } })).status).toBe(204);
		expect((await h.call('DELETE', path, { headers: { 'if-match': cur } })).status).toBe(412);
		expect((await h.call('GET', path)).status).toBe(200);
	});

	it('PATCH and DELETE on a missing key -> 404, and nothing is created', async () => {
		const path = customerPath('usmf', 'GHOST-1');
		expect((await h.call('PATCH', path, { body: { SalesMemo: 'x' } })).status).toBe(404);
		expect((await h.call('PUT', path, { body: { SalesMemo: 'x' } })).status).toBe(404);
		expect((await h.call('DELETE', path)).status).toBe(404);
		expect((await h.call('GET', path)).status).toBe(404);
	});

	it('validation failures on PATCH -> AxODataWriteException and the record is unchanged', async () => {
		const path = customerPath('usmf', 'US-000013');
		const before = await h.get(path);
		for (const body of [{ CustomerGroupId: 'Local' }, { OrganizationName: 'y'.repeat(150) }, { CreditLimit: true }, { Bogus: 1 }, { CustomerGroupId: '' }, { CustomerAccount: 'US-RENAMED' }]) {
			const r = await h.call('PATCH', path, { body });
			expect(r.status).toBe(500);
			expect(r.json<AxError>().error.innererror.message).toMatch(/^Write failed for table row of type 'CustCustomerV3Entity'/);
		}
		expect(await h.get(path)).toEqual(before);
	});

	it('PUT replaces: fields not supplied return to their defaults', async () => {
		const path = customerPath('usmf', 'US-000014');
		await h.call('PATCH', path, { body: { SalesMemo: 'keep?', CreditLimit: 5 } });
		const r = await h.call('PUT', path, { body: { CustomerGroupId: '20', OrganizationName: 'Replaced' } });
		expect(r.status).toBe(204);
		const e = await h.get(path);
		expect(e).toMatchObject({ CustomerGroupId: '20', OrganizationName: 'Replaced', SalesMemo: '', CreditLimit: 0, CustomerAccount: 'US-000014' });
	});

	it('accepts the key fields in a PATCH body when they are unchanged', async () => {
		const r = await h.call('PATCH', customerPath('usmf', 'US-000015'), { body: { dataAreaId: 'usmf', CustomerAccount: 'US-000015', SalesMemo: 'ok' } });
		expect(r.status).toBe(204);
	});

	it('a PATCH that changes nothing keeps the ETag', async () => {
		const path = customerPath('usmf', 'US-000016');
		const before = (await h.get(path))['@odata.etag'];
		expect((await h.call('PATCH', path, { body: {} })).status).toBe(204);
		expect((await h.get(path))['@odata.etag']).toBe(before);
	});
});

describe('F&O emulator: delete', () => {
	it('DELETE -> 204 and the record is gone', async () => {
		const path = customerPath('usmf', 'US-000017');
		const before = await countCustomers();
		const r = await h.call('DELETE', path);
		expect(r.status).toBe(204);
		expect((await h.call('GET', path)).status).toBe(404);
		expect(await countCustomers()).toBe(before - 1);
	});

	it('405 for methods the resource does not support', async () => {
		expect((await h.call('DELETE', '/data/CustomersV3')).status).toBe(405);
		expect((await h.call('POST', customerPath('usmf', 'US-000001'), { body: {} })).status).toBe(405);
	});
});
