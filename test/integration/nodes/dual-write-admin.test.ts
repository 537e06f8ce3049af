/**
 * The Dual-Write node (the data admin's console) through n8n's execution engine, against the state store the live
 * nodes share (`DUAL_WRITE_STATE_FILE`, a temp file) while the live cycle of customers V3 -> accounts runs against
 * both emulators over real HTTP: pause, capture without writes, resume and catch-up in order per record; the error
 * log's filters, retry (with an edited payload) and dismiss; an alert rule that pauses the map after N failures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { createConnector, type Connector } from '../../../lib/connectors';
import { catalogMap, compileMap, type CompiledMap } from '../../../lib/maps';
import type { StateStore } from '../../../lib/state';
import { evaluateRules, failureSamples, syncMap, followTrips, mapStep, nextTrips, runCycle, writeLive, type EnvelopedItem } from '../../../lib/sync';
import { DualWrite } from '../../../nodes/DualWrite/DualWrite.node';
import { pollingCapture } from '../../../nodes/DualWriteTrigger/capture';
import { sharedStateStore } from '../../../nodes/shared/state';
import { startEmulators, type Emulators } from '../../support/emulators';
import { runNode } from '../../support/run-node';
import { CORE_MAPS } from '../../../scripts/initialCopy';

const MAP = 'customers-v3-accounts';
/** What customers V3 -> accounts looks up, in dependency order (the demo's core maps). */
const PREREQUISITES = CORE_MAPS.filter((id) => id !== MAP);
type FoKey = { dataAreaId: string; CustomerAccount: string };

let emulators: Emulators;
let fo: Connector;
let dv: Connector;
let store: StateStore;
let dir: string;
let compiled: CompiledMap;
let keys: FoKey[];
const previousStateFile = process.env.DUAL_WRITE_STATE_FILE;

const compile = (id: string) => compileMap(catalogMap(id) ?? (() => { throw new Error(`no map ${id}`); })());

/** The Dual-Write node with these parameters, once per input item. */
async function dualWrite(parameters: Record<string, unknown>, input: IDataObject[] = [{}]): Promise<IDataObject[]> {
	const result = await runNode({
		nodeType: new DualWrite(),
		type: 'n8n-nodes-dual-write.dualWrite',
		parameters: parameters as INodeParameters,
		credentials: {},
		input: input.map((json) => ({ json })),
	});
	if (result.error) throw new Error(`Dual-Write node failed: ${result.error.message} ${result.error.description ?? ''}`);
	return result.items.map((item) => item.json);
}

/** One turn of the F&O -> Dataverse trigger: poll F&O's modified time, claim a batch, Map step + live upsert. */
async function cycle() {
	const emitted: EnvelopedItem[][] = [];
	const result = await runCycle({
		store,
		source: fo,
		compiled,
		direction: 'fo->dataverse',
		capture: pollingCapture(fo, compiled, 'fo->dataverse', 'ModifiedDateTime', 100),
		batchSize: 100,
		leaseMs: 60_000,
		emit: async (items) => {
			emitted.push(items);
			const mapped = items.map((item) => mapStep(compiled, 'fo->dataverse', item)).filter((step) => step.output === 'mapped');
			await writeLive({ store, connector: dv, compiled }, mapped.map((step) => step.json as EnvelopedItem));
			return { ok: true };
		},
	});
	return { ...result, emitted: emitted.flat() };
}

/** Cycles until a claim comes back empty (or blocked); the emitted items in order. */
async function drain(): Promise<Array<ReturnType<typeof itemKey>>> {
	const emitted: Array<ReturnType<typeof itemKey>> = [];
	for (let turn = 0; turn < 20; turn++) {
		const result = await cycle();
		emitted.push(...result.emitted.map(itemKey));
		if (result.blocked) return emitted;
	}
	throw new Error('the journal did not drain in 20 cycles');
}

const itemKey = (item: EnvelopedItem) => String(item.dualWrite.source.key.CustomerAccount);

async function description(key: FoKey): Promise<unknown> {
	const row = await dv.get('accounts', { accountnumber: key.CustomerAccount, 'msdyn_company.cdm_companycode': key.dataAreaId }, { select: ['description'] });
	return row?.description;
}

