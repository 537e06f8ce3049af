import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { defaultStateFile, MIGRATIONS, openSqliteStateStore, SCHEMA_VERSION, type StateStore } from '../../../lib/state';
import { change, closeAll, T0, tempStore, type TestStore } from './helpers';

describe('map states, cursors, activity and alert counters', () => {
	let t: TestStore;
	let store: StateStore;
	beforeEach(async () => {
		t = await tempStore();
		store = t.store;
	});
	afterEach(closeAll);

	it('map state: unknown until set; changes are logged as activity; survives a restart', async () => {
		expect(await store.getMapState('customers')).toBeUndefined();
		expect(await store.setMapState('customers', 'initial-sync', 'run 1 of 3')).toEqual({
			map: 'customers',
			state: 'initial-sync',
			detail: 'run 1 of 3',
			since: T0,
		});
		t.clock.now += 10;
		await store.setMapState('customers', 'running');
		t.clock.now += 10;
		// Same state again: detail updates, `since` and the activity log do not.
		await store.setMapState('customers', 'running', 'resumed by admin');
		const reopened = await t.reopen();
		expect(await reopened.getMapState('customers')).toEqual({ map: 'customers', state: 'running', detail: 'resumed by admin', since: T0 + 10 });
		const activity = await reopened.listActivity({ map: 'customers' });
		expect(activity.items.map((a) => a.detail)).toEqual([
			{ from: 'initial-sync', to: 'running' },
			{ from: null, to: 'initial-sync', detail: 'run 1 of 3' },
		]);
		await expect(store.setMapState('customers', 'asleep' as never)).rejects.toThrow(/unknown map state/);
	});

	it('a failed completion records the last error on the map without changing its state', async () => {
		await store.setMapState('customers', 'catching-up');
		await store.append([change()]);
		const batch = await store.claimBatch('customers', 1, { leaseMs: 1000 });
		if (!batch.lease) throw new Error('expected a batch');
		t.clock.now += 5;
		await store.complete(batch.lease, [{ id: 1, status: 'failed', error: { class: 'auth', message: 'HTTP 401', status: 401 } }]);
		expect(await store.getMapState('customers')).toMatchObject({
			state: 'catching-up',
			lastErrorAt: T0 + 5,
			lastError: { class: 'auth', message: 'HTTP 401', status: 401 },
		});
	});

	it('cursors: unconditional set, and compare-and-set that only one of two racing writers wins', async () => {
		expect(await store.getCursor('fo:CustomersV3:delta')).toBeUndefined();
		expect(await store.setCursor('fo:CustomersV3:delta', 'link-1', { expect: null })).toBe(true);
		expect(await store.setCursor('fo:CustomersV3:delta', 'link-x', { expect: null })).toBe(false);
		const other = await t.reopen();
		const [a, b] = await Promise.all([
			store.setCursor('fo:CustomersV3:delta', 'link-2a', { expect: 'link-1' }),
			other.setCursor('fo:CustomersV3:delta', 'link-2b', { expect: 'link-1' }),
		]);
		expect([a, b]).toEqual([true, false]);
		expect(await other.getCursor('fo:CustomersV3:delta')).toEqual({ name: 'fo:CustomersV3:delta', value: 'link-2a', updatedAt: T0 });
		expect(await store.setCursor('fo:CustomersV3:delta', 'forced')).toBe(true);
		expect((await store.getCursor('fo:CustomersV3:delta'))?.value).toBe('forced');
	});

	it('activity log: newest first, per map, since a time, paged', async () => {
		await store.logActivity('customers', 'started', { by: 'admin' });
		t.clock.now += 1000;
		await store.logActivity('vendors', 'rule-tripped', { rule: 'errors > 50 in 5 min' });
		await store.logActivity('customers', 'config-changed', { version: '1.1.0' });
		await store.logActivity('customers', 'paused');
		const page1 = await store.listActivity({ map: 'customers', limit: 2 });
		expect(page1.items.map((a) => a.event)).toEqual(['paused', 'config-changed']);
		expect(page1.items[1]).toMatchObject({ map: 'customers', detail: { version: '1.1.0' }, at: T0 + 1000 });
		const page2 = await store.listActivity({ map: 'customers', limit: 2, cursor: page1.nextCursor });
		expect(page2.items.map((a) => a.event)).toEqual(['started']);
		expect(page2.nextCursor).toBeUndefined();
		expect((await store.listActivity({ since: T0 + 1000 })).items.map((a) => a.event)).toEqual(['paused', 'config-changed', 'rule-tripped']);
	});

	it('countErrors counts failed attempts per map and class in a window of whole minutes', async () => {
		await store.append([change(), change(), change({ map: 'vendors' })]);
		const fail = async (map: string, errorClass: 'throttling' | 'validation') => {
			const batch = await store.claimBatch(map, 10, { leaseMs: 1000, ignoreMapState: true });
			if (!batch.lease) throw new Error(`nothing to claim in ${map}`);
			await store.complete(
				batch.lease,
				batch.changes.map((c) => ({ id: c.id, status: 'failed' as const, error: { class: errorClass, message: 'x' }, retry: true })),
			);
		};
		await fail('customers', 'throttling'); // 2 failures at T0
		t.clock.now += 5 * 60_000;
		await fail('customers', 'throttling'); // 2 more, retried ones count again
		await fail('vendors', 'validation');
		expect(await store.countErrors('customers', 'throttling', T0)).toBe(4);
		expect(await store.countErrors('customers', 'throttling', T0 + 60_000)).toBe(2);
		expect(await store.countErrors('customers', 'validation', T0)).toBe(0);
		expect(await store.countErrors('customers', undefined, T0)).toBe(4);
		expect(await store.countErrors('vendors', undefined, T0)).toBe(1);
	});
});

