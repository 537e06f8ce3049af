/**
 * Live sync through lib/ alone (no n8n), over real HTTP to both emulators: changes are journaled as a capture would
 * journal them, a cycle claims them, the batch goes through the Map step and the live upsert, and the tests read
 * both systems back. The end-to-end tests run the same path inside n8n.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector, type Connector } from '../../../lib/connectors';
import { catalogMap, compileMap, type CompiledMap, type SyncDirection } from '../../../lib/maps';
import { openSqliteStateStore, type NewChange, type StateStore } from '../../../lib/state';
import { failureSamples, mapStep, runCycle, syncMap, writeLive, type Capture, type EnvelopedItem } from '../../../lib/sync';
import { pollDataverseChanges, pollFoWatermark } from '../../../lib/sync/capture';
import { startEmulators, type Emulators } from '../../support/emulators';
import { CORE_MAPS } from '../../../scripts/initialCopy';

const MAP = 'customers-v3-accounts';
/** What customers V3 -> accounts looks up, in dependency order (the demo's core maps). */
const PREREQUISITES = CORE_MAPS.filter((id) => id !== MAP);

let emulators: Emulators;
let fo: Connector;
let dv: Connector;
let store: StateStore;
let dir: string;
let compiled: CompiledMap;

const compile = (id: string) => compileMap(catalogMap(id) ?? (() => { throw new Error(`no map ${id}`); })());

/** One cycle of a direction; the "execution" is the Map step plus the live upsert, as the template wires them. */
async function cycle(direction: SyncDirection, capture?: Capture) {
	const source = direction === 'fo->dataverse' ? fo : dv;
	const target = direction === 'fo->dataverse' ? dv : fo;
	const emitted: EnvelopedItem[][] = [];
	const result = await runCycle({
		store,
		source,
		compiled,
		direction,
		batchSize: 100,
		leaseMs: 60_000,
		capture,
		emit: async (items) => {
			emitted.push(items);
			const mapped = items.map((item) => mapStep(compiled, direction, item)).filter((step) => step.output === 'mapped');
			await writeLive({ store, connector: target, compiled }, mapped.map((step) => step.json as EnvelopedItem));
			return { ok: true };
		},
	});
	return { ...result, emitted };
}

/** The initial sync of one map F&O -> Dataverse (lib's engine, without a checkpoint). */
const copy = (map: CompiledMap) => syncMap({ store, source: fo, target: dv, compiled: map, direction: 'fo->dataverse', runId: 'test' });

let eventCounter = 0;
async function journal(direction: SyncDirection, key: Record<string, string>, change: NewChange['change'] = 'update') {
	const entity = direction === 'fo->dataverse' ? 'CustomersV3' : 'accounts';
	await store.append([{ map: MAP, direction, change, source: { entity, key, eventId: `test-${++eventCounter}` } }]);
}

/** Two organisations of the F&O seed (the map syncs organisations only), found in beforeAll. */
let FO_KEY: { dataAreaId: string; CustomerAccount: string };
let OTHER_KEY: { dataAreaId: string; CustomerAccount: string };

async function dvAccount() {
	const row = await dv.get('accounts', { accountnumber: FO_KEY.CustomerAccount, 'msdyn_company.cdm_companycode': 'usmf' }, { select: ['accountid', 'name', 'description', 'creditlimit'] });
	if (!row) throw new Error(`account ${FO_KEY.CustomerAccount} is missing in Dataverse`);
	return row as { accountid: string; name: string; description: string | null; creditlimit: number | null };
}

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 3 } });
	fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
	// Few, short retries: the outage test wants the failure journaled, not waited out inside the connector.
	dv = createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: emulators.dataverse.transport, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 } });
	dir = mkdtempSync(join(tmpdir(), 'dw-live-'));
	// Short backoff: the outage test waits for the automatic retry.
	store = await openSqliteStateStore({ file: join(dir, 'state.sqlite'), backoff: { baseMs: 50, jitter: 0 } });
	for (const id of PREREQUISITES) {
		const report = await copy(compile(id));
		expect({ id, failed: failureSamples(report) }).toEqual({ id, failed: [] });
	}
	const organisations: Array<Record<string, unknown>> = [];
	for await (const page of fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['dataAreaId', 'CustomerAccount'] })) organisations.push(...page);
	[FO_KEY, OTHER_KEY] = organisations.map((r) => ({ dataAreaId: 'usmf', CustomerAccount: String(r.CustomerAccount) }));
	compiled = compile(MAP);
	const report = await copy(compiled);
	expect(failureSamples(report)).toEqual([]);
	expect(report.created).toBeGreaterThan(0);
});