/** F&O stamps whole seconds; the watermark tells same-second edits apart by ETag, but distinct seconds read clearer. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1_050));

beforeAll(async () => {
	emulators = await startEmulators({ seed: { customersPerCompany: 4 } });
	fo = createConnector('fo', { environmentUrl: emulators.fo.url, transport: emulators.fo.transport });
	dv = createConnector('dataverse', { environmentUrl: emulators.dataverse.url, transport: emulators.dataverse.transport, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 20 } });
	dir = mkdtempSync(path.join(tmpdir(), 'dw-admin-'));
	process.env.DUAL_WRITE_STATE_FILE = path.join(dir, 'state.sqlite');
	store = await sharedStateStore();
	for (const id of PREREQUISITES) {
		const report = await syncMap({ store, source: fo, target: dv, compiled: compile(id), direction: 'fo->dataverse', runId: 'test' });
		expect({ id, failed: failureSamples(report) }).toEqual({ id, failed: [] });
	}
	compiled = compile(MAP);
	expect(failureSamples(await syncMap({ store, source: fo, target: dv, compiled, direction: 'fo->dataverse', runId: 'test' }))).toEqual([]);
	const organisations: Array<Record<string, unknown>> = [];
	for await (const page of fo.readPages('CustomersV3', { company: 'usmf', filter: "PartyType eq 'Organization'", select: ['CustomerAccount'] })) organisations.push(...page);
	keys = organisations.map((r) => ({ dataAreaId: 'usmf', CustomerAccount: String(r.CustomerAccount) }));
	expect(keys.length).toBeGreaterThanOrEqual(3);
	// The trigger's first turn takes F&O's current position as its baseline.
	await cycle();
});

afterAll(async () => {
	await store?.close();
	await emulators?.close();
	if (previousStateFile === undefined) delete process.env.DUAL_WRITE_STATE_FILE;
	else process.env.DUAL_WRITE_STATE_FILE = previousStateFile;
	if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Dual-Write node: Map', () => {
	it('pause: the live cycle keeps journaling and writes nothing; resume catches up in order per record, then runs live', async () => {
		const [a, b] = keys;
		const [paused] = await dualWrite({ resource: 'map', operation: 'pause', map: MAP, reason: 'F&O maintenance' });
		expect(paused).toMatchObject({ map: MAP, title: expect.any(String), state: 'paused', changed: true, detail: 'paused: F&O maintenance' });

		await nextSecond();
		await fo.update('CustomersV3', a, { SalesMemo: 'first edit while paused' });
		expect(await cycle()).toMatchObject({ captured: 1, emitted: [], blocked: 'paused' });
		await nextSecond();
		await fo.update('CustomersV3', a, { SalesMemo: 'second edit while paused' });
		await fo.update('CustomersV3', b, { SalesMemo: 'other record while paused' });
		expect(await cycle()).toMatchObject({ captured: 2, emitted: [], blocked: 'paused' });
		expect(String(await description(a))).not.toMatch(/while paused/);
		expect(String(await description(b))).not.toMatch(/while paused/);

		const [status] = await dualWrite({ resource: 'map', operation: 'getStatus', map: MAP });
		expect(status).toMatchObject({ state: 'paused', backlog: { pending: 3, 'in-flight': 0 }, since: expect.stringMatching(/^\d{4}-/) });
		const [pausedEvent] = await dualWrite({ resource: 'activity', operation: 'list', map: MAP, events: ['paused'], limit: 1 });
		expect(pausedEvent).toMatchObject({ event: 'paused', detail: { reason: 'F&O maintenance', by: { workflowName: 'run-node' }, backlog: 0 } });

		// All Maps: one item per map the store knows, the prerequisites' copies included.
		const all = await dualWrite({ resource: 'map', operation: 'getStatus', map: '' });
		expect(all.find((s) => s.map === MAP)).toMatchObject({ state: 'paused' });

		const [resumed] = await dualWrite({ resource: 'map', operation: 'resume', map: MAP, reason: 'done' });
		expect(resumed).toMatchObject({ state: 'catching-up', previousState: 'paused', backlog: { pending: 3 } });
		// First batch: one change per record (a's second change waits for its first); then a's second, then nothing.
		const first = await cycle();
		expect(first.emitted.map(itemKey)).toEqual([a.CustomerAccount, b.CustomerAccount]);
		expect(await description(a)).toBe('second edit while paused');
		expect(await description(b)).toBe('other record while paused');
		expect((await dualWrite({ resource: 'map', operation: 'getStatus', map: MAP }))[0]).toMatchObject({ state: 'catching-up', backlog: { pending: 1 } });
		await drain();
		const [after] = await dualWrite({ resource: 'map', operation: 'getStatus', map: MAP });
		expect(after).toMatchObject({ state: 'running', detail: expect.stringMatching(/^caught up/), backlog: { pending: 0, failed: 0 }, lastSuccessAt: expect.any(String) });
		const journal = (await store.list({ map: MAP, key: a, status: ['done', 'skipped'], order: 'asc' })).items.slice(-2);
		expect(journal.map((entry) => entry.status)).toEqual(['done', 'skipped']);

		// Live again: a new edit is written on the next turn.
		await nextSecond();
		await fo.update('CustomersV3', b, { SalesMemo: 'live again' });
		await cycle();
		expect(await description(b)).toBe('live again');
	});

	it('refuses to pause a map nobody knows (a typo would create one)', async () => {
		await expect(dualWrite({ resource: 'map', operation: 'pause', map: 'customers-v3-acounts' })).rejects.toThrow(/No map "customers-v3-acounts"/);
	});
});

describe('Dual-Write node: Error Log', () => {
	let failedIds: number[];

	beforeAll(async () => {
		// Three records fail validation in Dataverse (written as the server would answer), one is throttled for good.
		const appended = await store.append(
			keys.slice(0, 3).map((key, index) => ({ map: MAP, direction: 'fo->dataverse' as const, change: 'update' as const, source: { entity: 'CustomersV3', key, eventId: `admin-test-${index}` } })),
		);
		failedIds = appended.results.map((r) => r.id);
		const batch = await store.claimBatch(MAP, 10, { leaseMs: 60_000, direction: 'fo->dataverse' });
		if (batch.lease === undefined) throw new Error(`nothing claimed: ${batch.blocked}`);
		await store.complete(
			batch.lease,
			batch.changes.map((change, index) => ({
				id: change.id,
				status: 'failed' as const,
				error:
					index < 2
						? { class: 'validation' as const, message: `A validation error occurred. The length of the 'description' attribute exceeded the maximum allowed (record ${index}).`, status: 400 }
						: { class: 'throttling' as const, message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', status: 429 },
				retry: false,
			})),
		);
	});

	it('lists failed changes with filters (class, key, time), newest first, paged, with the full error', async () => {
		const failed = await dualWrite({ resource: 'errorLog', operation: 'list', returnAll: true, filters: { map: MAP } });
		expect(failed.map((item) => item.id)).toEqual([...failedIds].reverse());
		expect(failed[0]).toMatchObject({
			map: MAP,
			direction: 'fo->dataverse',
			change: 'update',
			status: 'failed',
			attempts: 1,
			source: { system: 'fo', entity: 'CustomersV3', key: keys[2] },
			error: { class: 'throttling', status: 429, message: expect.stringContaining('6000') },
			payload: null,
			createdAt: expect.stringMatching(/Z$/),
		});
		const validation = await dualWrite({ resource: 'errorLog', operation: 'list', returnAll: true, filters: { errorClass: ['validation'] } });
		expect(validation.map((item) => item.id)).toEqual([failedIds[1], failedIds[0]]);
		const byKey = await dualWrite({ resource: 'errorLog', operation: 'list', returnAll: true, filters: { key: JSON.stringify(keys[1]) } });
		expect(byKey.map((item) => item.id)).toEqual([failedIds[1]]);
		expect(await dualWrite({ resource: 'errorLog', operation: 'list', returnAll: true, filters: { from: new Date(Date.now() + 60_000).toISOString() } })).toEqual([]);
		expect(await dualWrite({ resource: 'errorLog', operation: 'list', limit: 2, filters: {} })).toHaveLength(2);
		const [one] = await dualWrite({ resource: 'errorLog', operation: 'get', id: failedIds[0] });
		expect(one).toMatchObject({ id: failedIds[0], error: { class: 'validation' } });
	});

	it('dismisses by filter with a reason, and retries one change with an edited payload that reaches Dataverse', async () => {
		const [dismissed] = await dualWrite({ resource: 'errorLog', operation: 'dismiss', select: 'filter', filters: { errorClass: ['throttling'] }, reason: 'throttled during the load test' });
		expect(dismissed).toEqual({ dismissed: [failedIds[2]], count: 1 });
		expect((await store.get(failedIds[2]))?.detail).toBe('throttled during the load test');

		// The items of a List feed a Retry by ID, one per item; the first gets an edited payload.
		const [edited] = await dualWrite({ resource: 'errorLog', operation: 'retry', select: 'ids', ids: String(failedIds[0]), options: { editedPayload: '{"SalesMemo": "fixed by the admin"}' } });
		expect(edited).toEqual({ retried: [failedIds[0]], count: 1, notRetried: [] });
		const retried = await dualWrite({ resource: 'errorLog', operation: 'retry', select: 'ids', ids: '={{ $json.id }}' }, [{ id: failedIds[1] }, { id: failedIds[2] }]);
		expect(retried).toEqual([
			{ retried: [failedIds[1]], count: 1, notRetried: [] },
			{ retried: [failedIds[2]], count: 1, notRetried: [] },
		]);
		await drain();
		expect(await description(keys[0])).toBe('fixed by the admin');
		expect((await store.get(failedIds[0]))).toMatchObject({ status: 'done', payload: { SalesMemo: 'fixed by the admin' }, originalPayload: null });
		expect(await dualWrite({ resource: 'errorLog', operation: 'list', returnAll: true, filters: { map: MAP } })).toEqual([]);
		await expect(dualWrite({ resource: 'errorLog', operation: 'retry', select: 'filter', filters: {}, options: { editedPayload: '{"a": 1}' } })).rejects.toThrow(/exactly one change/);
	});

	it('purges finished history older than the retention', async () => {
		const [purged] = await dualWrite({ resource: 'errorLog', operation: 'purge', retentionDays: 31 });
		expect(purged).toMatchObject({ journal: 0, activity: 0, errorBuckets: 0, olderThan: expect.any(String) });
	});
});

describe('Dual-Write node: Alert Rule, and the rule at work', () => {
	it('a rule set by the node pauses the map after N failures; the alert feed hands the trip over once', async () => {
		const [rule] = await dualWrite({ resource: 'alertRule', operation: 'set', map: MAP, errorClass: 'transient', threshold: 3, windowMinutes: 15, pause: true, notify: true, name: '' });
		expect(rule).toMatchObject({ map: MAP, name: 'transient', errorClass: 'transient', threshold: 3, windowMinutes: 15, pause: true, notify: true, lastTripAt: null });
		await followTrips(store, 'test-alert-workflow');

		await emulators.dataverse.admin('POST', '/_emulator/faults', { outageUntil: Date.now() + 600_000 });
		try {
			await nextSecond();
			for (const key of keys.slice(0, 3)) await fo.update('CustomersV3', key, { SalesMemo: `during the outage ${key.CustomerAccount}` });
			const result = await cycle();
			expect(result.emitted).toHaveLength(3);
			expect(await evaluateRules(store)).toHaveLength(1);
			expect(await evaluateRules(store)).toEqual([]);
		} finally {
			await emulators.dataverse.admin('POST', '/_emulator/faults/reset');
		}
		const trips = await nextTrips(store, 'test-alert-workflow');
		expect(trips).toHaveLength(1);
		expect(trips[0]).toMatchObject({ map: MAP, errors: 3, paused: true, state: 'paused', rule: { name: 'transient', threshold: 3 } });
		expect(trips[0].sample).toHaveLength(3);
		expect(trips[0].sample[0]).toMatchObject({ errorClass: 'transient', status: 503 });
		expect(await nextTrips(store, 'test-alert-workflow')).toEqual([]);

		const [status] = await dualWrite({ resource: 'map', operation: 'getStatus', map: MAP });
		expect(status).toMatchObject({ state: 'paused', detail: 'paused by alert rule "transient"', backlog: { pending: 3, retrying: 3 }, lastError: { class: 'transient', status: 503 }, alertRules: 1 });
		const [tripped] = await dualWrite({ resource: 'activity', operation: 'list', map: MAP, events: ['rule-tripped'] });
		expect(tripped).toMatchObject({ event: 'rule-tripped', detail: { errors: 3, paused: true } });
		const rules = await dualWrite({ resource: 'alertRule', operation: 'list', map: '' });
		expect(rules).toMatchObject([{ name: 'transient', lastTripAt: expect.any(String) }]);

		// Nothing is lost: resumed, the retries go through once their backoff has passed.
		await dualWrite({ resource: 'map', operation: 'resume', map: MAP });
		const deadline = Date.now() + 30_000;
		while ((await store.counts(MAP)).pending > 0 && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 500));
			await cycle();
		}
		for (const key of keys.slice(0, 3)) expect(await description(key)).toBe(`during the outage ${key.CustomerAccount}`);
		expect((await dualWrite({ resource: 'map', operation: 'getStatus', map: MAP }))[0]).toMatchObject({ state: 'running' });

		const [deleted] = await dualWrite({ resource: 'alertRule', operation: 'delete', map: MAP, name: 'transient' });
		expect(deleted).toEqual({ map: MAP, name: 'transient', deleted: true });
		expect(await dualWrite({ resource: 'alertRule', operation: 'list', map: MAP })).toEqual([]);
	});
});
