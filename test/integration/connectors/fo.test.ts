/** F&O specifics: the upsert made of PATCH and POST, company scope, server-driven paging. */
import type { Connector } from '../../../lib/connectors';
import type { HttpRequest, Transport } from '../../../lib/odata';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, type SystemFixture } from './fixtures';

let emulators: Emulators;
let fo: SystemFixture;
let connector: Connector;
beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	fo = (await fixtures(emulators)).fo;
	connector = fo.connector();
});
afterAll(() => emulators.close());
beforeEach(() => {
	fo.requests.length = 0;
});

const calls = (requests: HttpRequest[]) => requests.map((request) => `${request.method} ${new URL(request.url).pathname.replace(/^\/data\//, '')}`);

async function readAll(reader: AsyncGenerator<Array<Record<string, unknown>>>): Promise<{ pages: number; records: Array<Record<string, unknown>> }> {
	let pages = 0;
	const records: Array<Record<string, unknown>> = [];
	for await (const page of reader) {
		pages += 1;
		records.push(...page);
	}
	return { pages, records };
}

describe('F&O upsert (no native upsert: PATCH, then POST on 404)', () => {
	it('creates a missing record with PATCH 404 -> POST, updates an existing one with one PATCH that has no key fields', async () => {
		const key = { dataAreaId: 'usmf', CustomerAccount: 'FO-UPS-1' };
		await connector.describe('CustomersV3');
		fo.requests.length = 0;
		expect((await connector.upsert('CustomersV3', key, { ...key, OrganizationName: 'one', CustomerGroupId: '10' })).outcome).toBe('created');
		expect(calls(fo.requests)).toEqual([
			"PATCH CustomersV3(dataAreaId='usmf',CustomerAccount='FO-UPS-1')",
			'POST CustomersV3',
		]);
		expect(JSON.parse(fo.requests[1].body as string)).toMatchObject({ ...key, OrganizationName: 'one' });
		fo.requests.length = 0;
		expect((await connector.upsert('CustomersV3', key, { ...key, OrganizationName: 'two' })).outcome).toBe('updated');
		expect(fo.requests.map((request) => request.method)).toEqual(['PATCH']);
		expect(fo.requests[0].headers['If-Match']).toBe('*');
		expect(JSON.parse(fo.requests[0].body as string)).toEqual({ OrganizationName: 'two' });
		expect(new URL(fo.requests[0].url).searchParams.get('cross-company')).toBe('true');
	});

	it('when a concurrent creator wins between the 404 and the POST, the duplicate error turns into one more PATCH', async () => {
		const key = { dataAreaId: 'usmf', CustomerAccount: 'FO-RACE-1' };
		const other = fo.connector({ transport: fo.emulated.transport });
		let raced = false;
		const racing: Transport = async (request) => {
			if (request.method === 'POST' && !raced) {
				raced = true;
				await other.create('CustomersV3', { ...key, OrganizationName: 'the other writer', CustomerGroupId: '10' });
			}
			fo.requests.push(request);
			return fo.emulated.transport(request);
		};
		const result = await fo.connector({ transport: racing }).upsert('CustomersV3', key, { OrganizationName: 'ours', CustomerGroupId: '20' });
		expect(result.outcome).toBe('updated');
		expect(fo.requests.map((request) => request.method).filter((method) => method !== 'GET')).toEqual(['PATCH', 'POST', 'PATCH']);
		expect(await connector.get('CustomersV3', key, { select: ['OrganizationName', 'CustomerGroupId'] })).toMatchObject({ OrganizationName: 'ours', CustomerGroupId: '20' });
	});

	it('sends a blank number (Dataverse null, or an untyped map’s empty string) as 0, which is how F&O stores an empty number', async () => {
		const key = { dataAreaId: 'usmf', CustomerAccount: 'FO-UPS-0' };
		expect((await connector.upsert('CustomersV3', key, { ...key, OrganizationName: 'zero', CustomerGroupId: '10', CreditLimit: '', OrganizationNumberOfEmployees: null })).outcome).toBe('created');
		const body = JSON.parse(fo.requests[fo.requests.length - 1].body as string) as Record<string, unknown>;
		expect({ credit: body.CreditLimit, employees: body.OrganizationNumberOfEmployees }).toEqual({ credit: 0, employees: 0 });
		expect((await connector.update('CustomersV3', key, { CreditLimit: '' })).outcome).toBe('updated');
		expect((await connector.get('CustomersV3', key))?.CreditLimit).toBe(0);
	});

	it('a create lets the number sequence fill a missing key and reports the key it got', async () => {
		const result = await connector.create('CDSSalesOrderHeaders', { dataAreaId: 'usmf', OrderingCustomerAccountNumber: 'US-000001' });
		expect(result.outcome).toBe('created');
		expect(result.key).toEqual({ dataAreaId: 'usmf', SalesOrderNumber: expect.stringMatching(/^\d{6}$/) });
		expect((await connector.get('CDSSalesOrderHeaders', result.key))?.OrderingCustomerAccountNumber).toBe('US-000001');
	});
});

