/**
 * Dataverse keys and lookup keys with dotted parts, as lib/maps writes them (`msdyn_company.cdm_companycode`):
 * resolved to `_x_value` GUIDs by reading the referenced row, shared within a call or batch and cached for a
 * short TTL, with a clear error when the referenced row does not exist.
 */
import { createConnector, type BatchWrite, type Connector } from '../../../lib/connectors';
import type { HttpRequest } from '../../../lib/odata';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, stats, type SystemFixture } from './fixtures';

let emulators: Emulators;
let dv: SystemFixture;
let connector: Connector;
let usmfId: string;
let demfId: string;

const COMPANY = 'msdyn_company.cdm_companycode';
const account = (number: string, company = 'usmf') => ({ accountnumber: number, [COMPANY]: company });
const companyReads = (requests: HttpRequest[]) => requests.filter((request) => request.method === 'GET' && request.url.includes('/cdm_companies('));

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 3 } });
	dv = (await fixtures(emulators)).dataverse;
	connector = dv.connector();
	usmfId = dv.key('x')._msdyn_company_value as string;
	demfId = (await connector.get('cdm_companies', { cdm_companycode: 'demf' }))?.cdm_companyid as string;
	// Dataverse's default seed has no customer groups (F&O's map writes them): one, keyed the dotted way.
	await connector.upsert('msdyn_customergroups', { msdyn_groupid: '10', [COMPANY]: 'usmf' }, { msdyn_description: 'Wholesale' });
});
afterAll(() => emulators.close());
beforeEach(() => {
	dv.requests.length = 0;
});
afterEach(() => dv.emulated.admin('POST', '/_emulator/faults/reset'));

