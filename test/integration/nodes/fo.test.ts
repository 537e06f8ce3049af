/**
 * The Dynamics 365 F&O node through n8n's real engine against the F&O emulator: every operation, batch, errors, hostile keys.
 * n8n records a node's error as a plain object (what it stores with the execution), so errors are matched by `name`.
 */
import type { IDataObject } from 'n8n-workflow';
import { autoMap, columns, entity, jsonOf, startTestbed, type NodeTestbed } from './helpers';

let bed: NodeTestbed;
beforeAll(async () => {
	bed = await startTestbed();
});
afterAll(() => bed?.close());

const customer = (account: string, extra: Record<string, unknown> = {}) => ({
	dataAreaId: 'usmf',
	CustomerAccount: account,
	OrganizationName: `Org ${account}`,
	CustomerGroupId: '10',
	...extra,
});

const getCustomer = async (account: string, company = 'usmf') => {
	const result = await bed.run('fo', { operation: 'get', entity: entity('CustomersV3'), key: columns({ dataAreaId: company, CustomerAccount: account }) }, { continueOnFail: true });
	return jsonOf(result)[0];
};

describe('Get Many', () => {
	it('reads the default company, with limit, select and sort, every item paired with its input', async () => {
		const result = await bed.run('fo', {
			operation: 'getAll',
			entity: entity('CustomersV3'),
			returnAll: false,
			limit: 3,
			options: { select: ['CustomerAccount', 'dataAreaId'], orderBy: { field: [{ field: 'CustomerAccount', descending: true }] } },
		});
		expect(result.error).toBeUndefined();
		const records = jsonOf(result);
		expect(records).toHaveLength(3);
		expect(records.every((record) => record.dataAreaId === 'usmf')).toBe(true);
		expect(Object.keys(records[0]).filter((name) => !name.startsWith('@'))).toEqual(['CustomerAccount', 'dataAreaId']);
		const accounts = records.map((record) => record.CustomerAccount as string);
		expect([...accounts].sort().reverse()).toEqual(accounts);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 0 }]);
	});

	it('returns all records of all companies with cross-company, and one company with Company', async () => {
		const all = jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), returnAll: true, options: { crossCompany: true } }));
		expect(new Set(all.map((record) => record.dataAreaId))).toEqual(new Set(['usmf', 'demf', 'gbsi']));
		const demf = jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), returnAll: true, options: { company: 'demf' } }));
		expect(demf.length).toBeGreaterThan(0);
		expect(demf.every((record) => record.dataAreaId === 'demf')).toBe(true);
		expect(all.length).toBeGreaterThan(demf.length);
	});

	it('sends a raw OData filter as written', async () => {
		const first = jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), limit: 1 }))[0];
		const filtered = jsonOf(
			await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), returnAll: true, options: { filter: `CustomerAccount eq '${first.CustomerAccount as string}'` } }),
		);
		expect(filtered.map((record) => record.CustomerAccount)).toEqual([first.CustomerAccount]);
	});

	it('runs once per input item', async () => {
		const result = await bed.run('fo', { operation: 'getAll', entity: entity('Currencies'), limit: 2 }, { input: [{}, {}] });
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 0 }, { item: 1 }, { item: 1 }]);
	});
});

