/**
 * The Dual-Write Map node and the upsert nodes' dual-write mode through n8n's real engine (test/support/run-node.ts)
 * against the emulators: F&O Get Many -> Map -> Dataverse Upsert, the way the generated templates chain them.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { compileMap, loadCatalog, sourceQuery, type SyncDirection } from '../../../lib/maps';
import type { DualWriteEnvelope } from '../../../lib/sync';
import { DualWriteMap } from '../../../nodes/DualWriteMap/DualWriteMap.node';
import { buildTemplate } from '../../../scripts/generate-templates';
import { NODE_NAME, runNode } from '../../support/run-node';
import { entity, jsonOf, startTestbed, type NodeTestbed } from './helpers';

const CUSTOMERS = 'customers-v3-accounts';
/** What customers-v3-accounts looks up, in dependency order (companies are in Dataverse's default seed). */
const PREREQUISITES = [
	'currencies-transactioncurrencies',
	'payment-days-msdyn-paymentdays',
	'payment-schedules-msdyn-paymentschedules',
	'customer-payment-methods-msdyn-customerpaymentmethods',
	'sales-tax-groups-msdyn-salestaxgroups',
	'terms-of-payment-msdyn-paymentterms',
	'customer-groups-msdyn-customergroups',
];

let bed: NodeTestbed;
beforeAll(async () => {
	bed = await startTestbed();
});
afterAll(() => bed?.close());

interface MapRun {
	mapped: IDataObject[];
	skipped: IDataObject[];
	error?: { name?: string; message?: string; description?: string | null };
}

async function runMap(parameters: Record<string, unknown>, input: IDataObject[], continueOnFail = false): Promise<MapRun> {
	const result = await runNode({
		nodeType: new DualWriteMap(),
		type: 'n8n-nodes-dual-write.dualWriteMap',
		parameters: { overrides: {}, ...parameters } as never,
		credentials: {},
		input: input.map((json): INodeExecutionData => ({ json })),
		continueOnFail,
	});
	const outputs = result.run.data.resultData.runData[NODE_NAME]?.[0]?.data?.main ?? [];
	return {
		mapped: (outputs[0] ?? []).map((item) => item.json),
		skipped: (outputs[1] ?? []).map((item) => item.json),
		error: result.error as MapRun['error'],
	};
}

/** The source records of a map, read with the node's Get Many the way a template reads them. */
async function readSource(mapId: string, direction: SyncDirection = 'fo->dataverse'): Promise<IDataObject[]> {
	const definition = loadCatalog().find((map) => map.id === mapId)!;
	const query = sourceQuery(compileMap(definition), direction);
	const result = await bed.run('fo', {
		operation: 'getAll',
		entity: entity(query.entity),
		returnAll: true,
		options: { select: query.select, ...(definition.company ? { crossCompany: true } : {}) },
	});
	if (result.error) throw new Error(`Get Many ${query.entity}: ${result.error.message}`);
	return jsonOf(result);
}

/** F&O -> Dataverse for one map; returns the upsert node's output items. */
async function syncToDataverse(mapId: string): Promise<IDataObject[]> {
	const { mapped, error } = await runMap({ map: mapId, direction: 'fo->dataverse' }, await readSource(mapId));
	if (error) throw new Error(`map ${mapId}: ${error.message}`);
	const written = await bed.run('dataverse', { operation: 'upsert', valuesFrom: 'dualWrite', options: { batchSize: 25 } }, { input: mapped });
	if (written.error) throw new Error(`upsert for ${mapId}: ${written.error.message} ${written.error.description ?? ''}`);
	return jsonOf(written);
}

const envelopeOf = (json: IDataObject) => json.dualWrite as unknown as DualWriteEnvelope;

