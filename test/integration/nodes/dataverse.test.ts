/**
 * The Dataverse node through n8n's real engine against the Dataverse emulator: every operation, lookups by
 * alternate key, batch partial failure, hostile keys, errors before any request. Errors are matched by `name`:
 * n8n records them as plain objects.
 */
import { DataverseDualWrite } from '../../../nodes/DataverseDualWrite/DataverseDualWrite.node';
import { autoMap, columns, entity, jsonOf, startTestbed, type NodeTestbed } from './helpers';

let bed: NodeTestbed;
let usmfId: string;
beforeAll(async () => {
	bed = await startTestbed();
	// Get by an alternate key (cdm_companycode), the way a map looks up the company of a record.
	const company = await bed.run('dataverse', { operation: 'get', entity: entity('cdm_companies'), key: columns({ cdm_companycode: 'usmf' }) });
	usmfId = jsonOf(company)[0].cdm_companyid as string;
});
afterAll(() => bed?.close());

const accountKey = (accountnumber: string) => ({ accountnumber, _msdyn_company_value: usmfId });
const MATCH = ['accountnumber', '_msdyn_company_value'];
/** A lookup key as field=value pairs (the other form is JSON). */
const COMPANY_BY_CODE = 'cdm_companycode=usmf';

const getAccount = async (accountnumber: string) =>
	jsonOf(await bed.run('dataverse', { operation: 'get', entity: entity('accounts'), key: columns(accountKey(accountnumber)) }, { continueOnFail: true }))[0];