describe('Create, Get, Update, Upsert, Delete', () => {
	it('creates a record and reads it back by key', async () => {
		const result = await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: columns(customer('NODE-C-1')) });
		expect(result.error).toBeUndefined();
		expect(jsonOf(result)[0]).toMatchObject({ outcome: 'created', entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: 'NODE-C-1' } });
		expect(await getCustomer('NODE-C-1')).toMatchObject({ CustomerAccount: 'NODE-C-1', OrganizationName: 'Org NODE-C-1' });
	});

	it('updates by the matching columns and returns the stored record on request', async () => {
		await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: columns(customer('NODE-U-1')) });
		const result = await bed.run('fo', {
			operation: 'update',
			entity: entity('CustomersV3'),
			columns: columns({ dataAreaId: 'usmf', CustomerAccount: 'NODE-U-1', OrganizationName: 'Renamed' }, ['dataAreaId', 'CustomerAccount']),
			options: { returnRecord: true },
		});
		expect(result.error).toBeUndefined();
		expect(jsonOf(result)[0]).toMatchObject({ outcome: 'updated', record: { OrganizationName: 'Renamed' } });
		expect((await getCustomer('NODE-U-1')).OrganizationName).toBe('Renamed');
	});

	it('upserts: creates a missing key, then updates it', async () => {
		const params = (name: string) => ({
			operation: 'upsert',
			entity: entity('CustomersV3'),
			columns: columns(customer('NODE-UP-1', { OrganizationName: name }), ['dataAreaId', 'CustomerAccount']),
		});
		expect(jsonOf(await bed.run('fo', params('first')))[0].outcome).toBe('created');
		expect(jsonOf(await bed.run('fo', params('second')))[0].outcome).toBe('updated');
		expect((await getCustomer('NODE-UP-1')).OrganizationName).toBe('second');
	});

	it('upserts items auto-mapped from the input, each written under its own key', async () => {
		const result = await bed.run('fo', { operation: 'upsert', entity: entity('CustomersV3'), columns: autoMap(['dataAreaId', 'CustomerAccount']) }, {
			input: [customer('NODE-AM-1'), customer('NODE-AM-2', { '@odata.etag': 'W/"ignored"' })],
		});
		expect(result.error).toBeUndefined();
		expect(jsonOf(result).map((json) => json.key)).toEqual([
			{ dataAreaId: 'usmf', CustomerAccount: 'NODE-AM-1' },
			{ dataAreaId: 'usmf', CustomerAccount: 'NODE-AM-2' },
		]);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('deletes by key; a Get then fails with 404 naming the entity and key', async () => {
		await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: columns(customer('NODE-D-1')) });
		const deleted = await bed.run('fo', { operation: 'delete', entity: entity('CustomersV3'), key: columns({ dataAreaId: 'usmf', CustomerAccount: 'NODE-D-1' }) });
		expect(jsonOf(deleted)[0]).toMatchObject({ outcome: 'deleted' });
		const missing = await bed.run('fo', { operation: 'get', entity: entity('CustomersV3'), key: columns({ dataAreaId: 'usmf', CustomerAccount: 'NODE-D-1' }) });
		expect(missing.error).toMatchObject({ name: 'NodeApiError' });
		expect(missing.error?.message).toMatch(/CustomersV3 \(dataAreaId='usmf', CustomerAccount='NODE-D-1'\).*404/);
	});

	it('reads another company’s record by key', async () => {
		const demf = jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), limit: 1, options: { company: 'demf' } }))[0];
		expect(await getCustomer(demf.CustomerAccount as string, 'demf')).toMatchObject({ dataAreaId: 'demf', CustomerAccount: demf.CustomerAccount });
	});
});

describe('authentication', () => {
	it('renews a rejected token through n8n (401 reaches n8n, not lib/) and the request succeeds', async () => {
		await bed.run('fo', { operation: 'getAll', entity: entity('Currencies'), limit: 1 });
		bed.spoilToken('dualWriteFoOAuth2Api');
		const result = await bed.run('fo', { operation: 'getAll', entity: entity('Currencies'), limit: 1, options: { filter: "CurrencyCode eq 'EUR'" } });
		expect(result.error).toBeUndefined();
		expect(jsonOf(result)).toEqual([expect.objectContaining({ CurrencyCode: 'EUR' })]);
	});
});

describe('hostile key values', () => {
	it("round-trips O'Brien through create, get and delete", async () => {
		const created = await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: columns(customer("O'Brien")) });
		expect(created.error).toBeUndefined();
		expect(await getCustomer("O'Brien")).toMatchObject({ CustomerAccount: "O'Brien" });
		const deleted = await bed.run('fo', { operation: 'delete', entity: entity('CustomersV3'), key: columns({ dataAreaId: 'usmf', CustomerAccount: "O'Brien" }) });
		expect(jsonOf(deleted)[0].outcome).toBe('deleted');
	});

	it("keeps x' or 1 eq 1 or 'a a literal: no record matches it and nothing else is touched", async () => {
		const hostile = "x' or 1 eq 1 or 'a";
		const before = jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), returnAll: true })).length;
		expect(await getCustomer(hostile)).toMatchObject({ error: { status: 404, entity: 'CustomersV3', key: { CustomerAccount: hostile } } });
		const deleted = await bed.run('fo', { operation: 'delete', entity: entity('CustomersV3'), key: columns({ dataAreaId: 'usmf', CustomerAccount: hostile }) }, { continueOnFail: true });
		expect(jsonOf(deleted)[0]).toMatchObject({ error: { status: 404 } });
		expect(jsonOf(await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), returnAll: true }))).toHaveLength(before);
		// As a key it is stored and found as the exact text.
		await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: columns(customer(hostile.slice(0, 20))) });
		expect(await getCustomer(hostile.slice(0, 20))).toMatchObject({ CustomerAccount: hostile.slice(0, 20) });
	});
});

