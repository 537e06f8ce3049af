import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulators, type RunningEmulators } from '../../emulators';
import { COMPANIES, generateCustomers } from '../../emulators/common/world';
import { catalogMap, dependencyOrder, type MapDefinition } from '../../lib/maps';
import { defaultStateFile, openSqliteStateStore, type StateStore } from '../../lib/state';
import { initialSyncCheckpointName, readCheckpoint, type InitialSyncCheckpoint, type MapSyncReport } from '../../lib/sync';
import { DEMO_CREDENTIALS, emulatorCredential, emulatorCredentials } from '../../scripts/emulatorCredentials';
import { stableUuid, TEMPLATES_DIR } from '../../scripts/generate-templates';
import { startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n/instance';

/**
 * The control plane's initial sync in a real n8n (the Dual-Write node, resource Initial Sync), against the emulators.
 *
 * 1. The template "Dual-Write: initial sync (core maps)" (templates/admin/initial-sync-core-maps.json) as shipped, its
 *    Manual Trigger swapped for a Webhook node (a Manual Trigger cannot be started over HTTP while the server runs),
 *    against a small world: the dry run reports per map in dependency order and writes nothing, the run creates every
 *    F&O record of the core maps in Dataverse (checked over HTTP), a second run writes nothing.
 * 2. Crash and resume: a second, large world (BIG_PER_COMPANY customers per company, 70 % of them organisations, the
 *    only ones customers-v3-accounts syncs: ~50,000 accounts to write) synced by the same Initial Sync node; once its
 *    checkpoint (`initial-sync:<run>` in the state file's cursors) shows 20-60 % of the customers read, n8n is killed
 *    with SIGKILL, restarted, and the same workflow runs again: it resumes, every organisation ends in Dataverse
 *    exactly once, and what was written before the crash is not written again.
 *
 * Writes are counted where they land: the Dataverse emulator (in this process) keeps a per-table change log
 * (`TableStore.log`, one entry per create, update and delete, taken back when a change set rolls back), so its
 * length is the number of writes that reached the table; no emulator change was needed for the count.
 *
 * Run time: 7-14 min at the default size on a busy 2-core machine, where n8n wrote 90-150 records/s; with
 * DW_INITIAL_SYNC_PER_COMPANY=3000 (6,254 organisations) ~3 min.
 *
 * The two worlds share one n8n and one state file (two credentials each). Their customer keys overlap (US-000001 is
 * in both), so the large world's run finds ledger entries of the small one's first customers; those accounts do not
 * exist in the large Dataverse, so they are created like every other (the counts below hold exactly).
 */
const CUSTOMERS = 'customers-v3-accounts';
const GROUPS = 'customer-groups-msdyn-customergroups';
const LEGAL_ENTITIES = 'legal-entities-cdm-companies';
const SMALL_PER_COMPANY = 8;
/** 3 companies x 24,000 customers = 72,000, of which ~50,400 organisations. DW_INITIAL_SYNC_PER_COMPANY overrides. */
const BIG_PER_COMPANY = Number(process.env.DW_INITIAL_SYNC_PER_COMPANY ?? 24_000);
/** The organisations among them (the world is deterministic): the records customers-v3-accounts writes. */
const BIG_ORGANISATIONS = COMPANIES.reduce((sum, company) => sum + [...generateCustomers(company, BIG_PER_COMPANY)].filter((c) => c.partyType === 'Organization').length, 0);
const CRASH_RUN = 'crash-resume';
/** Waits give up below this throughput (n8n wrote 70-110 records/s on a busy 2-core machine). */
const SLOWEST_RECORDS_PER_S = 40;
const KILL_WITHIN_MS = 60_000 + ((BIG_ORGANISATIONS * 0.6) / SLOWEST_RECORDS_PER_S) * 1000;
const RESUME_WITHIN_MS = 60_000 + (BIG_ORGANISATIONS / SLOWEST_RECORDS_PER_S) * 1000;
/** The node's default Page Size (source records per page and checkpoint). */
const PAGE_SIZE = 1000;
const WEBHOOK = { reportOnly: 'dw-initial-report', template: 'dw-initial-template', crash: 'dw-initial-crash', progress: 'dw-initial-progress' } as const;
const BIG_CREDENTIALS = { fo: { id: 'dwE2eBigFoCred', name: 'F&O (large world)' }, dataverse: { id: 'dwE2eBigDvCred', name: 'Dataverse (large world)' } };

type Json = Record<string, unknown>;
/** One item of Initial Sync > Run: the map's report and the run's fields (nodes/DualWrite/actions/initialSync/run.operation.ts). */
type MapItem = MapSyncReport & { run: string; resumed: boolean; cycles: string[][] };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const template = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, 'admin/initial-sync-core-maps.json'), 'utf8')) as WorkflowJson;
type Node = { name: string; type: string; parameters: Json; credentials?: Json; [key: string]: unknown };
const templateNodes = template.nodes as Node[];
const templateNode = (name: string) => templateNodes.find((node) => node.name === name) as Node;