describe('Create, Get, Update, Upsert, Delete', () => {
	it('upserts by alternate key: 201 created, then updated; Get by alternate key reads it', async () => {
		const params = (name: string) => ({ operation: 'upsert', entity: entity('accounts'), columns: columns({ ...accountKey('DVN-UP-1'), name }, MATCH) });
		const created = jsonOf(await bed.run('dataverse', params('first')))[0];
		expect(created).toMatchObject({ outcome: 'created', key: accountKey('DVN-UP-1'), id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		expect(jsonOf(await bed.run('dataverse', params('second')))[0]).toMatchObject({ outcome: 'updated', id: created.id });
		expect(await getAccount('DVN-UP-1')).toMatchObject({ name: 'second', accountid: created.id });
	});

	it('creates, updates by primary id, and deletes by alternate key', async () => {
		const created = jsonOf(
			await bed.run('dataverse', {
				operation: 'create',
				entity: entity('accounts'),
				columns: columns({ accountnumber: 'DVN-C-1', name: 'created', numberofemployees: '12' }),
				options: { lookups: { lookup: [{ navigationProperty: 'msdyn_company', entity: 'cdm_companies', key: COMPANY_BY_CODE }] } },
			}),
		)[0];
		expect(created).toMatchObject({ outcome: 'created' });
		expect(await getAccount('DVN-C-1')).toMatchObject({ name: 'created', numberofemployees: 12 });
		const updated = await bed.run('dataverse', {
			operation: 'update',
			entity: entity('accounts'),
			columns: columns({ accountid: created.id as string, name: 'renamed' }, ['accountid']),
		});
		expect(jsonOf(updated)[0]).toMatchObject({ outcome: 'updated' });
		expect((await getAccount('DVN-C-1')).name).toBe('renamed');
		const deleted = await bed.run('dataverse', { operation: 'delete', entity: entity('accounts'), key: columns(accountKey('DVN-C-1')) });
		expect(jsonOf(deleted)[0].outcome).toBe('deleted');
		expect(await getAccount('DVN-C-1')).toMatchObject({ error: { status: 404, entity: 'accounts' } });
	});

	it('gets many with filter, select, sort and limit', async () => {
		for (const n of [1, 2, 3]) await bed.run('dataverse', { operation: 'upsert', entity: entity('accounts'), columns: columns({ ...accountKey(`DVN-M-${n}`), name: `many ${n}` }, MATCH) });
		const result = await bed.run('dataverse', {
			operation: 'getAll',
			entity: entity('accounts'),
			limit: 2,
			options: { filter: "startswith(accountnumber,'DVN-M-')", select: ['accountnumber', 'name'], orderBy: { field: [{ field: 'accountnumber', descending: true }] } },
		});
		expect(result.error).toBeUndefined();
		expect(jsonOf(result).map((record) => record.accountnumber)).toEqual(['DVN-M-3', 'DVN-M-2']);
		const all = jsonOf(await bed.run('dataverse', { operation: 'getAll', entity: entity('accounts'), returnAll: true, options: { filter: "startswith(accountnumber,'DVN-M-')" } }));
		expect(all).toHaveLength(3);
	});
});

describe('lookups by alternate key', () => {
	it('binds the company and the primary contact by their alternate keys (@odata.bind)', async () => {
		await bed.run('dataverse', {
			operation: 'upsert',
			entity: entity('contacts'),
			columns: columns({ msdyn_contactpersonid: "CP-O'1", _msdyn_company_value: usmfId, lastname: 'Lookup' }, ['msdyn_contactpersonid', '_msdyn_company_value']),
		});
		const contact = jsonOf(
			await bed.run('dataverse', { operation: 'get', entity: entity('contacts'), key: columns({ msdyn_contactpersonid: "CP-O'1", _msdyn_company_value: usmfId }) }),
		)[0];
		// A JSON key, because the contact's key value contains a quote.
		const contactKeyJson = JSON.stringify({ msdyn_contactpersonid: "CP-O'1", _msdyn_company_value: usmfId });
		const result = await bed.run('dataverse', {
			operation: 'upsert',
			entity: entity('accounts'),
			columns: columns({ accountnumber: 'DVN-L-1', _msdyn_company_value: usmfId, name: 'with lookups' }, MATCH),
			options: {
				lookups: {
					lookup: [
						{ navigationProperty: 'primarycontactid', entity: 'contacts', key: contactKeyJson },
					],
				},
			},
		});
		expect(result.error).toBeUndefined();
		expect(await getAccount('DVN-L-1')).toMatchObject({ _primarycontactid_value: contact.contactid, _msdyn_company_value: usmfId });
	});

	it('rejects an incomplete lookup before any request', async () => {
		const before = await bed.requestCount('dataverse');
		const result = await bed.run('dataverse', {
			operation: 'create',
			entity: entity('accounts'),
			columns: columns({ name: 'x' }),
			options: { lookups: { lookup: [{ navigationProperty: 'primarycontactid', entity: 'contacts', key: 'not a pair' }] } },
		});
		expect(result.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(/Incomplete lookup 'primarycontactid'/) });
		expect(await bed.requestCount('dataverse')).toBe(before);
	});
});

describe('hostile key values', () => {
	it("round-trips O'Brien and keeps x' or 1 eq 1 or 'a a literal", async () => {
		for (const number of ["O'Brien", "x' or 1 eq 1 or 'a"]) {
			const written = await bed.run('dataverse', { operation: 'upsert', entity: entity('accounts'), columns: columns({ ...accountKey(number), name: number }, MATCH) });
			expect(jsonOf(written)[0]).toMatchObject({ outcome: 'created', key: accountKey(number) });
			expect(await getAccount(number)).toMatchObject({ accountnumber: number, name: number });
		}
		// Reading the hostile key matched exactly one row, not all of them.
		const matches = jsonOf(
			await bed.run('dataverse', { operation: 'getAll', entity: entity('accounts'), returnAll: true, options: { filter: "accountnumber eq 'x'' or 1 eq 1 or ''a'" } }),
		);
		expect(matches.map((record) => record.accountnumber)).toEqual(["x' or 1 eq 1 or 'a"]);
		expect(await getAccount("x' or 1 eq 2 or 'a")).toMatchObject({ error: { status: 404 } });
	});
});

describe('batch mode', () => {
	// A function: the company id is known only after beforeAll.
	const items = () => [
		{ ...accountKey('DVN-B-1'), name: 'one' },
		{ ...accountKey('DVN-B-2'), name: 'x'.repeat(300) },
		{ ...accountKey('DVN-B-3'), name: 'three' },
	];

	it('with continue on fail: the failed item carries the server error, the others are written, in order', async () => {
		const before = await bed.requestCount('dataverse');
		const result = await bed.run('dataverse', { operation: 'upsert', entity: entity('accounts'), columns: autoMap(MATCH), options: { batchSize: 50 } }, {
			input: items(),
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		const out = jsonOf(result);
		expect(out[0]).toMatchObject({ outcome: 'created' });
		expect(out[1]).toMatchObject({ error: { entity: 'accounts', key: accountKey('DVN-B-2'), status: 400, message: expect.any(String) } });
		expect(out[2]).toMatchObject({ outcome: 'created' });
		expect((await bed.requestCount('dataverse')) - before).toBe(1);
		expect((await getAccount('DVN-B-3')).name).toBe('three');
	});

	it('without continue on fail: a NodeApiError naming entity, key and message, after the batch was sent', async () => {
		const again = items().map((item) => ({ ...item, accountnumber: `${item.accountnumber}X` }));
		const result = await bed.run('dataverse', { operation: 'upsert', entity: entity('accounts'), columns: autoMap(MATCH), options: { batchSize: 50 } }, { input: again });
		expect(result.error).toMatchObject({ name: 'NodeApiError', httpCode: '400', message: expect.stringMatching(/accounts \(accountnumber='DVN-B-2X'/) });
		expect((await getAccount('DVN-B-3X')).name).toBe('three');
	});

	it('offers batch sizes up to the Dataverse maximum of 1,000, 100 by default', () => {
		const options = new DataverseDualWrite().description.properties.find((p) => p.name === 'options' && p.displayOptions?.show?.operation?.includes('upsert'));
		const batchSize = options?.options?.find((o) => 'name' in o && o.name === 'batchSize') as { typeOptions?: { maxValue?: number }; default?: number };
		expect(batchSize.typeOptions?.maxValue).toBe(1000);
		expect(batchSize.default).toBe(100);
	});
});

describe('bad parameters fail before any request', () => {
	const expectNoRequest = async (parameters: Record<string, unknown>, message: RegExp) => {
		const before = await bed.requestCount('dataverse');
		const result = await bed.run('dataverse', parameters);
		expect(result.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(message) });
		expect(await bed.requestCount('dataverse')).toBe(before);
	};

	it('unknown entity, unknown field, value of the wrong type, missing key', async () => {
		await expectNoRequest({ operation: 'get', entity: entity('acounts'), key: columns({ accountid: 'x' }) }, /no entity set named 'acounts'.*'accounts'/);
		await expectNoRequest({ operation: 'create', entity: entity('accounts'), columns: columns({ nmae: 'x' }) }, /Unknown field 'nmae' for Dataverse entity accounts/);
		await expectNoRequest({ operation: 'create', entity: entity('accounts'), columns: columns({ numberofemployees: 'many' }) }, /numberofemployees.*expects a number/);
		await expectNoRequest({ operation: 'upsert', entity: entity('accounts'), columns: columns({ accountnumber: 'A', name: 'x' }, MATCH) }, /Missing value for key field _msdyn_company_value/);
		await expectNoRequest(
			{ operation: 'upsert', entity: entity('accounts'), columns: columns({ ...accountKey('A'), name: 'x' }, MATCH), options: { batchSize: 1001 } },
			/Batch Size must be a whole number from 0 to 1000, got 1001/,
		);
	});
});