afterAll(async () => {
	await store?.close();
	await emulators?.close();
	rmSync(dir, { recursive: true, force: true });
});

describe('live sync through the journal', () => {
	it('the initial copy linked the records: a second copy writes nothing', async () => {
		const report = await copy(compiled);
		expect(report.created + report.updated).toBe(0);
		expect(report.unchanged).toBeGreaterThan(0);
		const account = await dvAccount();
		expect((await store.getLedger(MAP, 'fo', FO_KEY))?.counterpartKey).toEqual({ accountid: account.accountid });
	});

	it('an F&O edit reaches Dataverse, and its echo does not come back', async () => {
		await fo.update('CustomersV3', FO_KEY, { SalesMemo: 'Edited in F&O' });
		await journal('fo->dataverse', FO_KEY);
		const forward = await cycle('fo->dataverse');
		expect(forward.emitted.flat()).toHaveLength(1);
		expect((await dvAccount()).description).toBe('Edited in F&O');

		// Dataverse reports our write as a change of the account: the ledger knows it as our echo.
		await journal('dataverse->fo', { accountid: (await dvAccount()).accountid });
		const back = await cycle('dataverse->fo');
		expect(back.emitted).toHaveLength(0);
		const entries = await store.list({ map: MAP, order: 'desc', limit: 1 });
		expect(entries.items[0]).toMatchObject({ status: 'skipped', decision: 'echo' });
	});

	it('a Dataverse edit reaches F&O', async () => {
		const account = await dvAccount();
		await dv.update('accounts', { accountid: account.accountid }, { name: 'Renamed in Dataverse' });
		await journal('dataverse->fo', { accountid: account.accountid });
		const back = await cycle('dataverse->fo');
		expect(back.emitted.flat()).toHaveLength(1);
		expect((await fo.get('CustomersV3', FO_KEY))?.OrganizationName).toBe('Renamed in Dataverse');
	});

	it('edits of different fields on both sides at once both survive', async () => {
		const account = await dvAccount();
		await fo.update('CustomersV3', FO_KEY, { SalesMemo: 'memo from F&O' });
		await dv.update('accounts', { accountid: account.accountid }, { name: 'name from Dataverse' });
		await journal('fo->dataverse', FO_KEY);
		await journal('dataverse->fo', { accountid: account.accountid });
		await cycle('fo->dataverse');
		await cycle('dataverse->fo');
		// Settle whatever convergence changes the merge journaled.
		await cycle('fo->dataverse');
		await cycle('dataverse->fo');
		const foRecord = await fo.get('CustomersV3', FO_KEY);
		const dvRecord = await dvAccount();
		expect({ fo: foRecord?.OrganizationName, dv: dvRecord.name }).toEqual({ fo: 'name from Dataverse', dv: 'name from Dataverse' });
		expect({ fo: foRecord?.SalesMemo, dv: dvRecord.description }).toEqual({ fo: 'memo from F&O', dv: 'memo from F&O' });
	});

	it('the same field edited on both sides converges to the primary side (F&O) and the conflict is logged', async () => {
		const account = await dvAccount();
		await fo.update('CustomersV3', FO_KEY, { SalesMemo: 'F&O wins' });
		await dv.update('accounts', { accountid: account.accountid }, { description: 'Dataverse loses' });
		await journal('dataverse->fo', { accountid: account.accountid });
		await journal('fo->dataverse', FO_KEY);
		for (let round = 0; round < 3; round++) {
			await cycle('dataverse->fo');
			await cycle('fo->dataverse');
		}
		expect((await fo.get('CustomersV3', FO_KEY))?.SalesMemo).toBe('F&O wins');
		expect((await dvAccount()).description).toBe('F&O wins');
		const activity = await store.listActivity({ map: MAP });
		const conflict = activity.items.find((entry) => entry.event === 'conflict');
		expect(conflict?.detail).toMatchObject({ conflicts: [expect.objectContaining({ field: expect.any(String), winner: 'fo' })] });
	});

	it('a failed write is journaled with the server error and succeeds on a later attempt', async () => {
		await fo.update('CustomersV3', FO_KEY, { SalesMemo: 'while Dataverse is down' });
		await journal('fo->dataverse', FO_KEY);
		await emulators.dataverse.admin('POST', '/_emulator/faults', { outageUntil: Date.now() + 600_000 });
		try {
			await cycle('fo->dataverse');
		} finally {
			await emulators.dataverse.admin('POST', '/_emulator/faults/reset');
		}
		const [latest] = (await store.list({ map: MAP, limit: 1 })).items;
		// Transient: back to pending for another attempt after the backoff, with the server's answer kept.
		expect(latest).toMatchObject({ status: 'pending', attempts: 1, error: { class: 'transient', status: 503 } });
		await new Promise((resolve) => setTimeout(resolve, 100));
		await cycle('fo->dataverse');
		expect((await store.get(latest.id))?.status).toBe('done');
		expect((await dvAccount()).description).toBe('while Dataverse is down');
	});

	it('an account created in Dataverse is created in F&O; what F&O filled in comes back once, then nothing more', async () => {
		const created = await dv.create(
			'accounts',
			{ accountnumber: 'DV-NEW-1', name: 'Created in Dataverse', customertypecode: 3 },
			{
				lookups: {
					msdyn_company: { entity: 'cdm_companies', key: { cdm_companycode: 'usmf' } },
					msdyn_customergroupid: { entity: 'msdyn_customergroups', key: { msdyn_groupid: '10', 'msdyn_company.cdm_companycode': 'usmf' } },
					transactioncurrencyid: { entity: 'transactioncurrencies', key: { isocurrencycode: 'USD' } },
				},
			},
		);
		await journal('dataverse->fo', { accountid: String(created.id) }, 'create');
		await cycle('dataverse->fo');
		const [latest] = (await store.list({ map: MAP, limit: 1 })).items;
		expect({ status: latest.status, error: latest.error?.message }).toEqual({ status: 'done', error: undefined });
		const record = await fo.get('CustomersV3', { dataAreaId: 'usmf', CustomerAccount: 'DV-NEW-1' });
		expect(record).toMatchObject({ OrganizationName: 'Created in Dataverse', CustomerGroupId: '10', SalesCurrencyCode: 'USD' });
		// F&O numbered the party: its change carries that to Dataverse (one write), and Dataverse's event of that
		// write is our echo.
		await journal('fo->dataverse', { dataAreaId: 'usmf', CustomerAccount: 'DV-NEW-1' });
		await cycle('fo->dataverse');
		const account = await dv.get('accounts', { accountid: String(created.id) });
		expect(account?.msdyn_partynumber).toBe(record?.PartyNumber);
		await journal('dataverse->fo', { accountid: String(created.id) });
		expect((await cycle('dataverse->fo')).emitted).toHaveLength(0);
	});

	it('a delete in Dataverse deletes the linked F&O record; its echo is recognised', async () => {
		const key = OTHER_KEY;
		const linked = await store.getLedger(MAP, 'fo', key);
		expect(linked?.counterpartKey).toBeDefined();
		const accountid = String(linked?.counterpartKey?.accountid);
		await dv.delete('accounts', { accountid });
		await journal('dataverse->fo', { accountid }, 'delete');
		await cycle('dataverse->fo');
		expect(await fo.get('CustomersV3', key)).toBeUndefined();
		await journal('fo->dataverse', key, 'delete');
		const back = await cycle('fo->dataverse');
		expect(back.emitted).toHaveLength(0);
	});
});