describe('dotted key parts on Dataverse', () => {
	it('upserts an account by {accountnumber, msdyn_company.cdm_companycode}: created, then updated, in the company named', async () => {
		const key = account('DOT-1');
		const created = await connector.upsert('accounts', key, { name: 'first' });
		expect(created).toMatchObject({ outcome: 'created', key });
		const patch = dv.requests.find((request) => request.method === 'PATCH');
		expect(patch?.url).toContain(`accounts(accountnumber='DOT-1',_msdyn_company_value=${usmfId})`);
		expect(JSON.parse(patch?.body as string)).toEqual({ name: 'first' });
		const updated = await connector.upsert('accounts', key, { name: 'second' });
		expect(updated).toMatchObject({ outcome: 'updated', id: created.id, key });
		const stored = await connector.get('accounts', key);
		expect(stored).toMatchObject({ name: 'second', _msdyn_company_value: usmfId, accountid: created.id });
		// The same number in another company is another row.
		const german = await connector.upsert('accounts', account('DOT-1', 'demf'), { name: 'zweite' });
		expect(german.outcome).toBe('created');
		expect((await connector.get('accounts', account('DOT-1', 'demf')))?._msdyn_company_value).toBe(demfId);
		expect((await connector.update('accounts', account('DOT-1', 'demf'), { name: 'dritte' })).outcome).toBe('updated');
		expect((await connector.delete('accounts', account('DOT-1', 'demf'))).outcome).toBe('deleted');
		expect(await connector.get('accounts', account('DOT-1', 'demf'))).toBeUndefined();
		expect((await connector.get('accounts', key))?.name).toBe('second');
	});

	it('binds lookups whose keys hold dotted company parts, and drops a company lookup the key already sets', async () => {
		const group = await connector.get('msdyn_customergroups', { msdyn_groupid: '10', [COMPANY]: 'usmf' });
		expect(group?._msdyn_company_value).toBe(usmfId);
		await connector.upsert(
			'accounts',
			account('DOT-LOOKUP-1'),
			{ name: 'grouped' },
			{
				lookups: {
					msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', [COMPANY]: 'usmf' } },
					// What the map engine sends for a company-striped map: the company as a lookup too.
					msdyn_company: { entity: 'cdm_companies', key: { cdm_companycode: 'usmf' } },
				},
			},
		);
		const patch = dv.requests.filter((request) => request.method === 'PATCH').pop();
		expect(JSON.parse(patch?.body as string)).toEqual({
			name: 'grouped',
			'msdyn_customergroupid@odata.bind': `/msdyn_customergroups(msdyn_groupid='10',_msdyn_company_value=${usmfId})`,
		});
		const stored = await connector.get('accounts', account('DOT-LOOKUP-1'));
		expect(stored).toMatchObject({ _msdyn_customergroupid_value: group?.msdyn_customergroupid, _msdyn_company_value: usmfId });
		// A company lookup that contradicts the key is refused, not silently dropped.
		await expect(
			connector.upsert('accounts', account('DOT-LOOKUP-1'), {}, { lookups: { msdyn_company: { entity: 'cdm_companies', key: { cdm_companycode: 'demf' } } } }),
		).rejects.toThrow(/lookup msdyn_company names another cdm_companies row/);
	});

	it('resolves several levels: an order line keyed by its order number, whose order is keyed by number and company', async () => {
		const order = { msdyn_salesordernumber: 'DOT-SO-1', [COMPANY]: 'usmf' };
		const created = await connector.upsert(
			'salesorders',
			order,
			{ name: 'dotted order' },
			{ lookups: { customerid_account: { entity: 'accounts', key: account('DOT-1') }, transactioncurrencyid: { entity: 'transactioncurrencies', key: { isocurrencycode: 'USD' } } } },
		);
		expect(created.outcome).toBe('created');
		// The line names its order by number only: the order is read in the line's own company.
		const line = { 'salesorderid.msdyn_salesordernumber': 'DOT-SO-1', sequencenumber: 1, [COMPANY]: 'usmf' };
		expect((await connector.upsert('salesorderdetails', line, { quantity: 2 })).outcome).toBe('created');
		// Or names the order's company itself, one level further down.
		const explicit = { 'salesorderid.msdyn_salesordernumber': 'DOT-SO-1', 'salesorderid.msdyn_company.cdm_companycode': 'usmf', sequencenumber: 1, [COMPANY]: 'usmf' };
		expect((await connector.upsert('salesorderdetails', explicit, { quantity: 3 })).outcome).toBe('updated');
		const stored = await connector.get('salesorderdetails', line);
		expect(stored).toMatchObject({ _salesorderid_value: created.id, _msdyn_company_value: usmfId, quantity: 3 });
	});

	it('costs one company lookup for a batch of N accounts, and none within the TTL', async () => {
		const fresh = dv.connector();
		const writes: BatchWrite[] = Array.from({ length: 60 }, (_, i) => ({
			operation: 'upsert',
			entity: 'accounts',
			key: account(`DOT-BATCH-${i}`),
			record: { name: `batch ${i}` },
			options: { lookups: { msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', [COMPANY]: 'usmf' } } } },
		}));
		const before = await stats(dv.emulated);
		const results = await fresh.batch(writes, { batchSize: 100 });
		const after = await stats(dv.emulated);
		expect(results.every((result) => result.ok)).toBe(true);
		expect(companyReads(dv.requests)).toHaveLength(1);
		// The company read and one $batch (metadata is cached per environment); the admin call itself counts too.
		expect(after.totalRequests - before.totalRequests).toBeLessThanOrEqual(3);
		dv.requests.length = 0;
		expect((await fresh.batch(writes.slice(0, 5))).every((result) => result.ok)).toBe(true);
		expect(companyReads(dv.requests)).toHaveLength(0);
	});

	it('reads the company again once the TTL is over (lookupCacheTtlMs: 0 keeps resolutions to one call)', async () => {
		const recorded: HttpRequest[] = [];
		const noTtl = createConnector('dataverse', {
			environmentUrl: dv.emulated.url,
			transport: (request) => {
				recorded.push(request);
				return dv.emulated.transport(request);
			},
			lookupCacheTtlMs: 0,
		});
		await noTtl.upsert('accounts', account('DOT-TTL-1'), { name: 'a' });
		await noTtl.upsert('accounts', account('DOT-TTL-1'), { name: 'b' });
		expect(companyReads(recorded)).toHaveLength(2);
		recorded.length = 0;
		await noTtl.batch([1, 2, 3].map((i) => ({ operation: 'upsert', entity: 'accounts', key: account(`DOT-TTL-${i}`), record: { name: 'c' } })));
		expect(companyReads(recorded)).toHaveLength(1);
	});

	it('names the lookup, key part and value when the referenced row does not exist; in a batch only that write fails', async () => {
		const message = "Couldn't resolve the lookup msdyn_company.cdm_companycode = 'xxxx': no cdm_companies row has that value";
		await expect(connector.upsert('accounts', account('DOT-MISSING-1', 'xxxx'), { name: 'x' })).rejects.toThrow(message);
		await expect(connector.get('accounts', account('DOT-MISSING-1', 'xxxx'))).rejects.toThrow(message);
		const error = await connector.upsert('accounts', account('DOT-MISSING-1', 'xxxx'), {}).catch((failure: unknown) => failure);
		expect(error).toMatchObject({ name: 'ODataError', entity: 'accounts', key: account('DOT-MISSING-1', 'xxxx'), transient: false });
		// Inside a lookup's key: the error names the path from the written record.
		await expect(
			connector.upsert('accounts', account('DOT-MISSING-2'), { name: 'x' }, { lookups: { msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', [COMPANY]: 'xxxx' } } } }),
		).rejects.toThrow("Couldn't resolve the lookup msdyn_customergroupid.msdyn_company.cdm_companycode = 'xxxx': no cdm_companies row has that value");
		// Through a key part, the referenced row itself is read, so a missing group is named with its whole key.
		await expect(
			connector.upsert('accounts', { ...account('DOT-MISSING-3'), 'msdyn_customergroupid.msdyn_groupid': '99' }, { name: 'x' }),
		).rejects.toThrow(
			"Couldn't resolve the lookup msdyn_customergroupid.msdyn_groupid = '99', msdyn_customergroupid.msdyn_company.cdm_companycode = 'usmf': no msdyn_customergroups row has that key",
		);
		// A lookup bound by alternate key is checked by the server, which names the bind.
		await expect(
			connector.upsert('accounts', account('DOT-MISSING-4'), { name: 'x' }, { lookups: { msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '99', [COMPANY]: 'usmf' } } } }),
		).rejects.toThrow(/msdyn_customergroupid@odata.bind/);
		await expect(connector.upsert('accounts', { accountnumber: 'A', 'msdyn_nope.cdm_companycode': 'usmf' }, {})).rejects.toThrow(/'msdyn_nope' in a dotted key part is not a lookup of accounts/);

		const results = await connector.batch([
			{ operation: 'upsert', entity: 'accounts', key: account('DOT-MIX-1'), record: { name: 'ok 1' } },
			{ operation: 'upsert', entity: 'accounts', key: account('DOT-MIX-2', 'xxxx'), record: { name: 'bad' } },
			{ operation: 'upsert', entity: 'accounts', key: account('DOT-MIX-3'), record: { name: 'ok 3' } },
			{ operation: 'delete', entity: 'accounts', key: account('DOT-MIX-4', 'xxxx') },
		]);
		expect(results.map((result) => result.ok)).toEqual([true, false, true, false]);
		expect(!results[1].ok && results[1].error.message).toContain(message);
		expect(!results[3].ok && results[3].error.message).toContain(message);
		expect((await connector.get('accounts', account('DOT-MIX-3')))?.name).toBe('ok 3');
		// Atomic: the group is not written when one write cannot be planned.
		const atomic = await connector.batch(
			[
				{ operation: 'upsert', entity: 'accounts', key: account('DOT-ATOMIC-1'), record: { name: 'a' } },
				{ operation: 'upsert', entity: 'accounts', key: account('DOT-ATOMIC-2', 'xxxx'), record: { name: 'b' } },
			],
			{ atomic: true },
		);
		expect(atomic.map((result) => result.ok)).toEqual([false, false]);
		expect(await connector.get('accounts', account('DOT-ATOMIC-1'))).toBeUndefined();
	});

	it('does not remember a missing row beyond the call: created later, it resolves', async () => {
		await expect(connector.upsert('accounts', account('DOT-LATE-1', 'zz01'), { name: 'late' })).rejects.toThrow(/cdm_companycode = 'zz01'/);
		await connector.upsert('cdm_companies', { cdm_companycode: 'zz01' }, { cdm_name: 'Late company' });
		expect((await connector.upsert('accounts', account('DOT-LATE-1', 'zz01'), { name: 'late' })).outcome).toBe('created');
	});

	it("keeps hostile values literal: O'Brien in a dotted part, and an injection attempt", async () => {
		await connector.upsert('msdyn_customergroups', { msdyn_groupid: "O'Brien", [COMPANY]: 'usmf' }, { msdyn_description: 'quoted' });
		const group = await connector.get('msdyn_customergroups', { msdyn_groupid: "O'Brien", [COMPANY]: 'usmf' });
		expect(group).toMatchObject({ msdyn_groupid: "O'Brien", _msdyn_company_value: usmfId });
		await connector.upsert('accounts', account('DOT-QUOTE-1'), { name: 'quoted' }, { lookups: { msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: "O'Brien", [COMPANY]: 'usmf' } } } });
		expect((await connector.get('accounts', account('DOT-QUOTE-1')))?._msdyn_customergroupid_value).toBe(group?.msdyn_customergroupid);
		await expect(connector.upsert('accounts', account('DOT-QUOTE-2', "O'Brien"), {})).rejects.toThrow(
			"Couldn't resolve the lookup msdyn_company.cdm_companycode = 'O'Brien': no cdm_companies row has that value",
		);
		await expect(connector.upsert('accounts', account('DOT-QUOTE-3', "x' or 1 eq 1 or 'a"), {})).rejects.toThrow(/no cdm_companies row has that value/);
		expect(companyReads(dv.requests).some((request) => request.url.includes("cdm_companycode='O''Brien'"))).toBe(true);
	});

	it('sends resolution reads through the retry policy', async () => {
		const retries: number[] = [];
		const fresh = dv.connector({ onRetry: (event) => retries.push(event.status ?? 0) });
		await dv.emulated.admin('POST', '/_emulator/faults', { failNext: 1, errorStatus: 503, pathPattern: 'cdm_companies' });
		expect((await fresh.upsert('accounts', account('DOT-RETRY-1', 'demf'), { name: 'retried' })).outcome).toBe('created');
		expect(retries).toEqual([503]);
		expect(companyReads(dv.requests)).toHaveLength(2);
	});
});

describe('expand on Dataverse', () => {
	it('reads pages and single rows with lookups expanded, the related row cut by $select', async () => {
		const pages: Array<Record<string, unknown>> = [];
		const expand = [
			{ navigation: 'msdyn_company', select: ['cdm_companycode'] },
			{ navigation: 'msdyn_customergroupid', select: ['msdyn_groupid'] },
		];
		for await (const page of connector.readPages('accounts', { select: ['accountnumber'], expand, company: 'usmf', limit: 5 })) pages.push(...page);
		expect(pages.length).toBeGreaterThan(0);
		for (const row of pages) expect((row.msdyn_company as Record<string, unknown>).cdm_companycode).toBe('usmf');
		const grouped = await connector.get('accounts', account('DOT-LOOKUP-1'), { select: ['accountnumber'], expand });
		expect(grouped).toMatchObject({ accountnumber: 'DOT-LOOKUP-1', msdyn_company: { cdm_companycode: 'usmf' }, msdyn_customergroupid: { msdyn_groupid: '10' } });
		expect(Object.keys(grouped?.msdyn_customergroupid as object).filter((name) => !name.startsWith('@'))).toEqual(expect.arrayContaining(['msdyn_groupid']));
		const read = dv.requests.filter((request) => request.method === 'GET' && request.url.includes('$expand=')).pop();
		expect(decodeURIComponent(read?.url ?? '')).toContain('$expand=msdyn_company($select=cdm_companycode),msdyn_customergroupid($select=msdyn_groupid)');
	});
});

describe('expand on F&O', () => {
	it('reads pages and single records with a navigation expanded one level, cut by $select', async () => {
		const fo = (await fixtures(emulators)).fo.connector();
		const expand = [{ navigation: 'CustomerGroup', select: ['CustomerGroupId', 'Description'] }];
		const rows: Array<Record<string, unknown>> = [];
		for await (const page of fo.readPages('CustomersV3', { select: ['CustomerAccount', 'CustomerGroupId'], expand, company: 'demf', limit: 3 })) rows.push(...page);
		expect(rows).toHaveLength(3);
		for (const row of rows) expect(row.CustomerGroup).toMatchObject({ CustomerGroupId: row.CustomerGroupId });
		const order = await fo.get('CDSSalesOrderHeaders', { dataAreaId: 'usmf', SalesOrderNumber: '000001' }, { expand: [{ navigation: 'CDSSalesOrderLinesV2' }] });
		expect((order?.CDSSalesOrderLinesV2 as unknown[]).length).toBe(2);
	});
});