describe('Dual-Write Map node', () => {
	it('maps organisations to Mapped with the envelope and sends persons to Skipped with the decision', async () => {
		const customers = await readSource(CUSTOMERS);
		const { mapped, skipped, error } = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse' }, customers);
		expect(error).toBeUndefined();
		expect(mapped.length + skipped.length).toBe(customers.length);
		expect(mapped.length).toBe(customers.filter((c) => c.PartyType === 'Organization').length);
		expect(mapped.length).toBeGreaterThan(0);
		const source = customers.find((c) => c.PartyType === 'Organization')!;
		const first = mapped.find((m) => envelopeOf(m).source.key.CustomerAccount === source.CustomerAccount && envelopeOf(m).source.key.dataAreaId === source.dataAreaId)!;
		expect(first).toMatchObject({ accountnumber: source.CustomerAccount, name: source.OrganizationName, customertypecode: 3 });
		expect(envelopeOf(first)).toMatchObject({
			map: CUSTOMERS,
			mapVersion: expect.any(String),
			direction: 'fo->dataverse',
			change: 'update',
			source: { system: 'fo', entity: 'CustomersV3', key: { dataAreaId: source.dataAreaId, CustomerAccount: source.CustomerAccount } },
			target: {
				system: 'dataverse',
				entity: 'accounts',
				key: { accountnumber: source.CustomerAccount, 'msdyn_company.cdm_companycode': source.dataAreaId },
				lookups: { msdyn_company: { entity: 'cdm_companies', key: { cdm_companycode: source.dataAreaId } } },
			},
			hash: expect.stringMatching(/^[0-9a-f]{64}$/),
		});
		const person = skipped[0];
		expect(person.PartyType).toBe('Person');
		expect(envelopeOf(person)).toMatchObject({ decision: 'filtered', detail: expect.stringContaining('PartyType'), target: { system: 'dataverse', entity: 'accounts' } });
	});

	it("keeps an incoming envelope's change type and event id", async () => {
		const [customer] = (await readSource(CUSTOMERS)).filter((c) => c.PartyType === 'Organization');
		const incoming = { map: 'trigger', mapVersion: '0', direction: 'fo->dataverse', change: 'create', source: { system: 'fo', entity: 'CustomersV3', key: {}, eventId: 'ev-1' }, target: {} };
		const { mapped } = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse' }, [{ ...customer, dualWrite: incoming }]);
		expect(envelopeOf(mapped[0])).toMatchObject({ change: 'create', source: { eventId: 'ev-1', key: { CustomerAccount: customer.CustomerAccount } } });
		expect(mapped[0]).not.toHaveProperty('PartyType');
	});

	it('rejects an invalid custom map before any item, listing every issue', async () => {
		const { mapped, error } = await runMap(
			{ map: 'custom', direction: 'fo->dataverse', mapJson: JSON.stringify({ id: 'broken', version: '1.0.0', title: 'Broken', fo: { entity: 'CustomersV3', key: [] }, dataverse: { entity: 'accounts', key: ['accountnumber'] }, fields: [{ fo: 'A', dataverse: 'a', direction: 'sideways' }] }) },
			[{ A: 1 }],
		);
		expect(mapped).toEqual([]);
		expect(error).toMatchObject({ name: 'NodeOperationError', message: expect.stringMatching(/^The custom map is invalid \(\d+ issues?\)/) });
		expect(error?.description).toMatch(/fields\[0\]/);
		expect(error?.description).toMatch(/DIPV1014|DIPV1015|DW-/);
	});

	it('runs a valid custom map', async () => {
		const custom = { id: 'groups-lite', version: '1.0.0', title: 'Groups lite', fo: { entity: 'CustomerGroups', key: ['dataAreaId', 'CustomerGroupId'] }, dataverse: { entity: 'msdyn_customergroups', key: ['msdyn_groupid', 'msdyn_company.cdm_companycode'] }, company: { fo: 'dataAreaId', dataverse: 'msdyn_company.cdm_companycode' }, fields: [{ fo: 'CustomerGroupId', dataverse: 'msdyn_groupid', direction: 'both' }, { fo: 'Description', dataverse: 'msdyn_description', direction: 'fo->dataverse' }] };
		const { mapped, error } = await runMap({ map: 'custom', direction: 'fo->dataverse', mapJson: JSON.stringify(custom) }, [{ dataAreaId: 'usmf', CustomerGroupId: '10', Description: 'Wholesale' }]);
		expect(error).toBeUndefined();
		expect(mapped[0]).toMatchObject({ msdyn_groupid: '10', msdyn_description: 'Wholesale', dualWrite: { map: 'groups-lite', target: { key: { msdyn_groupid: '10', 'msdyn_company.cdm_companycode': 'usmf' } } } });
	});

	it('applies field overrides (a replaced row with a default, an extra value pair) and validates the result', async () => {
		const [customer] = (await readSource(CUSTOMERS)).filter((c) => c.PartyType === 'Organization');
		const overrides = {
			field: [{ fo: '', dataverse: 'description', direction: 'fo->dataverse', default: 'synced by n8n' }],
			valuePair: [{ field: 'OnHoldStatus', fo: String(customer.OnHoldStatus), dataverse: '999' }],
		};
		const { mapped, error } = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse', overrides }, [customer]);
		expect(error).toBeUndefined();
		expect(mapped[0]).toMatchObject({ description: 'synced by n8n', msdyn_onholdstatus: 999 });

		const broken = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse', overrides: { field: [{ fo: 'CustomerAccount', dataverse: '', direction: 'both', default: '' }] } }, [customer]);
		expect(broken.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('with the field overrides is invalid') });
	});

	it('names map, field and record of a failing item; with continue on fail the item goes to Mapped with error', async () => {
		const customers = (await readSource(CUSTOMERS)).filter((c) => c.PartyType === 'Organization').slice(0, 2);
		const keyless = { ...customers[0] };
		delete keyless.CustomerAccount;
		const stopped = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse' }, [customers[1], keyless]);
		expect(stopped.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('CustomerAccount') });
		expect(stopped.error?.description).toContain(CUSTOMERS);

		const continued = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse' }, [customers[1], keyless], true);
		expect(continued.mapped).toHaveLength(2);
		expect(continued.mapped[0].dualWrite).toBeDefined();
		expect(continued.mapped[1]).toEqual({
			error: expect.objectContaining({ map: CUSTOMERS, direction: 'fo->dataverse', message: expect.stringContaining('CustomerAccount'), recordKey: expect.objectContaining({ dataAreaId: customers[0].dataAreaId }) }),
		});
	});

	it('refuses a direction the map does not write', async () => {
		const { error } = await runMap({ map: 'units-uoms', direction: 'dataverse->fo' }, [{}]);
		expect(error).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('maps no field') });
	});
});

