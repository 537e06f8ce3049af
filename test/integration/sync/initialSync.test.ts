/**
 * The control plane's initial sync through lib/ alone, over real HTTP to both emulators: dependency order, dry run,
 * matching of records that exist on both sides, the conflict policy, keyset checkpoints and resume after a crash,
 * journaled failures. The end-to-end test runs the same engine inside n8n through the Dual-Write node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector, type BatchWrite, type Connector } from '../../../lib/connectors';
import { catalogMap, compileMap, type SyncDirection } from '../../../lib/maps';
import { openSqliteStateStore, type StateStore } from '../../../lib/state';
import { afterKey, initialSyncCheckpointName, mapStep, readCheckpoint, runCycle, runInitialSync, syncMap, writeLive, type EnvelopedItem, type InitialSyncMap } from '../../../lib/sync';
import { CORE_MAPS } from '../../../scripts/initialCopy';
import { createAxiosTransport } from '../../support/axios-transport';
import { authenticated, startEmulators, type Emulators } from '../../support/emulators';

const CUSTOMERS = 'customers-v3-accounts';
const GROUPS = 'customer-groups-msdyn-customergroups';

let emulators: Emulators;
let fo: Connector;
let dv: Connector;
let store: StateStore;
let dir: string;

const entry = (id: string, direction: SyncDirection = 'fo->dataverse'): InitialSyncMap => {
	const definition = catalogMap(id);
	if (!definition) throw new Error(`no map ${id}`);
	return { compiled: compileMap(definition), direction };
};
const core = () => CORE_MAPS.map((id) => entry(id));

/** Counts what goes to the target's `$batch` (the writes an initial sync makes). */
function counting(connector: Connector): { connector: Connector; writes: BatchWrite[] } {
	const writes: BatchWrite[] = [];
	return {
		writes,
		connector: new Proxy(connector, {
			get(target, property, receiver) {
				if (property === 'batch') return async (batch: BatchWrite[], options?: unknown) => (writes.push(...batch), await target.batch(batch, options as never));
				return Reflect.get(target, property, receiver) as unknown;
			},
		}),
	};
}

/** A source that dies after `pages` pages (counted over all its reads), as a crashed n8n would stop reading. */
function crashingAfter(connector: Connector, pages: number): Connector {
	let read = 0;
	return new Proxy(connector, {
		get(target, property, receiver) {
			if (property !== 'readPages') return Reflect.get(target, property, receiver) as unknown;
			return async function* (...args: Parameters<Connector['readPages']>) {
				for await (const page of target.readPages(...args)) {
					if (read++ === pages) throw new Error('simulated crash');
					yield page;
				}
			};
		},
	});
}

async function countAccounts(): Promise<Map<string, number>> {
	const counts = new Map<string, number>();
	for await (const page of dv.readPages('accounts', { select: ['accountnumber'], expand: [{ navigation: 'msdyn_company', select: ['cdm_companycode'] }] })) {
		for (const row of page) {
			const company = (row.msdyn_company as { cdm_companycode?: string } | null)?.cdm_companycode ?? '';
			const key = `${company}/${String(row.accountnumber)}`;
			counts.set(key, (counts.get(key) ?? 0) + 1);
		}
	}
	return counts;
}

async function foCustomers(): Promise<number> {
	let count = 0;
	for await (const page of fo.readPages('CustomersV3', { crossCompany: true, select: ['CustomerAccount'] })) count += page.length;
	return count;
}

async function foOrganisations(): Promise<number> {
	let count = 0;
	for await (const page of fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['CustomerAccount'] }))
		count += page.length;
	return count;
}

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 30 } });
	fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
	dv = createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: emulators.dataverse.transport });
	dir = mkdtempSync(join(tmpdir(), 'dw-initial-'));
	store = await openSqliteStateStore({ file: join(dir, 'state.sqlite') });
});