describe('batch mode', () => {
	const items = [customer('NODE-B-1'), customer('NODE-B-2', { CustomerGroupId: 'NOPE' }), customer('NODE-B-3')];

	it('with continue on fail: the failed item carries the server error, the others are written, in order', async () => {
		const before = await bed.requestCount('fo');
		const result = await bed.run(
			'fo',
			{ operation: 'upsert', entity: entity('CustomersV3'), columns: autoMap(['dataAreaId', 'CustomerAccount']), options: { batchSize: 10 } },
			{ input: items, continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		const out = jsonOf(result);
		expect(out[0]).toMatchObject({ outcome: 'created', key: { CustomerAccount: 'NODE-B-1' } });
		expect(out[1]).toMatchObject({
			error: { entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: 'NODE-B-2' }, status: 500, message: expect.stringMatching(/Customer groups/) },
		});
		expect(out[2]).toMatchObject({ outcome: 'created', key: { CustomerAccount: 'NODE-B-3' } });
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// One $batch request carried all three upserts (plus the POST fallbacks for the missing keys).
		expect((await bed.requestCount('fo')) - before).toBeLessThanOrEqual(3);
		expect(await getCustomer('NODE-B-3')).toMatchObject({ CustomerAccount: 'NODE-B-3' });
	});

	it('without continue on fail: throws a NodeApiError naming entity, key and server message after the whole batch was sent', async () => {
		const again = items.map((item) => ({ ...item, CustomerAccount: `${item.CustomerAccount}X` }));
		const result = await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: autoMap(), options: { batchSize: 10 } }, { input: again });
		expect(result.error).toMatchObject({ name: 'NodeApiError' });
		expect(result.error?.message).toMatch(/CustomersV3 \(dataAreaId='usmf', CustomerAccount='NODE-B-2X'\)/);
		expect(result.error?.message).toMatch(/Customer groups/);
		expect(result.error).toMatchObject({ httpCode: '500' });
		expect((await getCustomer('NODE-B-3X')).CustomerAccount).toBe('NODE-B-3X');
	});

	it('with batch size 0 sends one request per item', async () => {
		const before = await bed.requestCount('fo');
		const result = await bed.run('fo', { operation: 'create', entity: entity('CustomersV3'), columns: autoMap(), options: { batchSize: 0 } }, {
			input: [customer('NODE-S-1'), customer('NODE-S-2')],
		});
		expect(jsonOf(result).map((json) => json.outcome)).toEqual(['created', 'created']);
		expect((await bed.requestCount('fo')) - before).toBe(2);
	});
});

describe('bad parameters fail before any request', () => {
	beforeAll(async () => {
		// $metadata is read once per environment and cached; read it now so the counts below see writes only.
		await bed.run('fo', { operation: 'getAll', entity: entity('CustomersV3'), limit: 1 });
	});

	const expectNoRequest = async (parameters: Record<string, unknown>, message: RegExp, input?: IDataObject[]) => {
		const before = await bed.requestCount('fo');
		const result = await bed.run('fo', parameters, { input });
		expect(result.error).toMatchObject({ name: 'NodeOperationError' });
		expect(result.error?.message).toMatch(message);
		expect(await bed.requestCount('fo')).toBe(before);
		return result;
	};

	it('an unknown entity, with a suggestion', async () => {
		await expectNoRequest({ operation: 'create', entity: entity('CustomerV3s'), columns: columns(customer('X')) }, /no entity set named 'CustomerV3s'.*CustomersV3/);
	});

	it('an unknown field', async () => {
		const result = await expectNoRequest(
			{ operation: 'upsert', entity: entity('CustomersV3'), columns: columns({ ...customer('X'), OrganisationName: 'typo' }, ['dataAreaId', 'CustomerAccount']) },
			/Unknown field 'OrganisationName' for F&O entity CustomersV3/,
		);
		expect(result.error?.description).toMatch(/OrganizationName/);
	});

	it('a missing key value, even when earlier items are fine (nothing of the batch is written)', async () => {
		const result = await expectNoRequest(
			{ operation: 'upsert', entity: entity('CustomersV3'), columns: autoMap(['dataAreaId', 'CustomerAccount']), options: { batchSize: 10 } },
			/Missing value for key field CustomerAccount of CustomersV3/,
			[customer('NODE-NEVER-1'), customer('')],
		);
		expect(result.error?.context).toMatchObject({ itemIndex: 1 });
		expect((await getCustomer('NODE-NEVER-1')).error).toMatchObject({ status: 404 });
	});

	it('match columns that are not a key, and a Get without a key', async () => {
		await expectNoRequest(
			{ operation: 'update', entity: entity('CustomersV3'), columns: columns(customer('X'), ['CustomerAccount']) },
			/\{CustomerAccount\} is not a key of CustomersV3/,
		);
		await expectNoRequest({ operation: 'get', entity: entity('CustomersV3'), key: columns({ CustomerAccount: 'X' }) }, /Missing value for key field dataAreaId/);
	});

	it('an unknown field in select', async () => {
		await expectNoRequest({ operation: 'getAll', entity: entity('CustomersV3'), limit: 1, options: { select: ['Nope'] } }, /Unknown field 'Nope'/);
	});
});