describe('live sync with polling capture under random edits', () => {
	it('200 random edits on both sides, captured by polling and drained by both directions at once, converge with every last edit', async () => {
		const captureFo: Capture = (cursor) => pollFoWatermark(fo, { entity: 'CustomersV3' }, cursor);
		const captureDv: Capture = (cursor) => pollDataverseChanges(dv, { entity: 'accounts' }, cursor);
		// Baselines.
		await cycle('fo->dataverse', captureFo);
		await cycle('dataverse->fo', captureDv);
		const keys: Array<{ dataAreaId: string; CustomerAccount: string }> = [];
		for await (const page of fo.readPages('CustomersV3', { crossCompany: true, filter: "PartyType eq 'Organization'", select: ['dataAreaId', 'CustomerAccount'] })) {
			keys.push(...page.map((r) => ({ dataAreaId: String(r.dataAreaId), CustomerAccount: String(r.CustomerAccount) })));
		}
		const records = keys.filter((k) => k.CustomerAccount !== OTHER_KEY.CustomerAccount).slice(0, 6);
		const ids = new Map<string, string>();
		for (const key of records) {
			const row = await dv.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId }, { select: ['accountid'] });
			ids.set(key.dataAreaId + key.CustomerAccount, String(row?.accountid));
		}
		const last = new Map<string, { memo?: string; name?: string }>();
		let seed = 7;
		const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		// Edits in bursts of 5 at once while both directions' loops run concurrently, as two n8n executions would.
		let editing = true;
		const loop = async (direction: SyncDirection, capture: Capture) => {
			while (editing) {
				await cycle(direction, capture);
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
		};
		const loops = [loop('fo->dataverse', captureFo), loop('dataverse->fo', captureDv)];
		for (let n = 0; n < 200; n += 5) {
			await Promise.all(
				[0, 1, 2, 3, 4].map(async (offset) => {
					const key = records[Math.floor(random() * records.length)];
					const id = key.dataAreaId + key.CustomerAccount;
					const want = last.get(id) ?? {};
					last.set(id, want);
					if (random() < 0.5) await fo.update('CustomersV3', key, { SalesMemo: (want.memo = `memo ${n + offset}`) });
					else await dv.update('accounts', { accountid: ids.get(id) as string }, { name: (want.name = `name ${n + offset}`) });
				}),
			);
			await new Promise((resolve) => setTimeout(resolve, 30));
		}
		editing = false;
		await Promise.all(loops);
		const differences = async () => {
			const out: string[] = [];
			for (const key of records) {
				const want = last.get(key.dataAreaId + key.CustomerAccount);
				if (!want) continue;
				const c = await fo.get('CustomersV3', key);
				const a = await dv.get('accounts', { accountid: ids.get(key.dataAreaId + key.CustomerAccount) as string });
				if (want.memo !== undefined && (c?.SalesMemo !== want.memo || a?.description !== want.memo)) out.push(`${key.CustomerAccount} memo want ${want.memo} fo ${String(c?.SalesMemo)} dv ${String(a?.description)}`);
				if (want.name !== undefined && (c?.OrganizationName !== want.name || a?.name !== want.name)) out.push(`${key.CustomerAccount} name want ${want.name} fo ${String(c?.OrganizationName)} dv ${String(a?.name)}`);
			}
			return out;
		};
		for (let round = 0; round < 8 && (await differences()).length > 0; round++) {
			await new Promise((resolve) => setTimeout(resolve, 1_100));
			await cycle('fo->dataverse', captureFo);
			await cycle('dataverse->fo', captureDv);
		}
		const activity = (await store.listActivity({ map: MAP, limit: 5 })).items.map((a) => JSON.stringify(a.detail));
		expect({ differences: await differences(), activity: (await differences()).length ? activity : [] }).toEqual({ differences: [], activity: [] });
		expect((await store.list({ map: MAP, status: 'failed' })).items).toEqual([]);
	}, 120_000);
});