describe('Upsert in dual-write mode', () => {
	it('writes mapped accounts with their company and customer group lookups, and reports the result in the envelope', async () => {
		for (const prerequisite of ['legal-entities-cdm-companies', ...PREREQUISITES]) await syncToDataverse(prerequisite);
		const written = await syncToDataverse(CUSTOMERS);
		expect(written.length).toBeGreaterThan(0);
		for (const item of written) expect(envelopeOf(item).result).toMatchObject({ outcome: expect.stringMatching(/^(created|updated)$/), id: expect.any(String) });

		const sample = written.find((item) => item.msdyn_customergroupid === undefined && envelopeOf(item).target.lookups?.msdyn_customergroupid)!;
		expect(sample).toBeDefined();
		const envelope = envelopeOf(sample);
		const company = jsonOf(await bed.run('dataverse', { operation: 'getAll', entity: entity('cdm_companies'), returnAll: true, options: { filter: `cdm_companycode eq '${envelope.source.key.dataAreaId}'` } }))[0];
		const groupKey = envelope.target.lookups!.msdyn_customergroupid.key;
		const groups = jsonOf(await bed.run('dataverse', { operation: 'getAll', entity: entity('msdyn_customergroups'), returnAll: true, options: { filter: `msdyn_groupid eq '${groupKey.msdyn_groupid}' and _msdyn_company_value eq ${company.cdm_companyid}` } }));
		expect(groups).toHaveLength(1);
		const account = jsonOf(await bed.run('dataverse', { operation: 'getAll', entity: entity('accounts'), returnAll: true, options: { filter: `accountid eq ${envelope.result!.id}` } }))[0];
		expect(account).toMatchObject({ accountnumber: envelope.source.key.CustomerAccount, _msdyn_company_value: company.cdm_companyid, _msdyn_customergroupid_value: groups[0].msdyn_customergroupid });

		const again = await syncToDataverse(CUSTOMERS);
		expect(again.every((item) => envelopeOf(item).result?.outcome === 'updated')).toBe(true);
	});

	it('refuses items whose envelope targets the other system', async () => {
		const [customer] = (await readSource(CUSTOMERS)).filter((c) => c.PartyType === 'Organization');
		const { mapped } = await runMap({ map: CUSTOMERS, direction: 'fo->dataverse' }, [customer]);
		const result = await bed.run('fo', { operation: 'upsert', valuesFrom: 'dualWrite', options: {} }, { input: mapped });
		expect(result.error).toMatchObject({ name: 'NodeOperationError', message: expect.stringContaining('is for dataverse, not fo') });
	});

	it('refuses items without an envelope', async () => {
		const result = await bed.run('dataverse', { operation: 'upsert', valuesFrom: 'dualWrite', options: {} }, { input: [{ name: 'plain' }] });
		expect(result.error).toMatchObject({ name: 'NodeOperationError', message: 'The item has no dualWrite envelope' });
	});

	it("runs a dataverse-to-fo template's own parameters: Dataverse Get Many with $expand -> Map -> F&O Upsert", async () => {
		const definition = loadCatalog().find((map) => map.id === 'customer-groups-msdyn-customergroups')!;
		const [, , read, map, write] = buildTemplate(definition, 'dataverse->fo', 'initial').nodes as Array<{ parameters: Record<string, unknown> }>;
		const rows = await bed.run('dataverse', read.parameters);
		expect(rows.error).toBeUndefined();
		const { mapped, skipped, error } = await runMap(map.parameters, jsonOf(rows));
		expect(error).toBeUndefined();
		expect(mapped.length).toBeGreaterThan(0);
		expect(mapped.length + skipped.length).toBe(rows.items.length);
		const written = await bed.run('fo', write.parameters, { input: mapped });
		expect(written.error).toBeUndefined();
		const first = envelopeOf(jsonOf(written)[0]);
		expect(first).toMatchObject({ direction: 'dataverse->fo', target: { system: 'fo', entity: 'CustomerGroups', key: { dataAreaId: expect.any(String), CustomerGroupId: expect.any(String) } }, result: { outcome: expect.stringMatching(/^(created|updated)$/) } });
	});
});
