/**
 * The store's parts of the data admin's control plane: alert rules and trips (schema version 2), the end of a
 * catch-up, the list of known maps, activity filters, error-class filters and edited retries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS, openSqliteStateStore, SCHEMA_VERSION, type StateStore } from '../../../lib/state';
import { change, closeAll, T0, tempStore, type TestStore } from './helpers';

function claimed<T extends { lease?: string }>(result: T): T & { lease: string } {
	if (result.lease === undefined) throw new Error(`expected a batch, got ${JSON.stringify(result)}`);
	return result as T & { lease: string };
}

describe('alert rules', () => {
	let t: TestStore;
	let store: StateStore;
	beforeEach(async () => {
		t = await tempStore();
		store = t.store;
	});
	afterEach(closeAll);

	it('are set by map and name (default: the error class, or any), replaced in place, listed and deleted; each change is logged', async () => {
		const first = await store.setAlertRule({ map: 'customers', errorClass: 'validation', threshold: 10, windowMinutes: 15, pause: true, notify: true });
		expect(first).toEqual({
			id: 1,
			map: 'customers',
			name: 'validation',
			errorClass: 'validation',
			threshold: 10,
			windowMinutes: 15,
			pause: true,
			notify: true,
			createdAt: T0,
			updatedAt: T0,
		});
		await store.setAlertRule({ map: 'customers', threshold: 50, windowMinutes: 5, pause: false, notify: true });
		await store.setAlertRule({ map: 'vendors', name: 'storm', threshold: 3, windowMinutes: 1, pause: true, notify: false });
		t.clock.now += 1000;
		const replaced = await store.setAlertRule({ map: 'customers', errorClass: 'validation', threshold: 5, windowMinutes: 15, pause: true, notify: false });
		expect(replaced).toMatchObject({ id: 1, threshold: 5, notify: false, createdAt: T0, updatedAt: T0 + 1000 });
		expect((await store.listAlertRules()).map((r) => `${r.map}/${r.name}`)).toEqual(['customers/any', 'customers/validation', 'vendors/storm']);
		expect((await store.listAlertRules('customers')).map((r) => r.name)).toEqual(['any', 'validation']);
		expect((await store.listAlertRules('customers'))[0].errorClass).toBeUndefined();
		expect(await store.deleteAlertRule('customers', 'any')).toBe(true);
		expect(await store.deleteAlertRule('customers', 'any')).toBe(false);
		const log = await store.listActivity({ map: 'customers', events: ['config-changed'] });
		expect(log.items.map((a) => [a.detail?.action, (a.detail?.alertRule as { name: string }).name])).toEqual([
			['deleted', 'any'],
			['updated', 'validation'],
			['added', 'any'],
			['added', 'validation'],
		]);
	});

	it('reject what cannot be evaluated', async () => {
		const rule = { map: 'customers', threshold: 10, windowMinutes: 15, pause: true, notify: true };
		await expect(store.setAlertRule({ ...rule, map: ' ' })).rejects.toThrow(/map id/);
		await expect(store.setAlertRule({ ...rule, threshold: 0 })).rejects.toThrow(/threshold/);
		await expect(store.setAlertRule({ ...rule, windowMinutes: 1.5 })).rejects.toThrow(/window/);
		await expect(store.setAlertRule({ ...rule, errorClass: 'bad' as never })).rejects.toThrow(/unknown error class/);
		expect(await store.listAlertRules()).toEqual([]);
	});

	it('a trip is recorded once per previous trip (compare-and-set), with its activity entry and the pause in one go', async () => {
		const rule = await store.setAlertRule({ map: 'customers', threshold: 1, windowMinutes: 15, pause: true, notify: true });
		const other = await t.reopen();
		const trip = { ruleId: rule.id, expectLastTripAt: undefined, mark: { at: T0, baseline: 2 }, detail: { errors: 2 }, pause: true };
		const [a, b] = await Promise.all([store.recordAlertTrip(trip), other.recordAlertTrip(trip)]);
		expect([a, b].filter(Boolean)).toHaveLength(1);
		expect(a ?? b).toMatchObject({ state: 'paused', paused: true, activity: { event: 'rule-tripped', detail: { errors: 2, paused: true, state: 'paused' } } });
		expect(await store.getMapState('customers')).toMatchObject({ state: 'paused', detail: 'paused by alert rule "any"' });
		expect((await store.listAlertRules())[0].lastTrip).toEqual({ at: T0, baseline: 2 });
		// The next trip must name the last one; a paused map is not paused again.
		expect(await store.recordAlertTrip({ ...trip, mark: { at: T0 + 60_000, baseline: 0 } })).toBeUndefined();
		expect(await store.recordAlertTrip({ ...trip, expectLastTripAt: T0, mark: { at: T0 + 60_000, baseline: 0 } })).toMatchObject({ state: 'paused', paused: false });
		expect(await store.recordAlertTrip({ ...trip, ruleId: 99 })).toBeUndefined();
	});
});

describe('catch-up, known maps, activity and journal filters', () => {
	let t: TestStore;
	let store: StateStore;
	beforeEach(async () => {
		t = await tempStore();
		store = t.store;
	});
	afterEach(closeAll);

	it('a catching-up map returns to running when a claim finds nothing due and nothing in flight, in either direction', async () => {
		await store.append([change({ account: 'A' }), change({ account: 'B', direction: 'dataverse->fo' })]);
		await store.setMapState('customers', 'catching-up');
		const forward = claimed(await store.claimBatch('customers', 10, { leaseMs: 1000, direction: 'fo->dataverse' }));
		// This direction is drained, but its batch is in flight and the other direction has a due change.
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000, direction: 'fo->dataverse' })).toEqual({ changes: [], blocked: 'busy' });
		await store.complete(forward.lease, [{ id: 1, status: 'done' }]);
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000, direction: 'fo->dataverse' })).toEqual({ changes: [], blocked: 'empty' });
		expect((await store.getMapState('customers'))?.state).toBe('catching-up');
		const back = claimed(await store.claimBatch('customers', 10, { leaseMs: 1000, direction: 'dataverse->fo' }));
		// A failure waiting for its retry does not hold the catch-up back.
		await store.complete(back.lease, [{ id: 2, status: 'failed', error: { class: 'transient', message: 'HTTP 503' } }]);
		expect((await store.get(2))?.status).toBe('pending');
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000, direction: 'dataverse->fo' })).toEqual({ changes: [], blocked: 'empty' });
		expect(await store.getMapState('customers')).toMatchObject({ state: 'running', detail: expect.stringMatching(/^caught up/) });
		const [latest] = (await store.listActivity({ map: 'customers', limit: 1 })).items;
		expect(latest).toMatchObject({ event: 'state-changed', detail: { from: 'catching-up', to: 'running' } });
		// A running map's empty claim changes nothing.
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'empty' });
		expect((await store.listActivity({ map: 'customers', limit: 1 })).items[0].id).toBe(latest.id);
	});

	it('listMaps names every map with a state, a journaled change or an alert rule, once, sorted', async () => {
		expect(await store.listMaps()).toEqual([]);
		await store.append([change({ map: 'vendors' }), change({ map: 'customers' }), change({ map: 'customers' }), change({ map: 'products' })]);
		await store.setMapState('customers', 'paused');
		await store.setMapState('companies', 'running');
		await store.setAlertRule({ map: 'warehouses', threshold: 1, windowMinutes: 1, pause: false, notify: true });
		expect(await store.listMaps()).toEqual(['companies', 'customers', 'products', 'vendors', 'warehouses']);
	});

	it('activity: filtered by event, read forwards after a cursor', async () => {
		await store.logActivity('customers', 'paused');
		const trip = await store.logActivity('customers', 'rule-tripped', { n: 1 });
		await store.logActivity('vendors', 'conflict');
		const second = await store.logActivity('vendors', 'rule-tripped', { n: 2 });
		expect((await store.listActivity({ events: ['rule-tripped'] })).items.map((a) => a.id)).toEqual([second.id, trip.id]);
		const forwards = await store.listActivity({ events: ['rule-tripped', 'paused'], order: 'asc', limit: 1 });
		expect(forwards.items.map((a) => a.event)).toEqual(['paused']);
		const next = await store.listActivity({ events: ['rule-tripped', 'paused'], order: 'asc', cursor: forwards.nextCursor });
		expect(next.items.map((a) => a.id)).toEqual([trip.id, second.id]);
		expect(next.nextCursor).toBeUndefined();
		expect((await store.listActivity({ events: [] })).items).toEqual([]);
	});

	it('journal filters take several error classes; an edited retry of a change captured without payload is marked edited', async () => {
		await store.append([change({ account: 'A', payload: undefined }), change({ account: 'B' }), change({ account: 'C' })]);
		const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 1000 }));
		await store.complete(batch.lease, [
			{ id: 1, status: 'failed', error: { class: 'validation', message: 'bad name' } },
			{ id: 2, status: 'failed', error: { class: 'auth', message: 'HTTP 401' }, retry: false },
			{ id: 3, status: 'failed', error: { class: 'conflict', message: 'HTTP 412' } },
		]);
		const ids = async (errorClass: Parameters<StateStore['list']>[0]) => (await store.list({ ...errorClass, order: 'asc' })).items.map((e) => e.id);
		expect(await ids({ errorClass: ['validation', 'conflict'] })).toEqual([1, 3]);
		expect(await ids({ errorClass: [] })).toEqual([]);
		expect(await store.dismiss({ errorClass: ['auth'] }, 'rotated the secret by hand')).toEqual([2]);
		expect(await store.retry([1], { editedPayload: { Name: 'Fixed' } })).toEqual([1]);
		const edited = await store.get(1);
		expect(edited).toMatchObject({ status: 'pending', payload: { Name: 'Fixed' }, originalPayload: null });
		expect((await store.get(3))?.originalPayload).toBeUndefined();
	});
});

describe('schema version 2', () => {
	const dirs: string[] = [];
	afterAll(() => {
		for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
	});

	it('a version 1 file is migrated in place: its data stays, alert rules work', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'dw-migrate-'));
		dirs.push(dir);
		const file = path.join(dir, 'state.sqlite');
		const raw = new DatabaseSync(file);
		raw.exec('CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
		for (const statement of MIGRATIONS[0].statements) raw.exec(statement);
		raw.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (1, ?, 0)').run(MIGRATIONS[0].name);
		raw.prepare("INSERT INTO map_state (map, state, since) VALUES ('customers', 'paused', 5)").run();
		raw.close();

		const store = await openSqliteStateStore({ file });
		try {
			expect(await store.getMapState('customers')).toEqual({ map: 'customers', state: 'paused', since: 5 });
			await store.setAlertRule({ map: 'customers', threshold: 10, windowMinutes: 15, pause: true, notify: true });
			expect(await store.listMaps()).toEqual(['customers']);
		} finally {
			await store.close();
		}
		const check = new DatabaseSync(file);
		expect(check.prepare('SELECT MAX(version) AS v FROM schema_migration').get()).toEqual({ v: SCHEMA_VERSION });
		check.close();
	});
});