describe('F&O company scope', () => {
	it('reads the default company, one named company, or all companies', async () => {
		const select = ['dataAreaId', 'CustomerAccount'];
		const own = await readAll(connector.readPages('CustomersV3', { select }));
		expect(new Set(own.records.map((record) => record.dataAreaId))).toEqual(new Set(['usmf']));
		const demf = await readAll(connector.readPages('CustomersV3', { select, company: 'demf' }));
		expect(demf.records.length).toBeGreaterThan(0);
		expect(new Set(demf.records.map((record) => record.dataAreaId))).toEqual(new Set(['demf']));
		const all = await readAll(connector.readPages('CustomersV3', { select, crossCompany: true }));
		const companies = new Set(all.records.map((record) => record.dataAreaId));
		expect(companies.size).toBeGreaterThan(1);
		expect(companies).toContain('demf');
		const url = new URL(fo.requests[fo.requests.length - 1].url);
		expect(url.searchParams.get('cross-company')).toBe('true');
	});

	it('writes and reads a record in a company other than the default by its key', async () => {
		const key = { dataAreaId: 'demf', CustomerAccount: 'FO-DEMF-1' };
		expect((await connector.upsert('CustomersV3', key, { OrganizationName: 'German', CustomerGroupId: '10' })).outcome).toBe('created');
		expect((await connector.get('CustomersV3', key))?.OrganizationName).toBe('German');
		const own = await readAll(connector.readPages('CustomersV3', { filter: "CustomerAccount eq 'FO-DEMF-1'" }));
		expect(own.records).toHaveLength(0);
	});

	it('refuses a company for an entity shared by all companies', async () => {
		await expect(readAll(connector.readPages('Currencies', { company: 'usmf' }))).rejects.toThrow(/shared by all companies/);
	});

	it('treats * in a key as a character, not as the eq-filter wildcard', async () => {
		expect(await connector.get('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'US-*' })).toBeUndefined();
	});
});

describe('F&O paging', () => {
	afterAll(() => fo.emulated.admin('POST', '/_emulator/settings', { pageSize: 10_000 }));

	it('follows nextLinks over several pages, and stops at the limit', async () => {
		await fo.emulated.admin('POST', '/_emulator/settings', { pageSize: 2 });
		const all = await readAll(connector.readPages('CustomersV3', { select: ['CustomerAccount'], orderBy: [{ field: 'CustomerAccount' }] }));
		expect(all.pages).toBeGreaterThan(2);
		const accounts = all.records.map((record) => record.CustomerAccount as string);
		expect(new Set(accounts).size).toBe(accounts.length);
		expect(accounts).toEqual([...accounts].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
		fo.requests.length = 0;
		const limited = await readAll(connector.readPages('CustomersV3', { select: ['CustomerAccount'], limit: 3 }));
		expect(limited.records).toHaveLength(3);
		expect(fo.requests).toHaveLength(2);
	});
});