describe('the state file', () => {
	afterEach(closeAll);

	it('defaultStateFile puts the store in <user folder>/.n8n/dual-write/', () => {
		expect(defaultStateFile('/home/node')).toBe(path.join('/home/node', '.n8n', 'dual-write', 'state.sqlite'));
	});

	it('is created with its directories, owner-only, in WAL mode, at the current schema version; reopening migrates nothing', async () => {
		const t = await tempStore();
		const nested = path.join(t.dir, 'a', 'b', 'state.sqlite');
		const store = await openSqliteStateStore({ file: nested });
		await store.append([change()]);
		expect(statSync(nested).mode & 0o777).toBe(0o600);
		expect(statSync(path.dirname(nested)).mode & 0o777).toBe(0o700);
		await store.close();
		const again = await openSqliteStateStore({ file: nested });
		expect((await again.list()).items).toHaveLength(1);
		await again.close();
		const raw = new DatabaseSync(nested);
		expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
		expect(raw.prepare('SELECT version, name FROM schema_migration ORDER BY version').all()).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
		expect(MIGRATIONS[MIGRATIONS.length - 1].version).toBe(SCHEMA_VERSION);
		raw.close();
		expect(existsSync(nested)).toBe(true);
	});

	it('refuses a file written by a newer schema, and leaves it untouched', async () => {
		const t = await tempStore();
		await t.store.close();
		const raw = new DatabaseSync(t.file);
		raw.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'future', 0);
		raw.close();
		await expect(openSqliteStateStore({ file: t.file })).rejects.toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 1}`));
	});

	it('two handles on one file see each other’s writes at once (no in-memory truth)', async () => {
		const t = await tempStore();
		const other = await t.reopen();
		await t.store.append([change({ account: 'X' })]);
		expect((await other.list()).items.map((i) => i.source.key.CustomerAccount)).toEqual(['X']);
		const batch = await other.claimBatch('customers', 10, { leaseMs: 60_000 });
		expect(batch.changes).toHaveLength(1);
		expect(await t.store.claimBatch('customers', 10, { leaseMs: 60_000 })).toEqual({ changes: [], blocked: 'busy' });
	});
});