function webhook(id: string, webhookPath: string, responseMode: 'lastNode' | 'onReceived') {
	return {
		id: stableUuid('e2e', 'initial-sync', id),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: stableUuid('e2e', 'initial-sync', id, 'webhook'),
		parameters: { httpMethod: 'POST', path: webhookPath, responseMode, ...(responseMode === 'lastNode' ? { responseData: 'allEntries' } : {}), options: {} },
	};
}

/** The template with its Manual Trigger replaced by a Webhook answering with the last node's items; everything else as shipped. */
function templateWorkflow(id: string, webhookPath: string, keep: (node: Node) => boolean): WorkflowJson {
	const trigger = templateNodes.find((node) => node.type === 'n8n-nodes-base.manualTrigger') as Node;
	const nodes = templateNodes.filter((node) => node !== trigger && keep(node));
	const connections = Object.fromEntries(
		Object.entries(template.connections as Record<string, { main: Array<Array<{ node: string }>> }>)
			.filter(([from]) => from === trigger.name || nodes.some((node) => node.name === from))
			.map(([from, value]) => [from === trigger.name ? 'Webhook' : from, { main: value.main.map((outputs) => outputs.filter((to) => nodes.some((node) => node.name === to.node))) }]),
	);
	return { ...template, id, name: `e2e: ${template.name} (${webhookPath})`, nodes: [webhook(id, webhookPath, 'lastNode'), ...nodes], connections };
}