afterAll(async () => {
	await store?.close();
	await emulators?.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('initial sync', () => {
	it('customers before their customer groups: every record fails with a missing reference, journaled for live sync to retry, nothing aborts', async () => {
		const report = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(CUSTOMERS)], run: 'too-early', pageSize: 20 });
		const customers = report.maps[0];
		expect(customers.read).toBeGreaterThan(40);
		expect(customers.failed).toBeGreaterThan(0);
		expect(customers.created + customers.failed + customers.filtered).toBe(customers.read);
		const waiting = await store.list({ map: CUSTOMERS, status: ['pending'], limit: 1000 });
		expect(waiting.items).toHaveLength(customers.failed);
		expect(waiting.items[0]).toMatchObject({
			direction: 'fo->dataverse',
			error: { class: 'missing-reference', message: expect.stringMatching(/\S/) },
			source: { eventId: expect.stringMatching(/^initial-sync:/) },
		});
		// Journaled as pending changes: live sync's trigger retries them, so they are not failures to clear now.
		await store.dismiss({ map: CUSTOMERS }, 'test: clears the too-early run');
	});

	it('a dry run of the core maps reports per map what it would do, in dependency order, and writes nothing', async () => {
		const before = await countAccounts();
		const target = counting(dv);
		const report = await runInitialSync({ store, connectors: { fo, dataverse: target.connector }, maps: core().reverse(), dryRun: true, pageSize: 50 });
		expect(target.writes).toHaveLength(0);
		expect(await countAccounts()).toEqual(before);
		expect(report.order.indexOf('legal-entities-cdm-companies')).toBeLessThan(report.order.indexOf(GROUPS));
		expect(report.order.indexOf(GROUPS)).toBeLessThan(report.order.indexOf(CUSTOMERS));
		const customers = report.maps.find((map) => map.map === CUSTOMERS);
		expect(customers?.dryRun).toBe(true);
		expect(customers?.read).toBeGreaterThan(40);
		expect(customers?.samples.some((sample) => sample.outcome === 'create' && sample.fields && sample.fields.length > 0)).toBe(true);
		expect(await readCheckpoint(store, initialSyncCheckpointName('default'))).toBeUndefined();
	});

	it('runs the core maps in dependency order: creates what is missing, and a second run writes nothing', async () => {
		const target = counting(dv);
		const pageSizes: number[] = [];
		let requests = 0;
		const paged = new Proxy(fo, {
			get(source, property, receiver) {
				if (property !== 'readPages') return Reflect.get(source, property, receiver) as unknown;
				return async function* (...args: Parameters<Connector['readPages']>) {
					requests++;
					expect(args[1]?.limit).toBe(50);
					for await (const page of source.readPages(...args)) {
						pageSizes.push(page.length);
						yield page;
					}
				};
			},
		});
		const first = await runInitialSync({ store, connectors: { fo: paged, dataverse: target.connector }, maps: core(), pageSize: 50 });
		// Keyset pages of the page size, one request each, whatever the server's own paging (the F&O emulator's is larger).
		expect(Math.max(...pageSizes)).toBe(50);
		expect(requests).toBeGreaterThanOrEqual(pageSizes.length);
		expect(pageSizes.reduce((sum, size) => sum + size, 0)).toBe(first.totals.read);
		expect(first.totals.failed).toBe(0);
		const customers = first.maps.find((map) => map.map === CUSTOMERS);
		expect(customers?.created).toBe(await foOrganisations());
		expect(target.writes.length).toBe(first.totals.created + first.totals.updated);
		const accounts = await countAccounts();
		expect([...accounts.values()].filter((count) => count > 1)).toEqual([]);
		expect((await store.getMapState(CUSTOMERS))?.state).toBe('running');
		const activity = await store.listActivity({ map: CUSTOMERS, limit: 50 });
		expect(activity.items.map((item) => item.event)).toEqual(expect.arrayContaining(['initial-sync-started', 'initial-sync-finished']));

		const again = counting(dv);
		const second = await runInitialSync({ store, connectors: { fo, dataverse: again.connector }, maps: core(), pageSize: 50 });
		expect(second.resumed).toBe(false);
		expect(again.writes).toHaveLength(0);
		expect(second.totals.unchanged).toBe(first.totals.created + first.totals.updated + first.totals.unchanged);
	});

	it('a record on both sides is matched by key and settled by the conflict policy (F&O, the primary side, wins), not duplicated', async () => {
		const [customer] =
			(await fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'], limit: 1 }).next()).value ?? [];
		const account = String(customer.CustomerAccount);
		const dvKey = { accountnumber: account, 'msdyn_company.cdm_companycode': 'usmf' };
		await dv.update('accounts', dvKey, { name: 'Edited in Dataverse before the sync' });
		await fo.update('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: account }, { OrganizationName: 'Edited in F&O before the sync' });
		const dry = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(CUSTOMERS)], dryRun: true, run: 'conflict' });
		expect(dry.maps[0].conflicts).toBe(1);
		expect(dry.maps[0].samples.find((sample) => sample.outcome === 'conflict')).toMatchObject({ key: { dataAreaId: 'usmf', CustomerAccount: account } });
		const report = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(CUSTOMERS)], run: 'conflict' });
		expect({ conflicts: report.maps[0].conflicts, updated: report.maps[0].updated }).toEqual({ conflicts: 1, updated: 1 });
		expect((await dv.get('accounts', dvKey, { select: ['name'] }))?.name).toBe('Edited in F&O before the sync');
		expect((await countAccounts()).get(`usmf/${account}`)).toBe(1);
	});

	it('resumes after a crash from its checkpoint: nothing written twice, nothing missed', async () => {
		// Fresh records in F&O that the target does not have yet.
		for (let i = 0; i < 45; i++) {
			await fo.create('CustomersV3', {
				dataAreaId: 'usmf',
				CustomerAccount: `RESUME-${String(i).padStart(3, '0')}`,
				OrganizationName: `Resume ${i}`,
				PartyType: 'Organization',
				CustomerGroupId: '10',
				SalesCurrencyCode: 'USD',
			});
		}
		const maps = [entry(CUSTOMERS)];
		const firstTarget = counting(dv);
		await expect(
			runInitialSync({ store, connectors: { fo: crashingAfter(fo, 3), dataverse: firstTarget.connector }, maps, run: 'crash', pageSize: 20 }),
		).rejects.toThrow('simulated crash');
		const checkpoint = await readCheckpoint(store, initialSyncCheckpointName('crash'));
		expect(checkpoint?.current?.map).toBe(CUSTOMERS);
		expect(checkpoint?.current?.counts.read).toBe(60);
		expect((await store.getMapState(CUSTOMERS))?.state).toBe('running');

		const secondTarget = counting(dv);
		const report = await runInitialSync({ store, connectors: { fo, dataverse: secondTarget.connector }, maps, run: 'crash', pageSize: 20 });
		expect(report.resumed).toBe(true);
		const written = [...firstTarget.writes, ...secondTarget.writes].map((write) => JSON.stringify(write.key));
		expect(new Set(written).size).toBe(written.length);
		expect(written).toHaveLength(45);
		expect(report.maps[0].resumedAfter).toEqual(checkpoint?.current?.after);
		// Every customer is read (persons too: the map's filter leaves them out), each once over both runs.
		expect(report.maps[0].read).toBe(await foCustomers());
		expect(report.maps[0].read - report.maps[0].filtered).toBe(await foOrganisations());
		expect(report.maps[0].created).toBe(45);
		const accounts = await countAccounts();
		for (let i = 0; i < 45; i++) expect(accounts.get(`usmf/RESUME-${String(i).padStart(3, '0')}`)).toBe(1);
		// Finished: the same run name starts afresh next time.
		expect((await readCheckpoint(store, initialSyncCheckpointName('crash')))?.finishedAt).toEqual(expect.any(Number));
	});

	it('a record waiting for a parent on a later page is journaled before the checkpoint passes it: a crash cannot lose it', async () => {
		const create = (account: string, invoice?: string) =>
			fo.create('CustomersV3', {
				dataAreaId: 'usmf',
				CustomerAccount: account,
				OrganizationName: `Invoice ${account}`,
				PartyType: 'Organization',
				CustomerGroupId: '10',
				SalesCurrencyCode: 'USD',
				...(invoice ? { InvoiceAccount: invoice } : {}),
			});
		// In key order the child comes first, its invoice account (the parent) on the next page.
		await create('ZZB-PARENT');
		await create('ZZA-CHILD', 'ZZB-PARENT');
		const compiled = entry(CUSTOMERS).compiled;
		const start = { dataAreaId: 'usmf', CustomerAccount: 'ZZ' };
		const child = { dataAreaId: 'usmf', CustomerAccount: 'ZZA-CHILD' };
		const options = { store, target: dv, compiled, direction: 'fo->dataverse' as const, runId: 'parent-later', pageSize: 1 };
		await expect(syncMap({ ...options, source: crashingAfter(fo, 1), after: start })).rejects.toThrow('simulated crash');
		const journaled = (await store.list({ map: CUSTOMERS, key: child, status: ['pending'], limit: 10 })).items;
		expect(journaled).toEqual([expect.objectContaining({ error: expect.objectContaining({ class: 'missing-reference' }), source: expect.objectContaining({ eventId: expect.stringMatching(/^initial-sync:parent-later:/) }) })]);
		// The resumed run writes the parent; the child is live sync's (the pending change above), not lost.
		const resumed = await syncMap({ ...options, source: fo, after: child });
		expect(resumed.created).toBe(1);

		// Without a crash, the end of the map writes the child once its parent is there.
		await create('ZZD-PARENT');
		await create('ZZC-CHILD', 'ZZD-PARENT');
		const whole = await syncMap({ ...options, runId: 'parent-later-2', source: fo, after: { dataAreaId: 'usmf', CustomerAccount: 'ZZC' } });
		expect({ created: whole.created, failed: whole.failed }).toEqual({ created: 2, failed: 0 });
		const account = await dv.get('accounts', { accountnumber: 'ZZC-CHILD', 'msdyn_company.cdm_companycode': 'usmf' }, { select: ['name'], expand: [{ navigation: 'msdyn_billingaccount', select: ['accountnumber'] }] });
		expect(account?.msdyn_billingaccount).toMatchObject({ accountnumber: 'ZZD-PARENT' });
	});

	it('an unfinished run is not resumed with other maps: the error says how to go on', async () => {
		await expect(
			runInitialSync({ store, connectors: { fo: crashingAfter(fo, 0), dataverse: dv }, maps: [entry(CUSTOMERS)], run: 'mixed', pageSize: 20 }),
		).rejects.toThrow('simulated crash');
		await expect(runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(GROUPS)], run: 'mixed' })).rejects.toThrow(
			/unfinished for other maps \(customers-v3-accounts fo->dataverse\).*Restart/,
		);
		const restarted = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(GROUPS)], run: 'mixed', restart: true });
		expect(restarted.resumed).toBe(false);
	});

	it("keyset checkpoints escape key values: resuming after O'Brien reads the rows after it, and an injection reads nothing more", async () => {
		const entity = await fo.describe('CustomersV3');
		expect(afterKey(entity, { dataAreaId: 'usmf', CustomerAccount: "O'Brien" }).text).toBe(
			"dataAreaId gt 'usmf' or (dataAreaId eq 'usmf' and CustomerAccount gt 'O''Brien')",
		);
		const rows: string[] = [];
		for await (const page of fo.readPages('CustomersV3', {
			crossCompany: true,
			filter: afterKey(entity, { dataAreaId: 'usmf', CustomerAccount: "' or 1 eq 1 or 'a' eq '" }).text,
			select: ['dataAreaId', 'CustomerAccount'],
		})) {
			rows.push(...page.map((row) => `${String(row.dataAreaId)}/${String(row.CustomerAccount)}`));
		}
		expect(rows.length).toBeGreaterThan(0);
		expect(rows.every((row) => row > "usmf/' or 1 eq 1 or 'a' eq '" || !row.startsWith('usmf/'))).toBe(true);
	});

	it('live sync wins over the snapshot: a record live sync synced after the page was read keeps its newer values', async () => {
		const [first] = (await fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'], orderBy: [{ field: 'dataAreaId' }, { field: 'CustomerAccount' }], limit: 1 }).next()).value ?? [];
		const key = { dataAreaId: 'usmf', CustomerAccount: String(first.CustomerAccount) };
		const compiled = entry(CUSTOMERS).compiled;
		await fo.update('CustomersV3', key, { SalesMemo: 'snapshot value' });
		let raced = false;
		// The moment the initial sync reads this record's target, live sync has just synced a newer F&O edit of it.
		const racing = new Proxy(dv, {
			get(target, property, receiver) {
				if (property !== 'get') return Reflect.get(target, property, receiver) as unknown;
				return async (...args: Parameters<Connector['get']>) => {
					const [, wanted] = args;
					if (!raced && wanted.accountnumber === key.CustomerAccount) {
						raced = true;
						await fo.update('CustomersV3', key, { SalesMemo: 'live value' });
						await store.append([{ map: CUSTOMERS, direction: 'fo->dataverse', change: 'update', source: { entity: 'CustomersV3', key, eventId: 'race-1' } }]);
						await runCycle({
							store,
							source: fo,
							compiled,
							direction: 'fo->dataverse',
							batchSize: 10,
							leaseMs: 60_000,
							emit: async (items) => {
								const mapped = items.map((item) => mapStep(compiled, 'fo->dataverse', item)).filter((step) => step.output === 'mapped');
								await writeLive({ store, connector: dv, compiled }, mapped.map((step) => step.json as EnvelopedItem));
								return { ok: true };
							},
						});
					}
					return await target.get(...args);
				};
			},
		});
		const report = await runInitialSync({ store, connectors: { fo, dataverse: racing }, maps: [entry(CUSTOMERS)], run: 'race', pageSize: 20 });
		expect(raced).toBe(true);
		expect(report.maps[0].stale).toBe(1);
		const account = await dv.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': 'usmf' }, { select: ['description'] });
		expect(account?.description).toBe('live value');
		// The record is journaled again for live sync, which reads it fresh.
		const refresh = (await store.list({ map: CUSTOMERS, key, status: ['pending'], limit: 10 })).items;
		expect(refresh.map((item) => item.source.eventId)).toEqual([expect.stringMatching(/^refresh:/)]);
	});

	it('stops, resumable, when the target refuses the credentials or is down, instead of journaling every record as failed', async () => {
		const refused = createConnector('dataverse', {
			environmentUrl: emulators.dataverse.url,
			transport: authenticated(createAxiosTransport(), async () => 'not-a-token'),
		});
		const failedBefore = (await store.counts(CUSTOMERS)).failed;
		await expect(runInitialSync({ store, connectors: { fo, dataverse: refused }, maps: [entry(CUSTOMERS)], run: 'refused', pageSize: 20 })).rejects.toThrow(
			/^Dataverse refused the credentials: .*401.*Fix the credential and run again/,
		);
		expect((await store.counts(CUSTOMERS)).failed).toBe(failedBefore);
		const activity = await store.listActivity({ map: CUSTOMERS, limit: 2 });
		expect(activity.items.map((item) => item.event)).toEqual(['state-changed', 'initial-sync-failed']);
		expect(activity.items[1]).toMatchObject({ detail: { run: 'refused', resumable: true } });
		expect((await store.getMapState(CUSTOMERS))?.detail).toMatch(/^initial sync stopped: Dataverse refused the credentials/);

		const quick = createConnector('dataverse', {
			environmentUrl: emulators.dataverse.url,
			transport: emulators.dataverse.transport,
			retry: { maxAttempts: 1 },
		});
		await emulators.dataverse.admin('POST', '/_emulator/faults', { outageForSec: 60 });
		try {
			await expect(runInitialSync({ store, connectors: { fo, dataverse: quick }, maps: [entry(CUSTOMERS)], run: 'outage', pageSize: 20 })).rejects.toThrow(
				/^Dataverse is unavailable \(every record of a page failed: .*\)\. Run again once it is back/,
			);
		} finally {
			await emulators.dataverse.admin('POST', '/_emulator/faults/reset');
		}
		const resumed = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(CUSTOMERS)], run: 'outage', pageSize: 20 });
		expect(resumed.resumed).toBe(true);
		expect(resumed.maps[0].failed).toBe(0);
	});

	it('Dataverse as the master side: accounts created in Dataverse are copied to F&O, paging by the primary id', async () => {
		// The customer group the core maps' run synced (F&O requires one on every customer).
		const groups = [];
		for await (const page of dv.readPages('msdyn_customergroups', {
			filter: "msdyn_groupid eq '10'",
			select: ['msdyn_customergroupid'],
			expand: [{ navigation: 'msdyn_company', select: ['cdm_companycode'] }],
		}))
			groups.push(...page);
		const group = groups.find((row) => (row.msdyn_company as { cdm_companycode?: string } | null)?.cdm_companycode === 'usmf');
		expect(group).toBeDefined();
		const created: string[] = [];
		for (let i = 0; i < 12; i++) {
			const account = `DVM-${String(i).padStart(2, '0')}`;
			await dv.create('accounts', {
				accountnumber: account,
				name: `Dataverse master ${i}`,
				customertypecode: 3,
				'msdyn_company@odata.bind': "/cdm_companies(cdm_companycode='usmf')",
				'msdyn_customergroupid@odata.bind': `/msdyn_customergroups(${String(group?.msdyn_customergroupid)})`,
			});
			created.push(account);
		}
		const report = await runInitialSync({ store, connectors: { fo, dataverse: dv }, maps: [entry(CUSTOMERS, 'dataverse->fo')], run: 'dv-master', pageSize: 5 });
		// The seed's Dataverse-only accounts have no customer group, which F&O requires: each is reported and journaled,
		// and the run goes on.
		const failed = report.maps[0].samples.filter((sample) => sample.outcome === 'failed');
		expect(failed.length).toBe(report.maps[0].failed);
		for (const sample of failed) expect(sample.detail).toMatch(/CustomerAccount='C-\d+'.*Field 'Customer group' must be filled in/);
		const journaled = await store.list({ map: CUSTOMERS, status: ['failed'], limit: 100 });
		expect(journaled.items.filter((item) => item.direction === 'dataverse->fo').map((item) => item.error?.class)).toEqual(failed.map(() => 'validation'));
		expect(report.maps[0].created).toBe(12);
		for (const account of created)
			expect((await fo.get('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: account }))?.OrganizationName).toMatch(/^Dataverse master/);
	});
});
