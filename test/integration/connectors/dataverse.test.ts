/** Dataverse specifics: native upsert statuses, lookups bound by alternate key, tag, company filter, paging. */
import type { Connector } from '../../../lib/connectors';
import { startEmulators, type Emulators } from '../../support/emulators';
import { fixtures, type SystemFixture } from './fixtures';

let emulators: Emulators;
let dv: SystemFixture;
let connector: Connector;
let usmfId: string;
beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 5 } });
	dv = (await fixtures(emulators)).dataverse;
	connector = dv.connector();
	usmfId = dv.key('x')._msdyn_company_value as string;
});
afterAll(() => emulators.close());
beforeEach(() => {
	dv.requests.length = 0;
});

async function readAll(reader: AsyncGenerator<Array<Record<string, unknown>>>): Promise<{ pages: number; records: Array<Record<string, unknown>> }> {
	let pages = 0;
	const records: Array<Record<string, unknown>> = [];
	for await (const page of reader) {
		pages += 1;
		records.push(...page);
	}
	return { pages, records };
}

describe('Dataverse upsert', () => {
	it('is one PATCH to the alternate-key URL; 201 means created and 200 updated', async () => {
		const key = dv.key('DV-UPS-1');
		const created = await connector.upsert('accounts', key, { name: 'one' });
		expect(created).toMatchObject({ outcome: 'created', key, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		expect(dv.requests.map((request) => request.method)).toEqual(['PATCH']);
		expect(dv.requests[0].url).toContain(`accounts(accountnumber='DV-UPS-1',_msdyn_company_value=${usmfId})`);
		expect(dv.requests[0].headers.Prefer).toBe('return=representation');
		expect(JSON.parse(dv.requests[0].body as string)).toEqual({ name: 'one' });
		const updated = await connector.upsert('accounts', key, { name: 'two' });
		expect(updated).toMatchObject({ outcome: 'updated', id: created.id });
		const byId = await connector.upsert('accounts', { accountid: created.id as string }, { name: 'three' });
		expect(byId.outcome).toBe('updated');
		expect(dv.requests[dv.requests.length - 1].url).toContain(`accounts(${created.id as string})`);
		expect((await connector.get('accounts', key))?.name).toBe('three');
	});

	it('sends create-only as If-None-Match: * and update-only as If-Match: *', async () => {
		const key = dv.key('DV-COND-1');
		expect((await connector.upsert('accounts', key, { name: 'c' }, { mode: 'create' })).outcome).toBe('created');
		expect(dv.requests[0].headers['If-None-Match']).toBe('*');
		expect((await connector.upsert('accounts', key, { name: 'u' }, { mode: 'update' })).outcome).toBe('updated');
		expect(dv.requests[1].headers['If-Match']).toBe('*');
	});

	it('binds lookups by alternate key, and turns _x_value GUIDs into binds by id', async () => {
		const contactKey = { msdyn_contactpersonid: "C'-1", _msdyn_company_value: usmfId };
		await connector.upsert('contacts', contactKey, { lastname: 'Lookup' });
		const created = await connector.create(
			'accounts',
			{ accountnumber: 'DV-LOOKUP-1', _msdyn_company_value: usmfId, name: 'with lookups' },
			{ lookups: { primarycontactid: { entity: 'contacts', key: contactKey } }, returnRecord: true },
		);
		expect(created.outcome).toBe('created');
		expect(created.key).toEqual(dv.key('DV-LOOKUP-1'));
		const body = JSON.parse(dv.requests[dv.requests.length - 1].body as string) as Record<string, unknown>;
		expect(body['msdyn_company@odata.bind']).toBe(`/cdm_companies(${usmfId})`);
		expect(body['primarycontactid@odata.bind']).toBe(`/contacts(msdyn_contactpersonid='C''-1',_msdyn_company_value=${usmfId})`);
		const contact = await connector.get('contacts', contactKey, { select: ['contactid'] });
		const account = await connector.get('accounts', dv.key('DV-LOOKUP-1'), { select: ['_primarycontactid_value', '_msdyn_company_value'] });
		expect(account?._primarycontactid_value).toBe(contact?.contactid);
		expect(account?._msdyn_company_value).toBe(usmfId);
		await expect(connector.upsert('accounts', dv.key('DV-LOOKUP-2'), {}, { lookups: { nosuch: { entity: 'contacts', key: contactKey } } })).rejects.toThrow(
			/'nosuch' is not a lookup of accounts/,
		);
		await expect(connector.upsert('accounts', dv.key('DV-LOOKUP-2'), {}, { lookups: { primarycontactid: { entity: 'accounts', key: dv.key('DV-UPS-1') } } })).rejects.toThrow(
			/points to contacts, not accounts/,
		);
	});

	it('puts the origin tag on the URL', async () => {
		await connector.upsert('accounts', dv.key('DV-TAG-1'), { name: 'tagged' }, { tag: 'dual-write:map-1' });
		expect(new URL(dv.requests[0].url).searchParams.get('tag')).toBe('dual-write:map-1');
	});
});

describe('Dataverse reads', () => {
	it('pages with Prefer: odata.maxpagesize and follows nextLinks', async () => {
		const all = await readAll(connector.readPages('accounts', { select: ['accountnumber'], pageSize: 2 }));
		expect(all.pages).toBeGreaterThan(2);
		expect(all.records.length).toBeGreaterThan(4);
		expect(dv.requests[0].headers.Prefer).toBe('odata.maxpagesize=2');
		expect(dv.requests.length).toBe(all.pages);
		const accountIds = all.records.map((record) => record.accountid);
		expect(new Set(accountIds).size).toBe(accountIds.length);
	});

	it('stops at the limit across pages', async () => {
		const limited = await readAll(connector.readPages('accounts', { select: ['accountnumber'], pageSize: 2, limit: 3 }));
		expect(limited.records).toHaveLength(3);
		expect(dv.requests).toHaveLength(2);
	});

	it('reads one company through the msdyn_company lookup', async () => {
		const demf = await connector.get('cdm_companies', { cdm_companycode: 'demf' });
		await connector.upsert('accounts', { accountnumber: 'DV-DEMF-1', _msdyn_company_value: demf?.cdm_companyid as string }, { name: 'German' });
		const usmf = await readAll(connector.readPages('accounts', { select: ['_msdyn_company_value'], company: 'usmf' }));
		const all = await readAll(connector.readPages('accounts', { select: ['_msdyn_company_value'] }));
		expect(usmf.records.length).toBeGreaterThan(0);
		expect(usmf.records.every((record) => record._msdyn_company_value === usmfId)).toBe(true);
		expect(all.records.some((record) => record._msdyn_company_value === demf?.cdm_companyid)).toBe(true);
		await expect(readAll(connector.readPages('accounts', { company: 'nope' }))).rejects.toThrow("Couldn't resolve the lookup msdyn_company.cdm_companycode = 'nope': no cdm_companies row has that value");
	});
});