/** Webhook (answers at once) -> the template's Initial Sync node against the large world, under its own run name. */
function crashWorkflow(): WorkflowJson {
	const sync = templateNode('Initial Sync');
	const node = {
		...sync,
		parameters: { ...sync.parameters, runName: CRASH_RUN },
		credentials: { [DEMO_CREDENTIALS.fo.type]: BIG_CREDENTIALS.fo, [DEMO_CREDENTIALS.dataverse.type]: BIG_CREDENTIALS.dataverse },
		position: [260, 0],
	};
	return {
		id: 'dwE2eInitialCrash',
		name: 'e2e: initial sync, large world (crash and resume)',
		nodes: [webhook('crash', WEBHOOK.crash, 'onReceived'), node],
		connections: { Webhook: { main: [[{ node: sync.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** Webhook -> Dual-Write Initial Sync > Get Progress of the crash run. */
function progressWorkflow(): WorkflowJson {
	return {
		id: 'dwE2eInitialProgres',
		name: 'e2e: initial sync progress',
		nodes: [
			webhook('progress', WEBHOOK.progress, 'lastNode'),
			{
				id: stableUuid('e2e', 'initial-sync', 'progress-node'),
				name: 'Get Progress',
				type: 'n8n-nodes-dual-write.dualWrite',
				typeVersion: 1,
				position: [260, 0],
				parameters: { resource: 'initialSync', operation: 'getProgress', runName: CRASH_RUN },
			},
		],
		connections: { Webhook: { main: [[{ node: 'Get Progress', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** Every write that reached the Dataverse emulator's tables (creates, updates, deletes), and the rows there are. */
function dataverseWrites(emulators: RunningEmulators, table?: string): { writes: number; rows: number } {
	const tables = [...emulators.dataverse.emulator.engine.store.tables.entries()].filter(([name]) => table === undefined || name === table);
	return tables.reduce((sum, [, store]) => ({ writes: sum.writes + store.log.length, rows: sum.rows + store.rows.size }), { writes: 0, rows: 0 });
}

async function token(emulators: RunningEmulators, resource: string): Promise<string> {
	const response = await fetch(emulators.token.tokenUrl, {
		method: 'POST',
		body: new URLSearchParams({ grant_type: 'client_credentials', client_id: emulators.userApp.clientId, client_secret: emulators.userApp.clientSecret, scope: `${resource}/.default` }),
	});
	return ((await response.json()) as { access_token: string }).access_token;
}

/** Every row of a collection over HTTP as a person's app would read it, following nextLink. */
async function readAll(emulators: RunningEmulators, system: 'fo' | 'dataverse', query: string): Promise<Json[]> {
	const base = system === 'fo' ? emulators.fo.url : emulators.dataverse.url;
	const bearer = await token(emulators, base);
	const rows: Json[] = [];
	for (let next: string | undefined = `${base}${system === 'fo' ? '/data/' : '/api/data/v9.2/'}${query}`; next; ) {
		const response = await fetch(next, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', prefer: 'odata.maxpagesize=5000' } });
		if (response.status !== 200) throw new Error(`GET ${next} -> ${response.status} ${await response.text()}`);
		const body = (await response.json()) as { value: Json[]; '@odata.nextLink'?: string };
		rows.push(...body.value);
		next = body['@odata.nextLink'];
	}
	return rows;
}

/** Accounts by `<company code>/<account number>`, with how many rows each key has. */
async function accountsByKey(emulators: RunningEmulators): Promise<Map<string, Json[]>> {
	const companies = new Map((await readAll(emulators, 'dataverse', 'cdm_companies?$select=cdm_companyid,cdm_companycode')).map((c) => [c.cdm_companyid, String(c.cdm_companycode).toLowerCase()]));
	const accounts = await readAll(
		emulators,
		'dataverse',
		'accounts?$select=accountnumber,name,creditlimit,emailaddress1,_msdyn_company_value,_msdyn_customergroupid_value,_transactioncurrencyid_value,customertypecode',
	);
	const byKey = new Map<string, Json[]>();
	for (const account of accounts) {
		const key = `${companies.get(account._msdyn_company_value) ?? '?'}/${String(account.accountnumber)}`;
		byKey.set(key, [...(byKey.get(key) ?? []), account]);
	}
	return byKey;
}

async function organisations(emulators: RunningEmulators): Promise<Json[]> {
	return await readAll(
		emulators,
		'fo',
		"CustomersV3?cross-company=true&$filter=PartyType eq 'Organization'&$select=dataAreaId,CustomerAccount,OrganizationName,CreditLimit,PrimaryContactEmail,CustomerGroupId,SalesCurrencyCode,InvoiceAccount",
	);
}

describe('real n8n: initial sync through the Dual-Write node', () => {
	let small: RunningEmulators;
	let big: RunningEmulators;
	let n8n: N8nInstance;
	let store: StateStore;
	const reportOnly = templateWorkflow('dwE2eInitialReport', WEBHOOK.reportOnly, (node) => node.name !== 'Initial Sync');
	const full = templateWorkflow('dwE2eInitialTempl', WEBHOOK.template, () => true);
	const crash = crashWorkflow();
	const progress = progressWorkflow();
	// The maps as the template's node lists them (ties in the dependency order follow that list).
	const plan = dependencyOrder((templateNode('Initial Sync').parameters.maps as string[]).map((id) => catalogMap(id) as MapDefinition));
	const order = plan.order;
	/** Every lookup's map ran before the map that looks it up. */
	const inDependencyOrder = (ran: string[]) => plan.edges.filter((edge) => ran.indexOf(edge.dependsOn) > ran.indexOf(edge.map)).map((edge) => `${edge.map} before ${edge.dependsOn}`);

	const call = async (webhookPath: string): Promise<unknown> => {
		const response = await fetch(`${n8n.url}/webhook/${webhookPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		const text = await response.text();
		if (!response.ok) throw new Error(`webhook ${webhookPath} -> ${response.status} ${text}\n${n8n.log.slice(-3000)}`);
		return text ? (JSON.parse(text) as unknown) : undefined;
	};
	/** The items a node put out in an execution (the public API's execution data). */
	const nodeItems = (execution: { data?: unknown }, node: string): MapItem[] => {
		const runData = (execution.data as { resultData?: { runData?: Record<string, Array<{ data?: { main?: Array<Array<{ json: MapItem }>> } }>> } })?.resultData?.runData;
		return (runData?.[node]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);
	};
	const checkpoint = async (): Promise<InitialSyncCheckpoint | undefined> => await readCheckpoint(store, initialSyncCheckpointName(CRASH_RUN));

	beforeAll(async () => {
		[small, big] = await Promise.all([
			startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: SMALL_PER_COMPANY } }),
			startEmulators({ ports: { token: 0, fo: 0, dataverse: 0 }, seed: { customersPerCompany: BIG_PER_COMPANY } }),
		]);
		const workflows = [reportOnly, full, crash, progress];
		n8n = await startN8n({
			credentials: [...emulatorCredentials(small), emulatorCredential(big, 'fo', BIG_CREDENTIALS.fo), emulatorCredential(big, 'dataverse', BIG_CREDENTIALS.dataverse)],
			workflows,
			publish: workflows.map((workflow) => workflow.id),
			keep: process.env.DW_KEEP === '1',
		});
		for (const webhookPath of Object.values(WEBHOOK)) await n8n.waitForWebhook(webhookPath);
		store = await openSqliteStateStore({ file: defaultStateFile(n8n.userFolder) });
	}, 600_000);

	afterAll(async () => {
		await store?.close();
		await n8n?.dispose();
		await Promise.all([small?.close(), big?.close()]);
	}, 60_000);

	it('the template dry run reports every core map in dependency order with counts and samples, and writes nothing', async () => {
		const before = dataverseWrites(small);
		const items = (await call(WEBHOOK.reportOnly)) as MapItem[];
		expect(dataverseWrites(small)).toEqual(before);
		expect(await store.getCursor(initialSyncCheckpointName('core-maps-dry-run'))).toBeUndefined();

		expect(items.map((item) => item.map)).toEqual(order);
		expect(plan.edges.length).toBeGreaterThan(10);
		expect(inDependencyOrder(items.map((item) => item.map))).toEqual([]);
		expect(order.indexOf(LEGAL_ENTITIES)).toBeLessThan(order.indexOf(GROUPS));
		expect(order.indexOf(GROUPS)).toBeLessThan(order.indexOf(CUSTOMERS));
		expect(order.indexOf('vendors-v2-msdyn-vendors')).toBeLessThan(order.indexOf(CUSTOMERS));
		for (const item of items) {
			expect(item).toMatchObject({ dryRun: true, resumed: false, run: 'core-maps-dry-run', failed: 0, stale: 0 });
			expect(item.read).toBe(item.created + item.updated + item.unchanged + item.filtered + item.failed + item.stale);
		}
		const fo = await organisations(small);
		const customers = items.find((item) => item.map === CUSTOMERS) as MapItem;
		expect(customers).toMatchObject({ read: 3 * SMALL_PER_COMPANY, created: fo.length, filtered: 3 * SMALL_PER_COMPANY - fo.length, updated: 0, unchanged: 0 });
		const sample = customers.samples.find((entry) => entry.outcome === 'create');
		expect(sample?.fields).toEqual(expect.arrayContaining(['name', 'accountnumber', 'creditlimit']));
		// Dataverse is seeded with the legal entities and currencies: matched by key, not created again.
		expect(items.find((item) => item.map === LEGAL_ENTITIES)).toMatchObject({ read: 3, created: 0 });
	}, 120_000);

	it('the template creates every F&O record of the core maps in Dataverse, without duplicates; a second run writes nothing', async () => {
		const before = dataverseWrites(small);
		const accountsBefore = dataverseWrites(small, 'account');
		const keysBefore = [...(await accountsByKey(small)).keys()];
		const first = (await call(WEBHOOK.template)) as MapItem[];
		const executions = await n8n.waitForExecutions(full.id, (list) => list.some((execution) => execution.status === 'success'));
		const dry = nodeItems(executions[0], 'Dry Run');

		expect(first.map((item) => item.map)).toEqual(order);
		for (const item of first) expect(item).toMatchObject({ run: 'core-maps', dryRun: false, resumed: false, failed: 0 });
		// What the dry run said is what the run did: the dry run, which ran first, had written nothing.
		expect(first.map((item) => [item.map, item.created, item.updated, item.unchanged])).toEqual(dry.map((item) => [item.map, item.created, item.updated, item.unchanged]));
		const written = first.reduce((sum, item) => sum + item.created + item.updated, 0);
		expect(dataverseWrites(small).writes - before.writes).toBe(written);
		expect(dataverseWrites(small).rows - before.rows).toBe(first.reduce((sum, item) => sum + item.created, 0));

		// Every organisation customer is an account of its company, once, with its values.
		const fo = await organisations(small);
		const customers = first.find((item) => item.map === CUSTOMERS) as MapItem;
		expect(customers.created).toBe(fo.length);
		expect(dataverseWrites(small, 'account').writes - accountsBefore.writes).toBe(fo.length);
		const accounts = await accountsByKey(small);
		expect([...accounts].filter(([, rows]) => rows.length > 1).map(([key]) => key)).toEqual([]);
		// Per company: the accounts it had (the seed's Dataverse-only ones) plus one per F&O organisation.
		for (const company of ['usmf', 'demf', 'gbsi']) {
			const inCompany = (keys: string[]) => keys.filter((key) => key.startsWith(`${company}/`)).length;
			const inFo = fo.filter((customer) => customer.dataAreaId === company).length;
			expect(inFo).toBeGreaterThan(0);
			expect({ company, accounts: inCompany([...accounts.keys()]) }).toEqual({ company, accounts: inCompany(keysBefore) + inFo });
		}
		const groups = new Map(
			(await readAll(small, 'dataverse', 'msdyn_customergroups?$select=msdyn_customergroupid,msdyn_groupid&$expand=msdyn_company($select=cdm_companycode)')).map((g) => [
				`${String((g.msdyn_company as Json).cdm_companycode).toLowerCase()}/${String(g.msdyn_groupid)}`,
				g.msdyn_customergroupid,
			]),
		);
		const currencies = new Map((await readAll(small, 'dataverse', 'transactioncurrencies?$select=transactioncurrencyid,isocurrencycode')).map((c) => [c.isocurrencycode, c.transactioncurrencyid]));
		for (const customer of fo) {
			const [account] = accounts.get(`${String(customer.dataAreaId)}/${String(customer.CustomerAccount)}`) ?? [];
			expect({ key: customer.CustomerAccount, name: account?.name, creditlimit: Number(account?.creditlimit), email: account?.emailaddress1 ?? '' }).toEqual({
				key: customer.CustomerAccount,
				name: customer.OrganizationName,
				creditlimit: Number(customer.CreditLimit),
				email: customer.PrimaryContactEmail ?? '',
			});
			expect(account?._msdyn_customergroupid_value).toBe(groups.get(`${String(customer.dataAreaId)}/${String(customer.CustomerGroupId)}`));
			expect(account?._transactioncurrencyid_value).toBe(currencies.get(customer.SalesCurrencyCode));
			expect(account?.customertypecode).toBe(3);
		}
		// Vendors, customer groups, terms: one row per F&O record.
		expect((await readAll(small, 'dataverse', 'msdyn_vendors?$select=msdyn_vendoraccountnumber')).length).toBe((await readAll(small, 'fo', 'VendorsV2?cross-company=true&$select=VendorAccountNumber')).length);
		expect(groups.size).toBe((await readAll(small, 'fo', 'CustomerGroups?cross-company=true&$select=CustomerGroupId')).length);

		// Again: a new run (the last one finished), everything already equal, nothing written.
		const afterFirst = dataverseWrites(small);
		const second = (await call(WEBHOOK.template)) as MapItem[];
		expect(dataverseWrites(small)).toEqual(afterFirst);
		for (const item of second) expect(item).toMatchObject({ run: 'core-maps', resumed: false, created: 0, updated: 0, failed: 0 });
		expect(second.reduce((sum, item) => sum + item.unchanged, 0)).toBe(first.reduce((sum, item) => sum + item.created + item.updated + item.unchanged, 0));
		expect([...(await accountsByKey(small)).values()].filter((rows) => rows.length > 1)).toEqual([]);
	}, 180_000);

	it(`crash and resume: ${BIG_ORGANISATIONS.toLocaleString('en')} organisations to write, n8n killed (SIGKILL) between 20 % and 60 %, the resumed run writes only what was not written`, async () => {
		const foOrganisations = await organisations(big);
		expect(foOrganisations.length).toBe(BIG_ORGANISATIONS);
		const total = BIG_PER_COMPANY * COMPANIES.length;
		const baseline = dataverseWrites(big, 'account');

		// Run, and kill n8n once the checkpoint shows 25 % of the customers read.
		const started = Date.now();
		expect(await call(WEBHOOK.crash)).toMatchObject({ message: 'Workflow was started' });
		let atKill: InitialSyncCheckpoint | undefined;
		for (;;) {
			atKill = await checkpoint();
			const read = atKill?.current?.map === CUSTOMERS ? atKill.current.counts.read : 0;
			if (read >= total * 0.25) break;
			if (atKill?.finishedAt !== undefined) throw new Error('the run finished before it could be killed');
			if (Date.now() - started > KILL_WITHIN_MS) throw new Error(`no 25 % checkpoint within ${Math.round(KILL_WITHIN_MS / 1000)} s: ${JSON.stringify(atKill?.current ?? atKill?.done.map((m) => m.map))}\n${n8n.log.slice(-3000)}`);
			await sleep(200);
		}
		// Then in the middle of a page: as soon as accounts have landed that the checkpoint does not cover yet.
		let checkpointedCreated = atKill?.current?.counts.created ?? 0;
		const midPage = Date.now() + 60_000;
		for (;;) {
			const landed = dataverseWrites(big, 'account').writes - baseline.writes;
			if (landed > checkpointedCreated) {
				atKill = await checkpoint();
				checkpointedCreated = atKill?.current?.counts.created ?? 0;
				if (landed > checkpointedCreated) break;
			}
			if (Date.now() > midPage || (atKill?.current?.counts.read ?? 0) > total * 0.55) break;
			await sleep(10);
		}
		const pid = n8n.pid as number;
		n8n.kill();
		const crashedAt = Date.now();
		// Requests n8n had sent in full are still served by the emulator (it lives in this process): let them land.
		await sleep(1_500);
		expect(() => process.kill(pid, 0)).toThrow();
		const writtenBeforeCrash = dataverseWrites(big, 'account').writes - baseline.writes;
		const stored = await checkpoint();
		expect(stored?.finishedAt).toBeUndefined();
		expect(stored?.current?.map).toBe(CUSTOMERS);
		const checkpointed = stored?.current?.counts as { read: number; created: number; updated: number; unchanged: number; filtered: number };
		expect(checkpointed.read / total).toBeGreaterThanOrEqual(0.2);
		expect(checkpointed.read / total).toBeLessThanOrEqual(0.6);
		// The checkpoint lags the writes by what the page in progress had written (pages are written one at a time).
		const overlap = writtenBeforeCrash - checkpointed.created;
		expect(overlap).toBeGreaterThanOrEqual(0);
		expect(overlap).toBeLessThanOrEqual(PAGE_SIZE);

		await n8n.restart();
		for (const webhookPath of Object.values(WEBHOOK)) await n8n.waitForWebhook(webhookPath);
		// Get Progress through n8n tells the same as the state file.
		const progressed = (await call(WEBHOOK.progress)) as Json[];
		expect(progressed[0]).toMatchObject({ run: CRASH_RUN, state: 'unfinished', current: { map: CUSTOMERS, after: stored?.current?.after, read: stored?.current?.counts.read } });
		expect((progressed[0].finished as Json[]).map((entry) => entry.map)).toEqual(order.slice(0, order.indexOf(CUSTOMERS)));

		const resumedAt = Date.now();
		const afterRestart = dataverseWrites(big, 'account').writes;
		expect(afterRestart - baseline.writes).toBe(writtenBeforeCrash);
		await call(WEBHOOK.crash);
		for (;;) {
			const now = await checkpoint();
			if (now?.finishedAt !== undefined) break;
			if (Date.now() - resumedAt > RESUME_WITHIN_MS) throw new Error(`the resumed run did not finish within ${Math.round(RESUME_WITHIN_MS / 1000)} s: ${JSON.stringify(now?.current)}\n${n8n.log.slice(-3000)}`);
			await sleep(500);
		}
		const resumedMs = Date.now() - resumedAt;
		const executions = await n8n.waitForExecutions(crash.id, (list) => list.some((execution) => execution.status === 'success'));
		const finished = executions.find((execution) => execution.status === 'success');
		const report = nodeItems(finished ?? {}, 'Initial Sync');
		expect(report.length).toBe(order.length);
		const writtenAfterRestart = dataverseWrites(big, 'account').writes - afterRestart;
		const customers = report.find((item) => item.map === CUSTOMERS) as MapItem;
		const accounts = await accountsByKey(big);
		const missing = foOrganisations.filter((customer) => !accounts.has(`${String(customer.dataAreaId)}/${String(customer.CustomerAccount)}`));
		const seconds = (ms: number) => (ms / 1000).toFixed(1);
		console.log(
			`initial sync crash/resume: ${foOrganisations.length} records (the organisations of ${total} customers); ` +
				`crash after ${seconds(crashedAt - started)} s with ${writtenBeforeCrash} written (${checkpointed.created} checkpointed, ${overlap} after the checkpoint), ` +
				`${(writtenBeforeCrash / ((crashedAt - started) / 1000)).toFixed(0)} records/s; ` +
				`resumed run ${seconds(resumedMs)} s, ${writtenAfterRestart} written, ${customers?.unchanged} re-checked unchanged, ${(writtenAfterRestart / (resumedMs / 1000)).toFixed(0)} records/s; ` +
				`missing after both runs: ${missing.length}; customers report ${JSON.stringify(customers && { ...customers, samples: customers.samples.length })}`,
		);

		// The resumed run's report: every map, resumed, every customer read once over both runs.
		expect(report.map((item) => item.map)).toEqual(order);
		for (const item of report) expect(item).toMatchObject({ run: CRASH_RUN, resumed: true, failed: 0 });
		expect(customers.resumedAfter).toEqual(stored?.current?.after);
		expect(customers.read).toBe(total);
		expect(customers.filtered).toBe(total - foOrganisations.length);
		// In one comparison, so that a failure shows every property that does not hold:
		// - every organisation is an account, exactly once (plus the seed's three Dataverse-only accounts);
		// - the report accounts for each organisation as created (either run) or re-checked unchanged;
		// - nothing was written twice: the writes of both runs add up to one per organisation, exactly;
		// - the records of the page the crash cut short were read again, found equal, and reported unchanged.
		expect({
			missing: missing.map((customer) => `${String(customer.dataAreaId)}/${String(customer.CustomerAccount)} (invoice account ${String(customer.InvoiceAccount)})`),
			duplicated: [...accounts].filter(([, rows]) => rows.length > 1).map(([key]) => key),
			accounts: accounts.size - 3,
			createdOrUnchanged: customers.created + customers.unchanged,
			writesOfBothRuns: writtenBeforeCrash + writtenAfterRestart,
			reCheckedUnchanged: customers.unchanged,
		}).toEqual({
			missing: [],
			duplicated: [],
			accounts: foOrganisations.length,
			createdOrUnchanged: foOrganisations.length,
			writesOfBothRuns: foOrganisations.length,
			reCheckedUnchanged: overlap,
		});
	}, KILL_WITHIN_MS + RESUME_WITHIN_MS + 300_000);
});
