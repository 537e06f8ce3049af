import type { JournalStatus, StateStore } from '../../../lib/state';
import { change, closeAll, T0, tempStore, type TestStore } from './helpers';

const DAY = 24 * 60 * 60_000;

describe('journal: append, list, retry, dismiss, purge, counts', () => {
	let t: TestStore;
	let store: StateStore;
	beforeEach(async () => {
		t = await tempStore();
		store = t.store;
	});
	afterEach(closeAll);

	/** Drives the given ids to a status through the public API. */
	async function settle(status: 'done' | 'failed' | 'skipped', map = 'customers'): Promise<number[]> {
		const batch = await store.claimBatch(map, 1000, { leaseMs: 60_000 });
		if (batch.lease === undefined) throw new Error(`nothing to claim: ${batch.blocked}`);
		await store.complete(
			batch.lease,
			batch.changes.map((c) =>
				status === 'done'
					? { id: c.id, status }
					: status === 'skipped'
						? { id: c.id, status, decision: 'filtered', detail: 'PartyType filter' }
						: { id: c.id, status, error: { class: 'validation' as const, message: 'Field Name must be filled in' } },
			),
		);
		return batch.changes.map((c) => c.id);
	}

	it('append stores every field of the change and returns ids in input order', async () => {
		const input = change({
			account: 'US-001',
			source: { entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: 'US-001' }, version: 'cn-5', eventId: 'evt-1', at: '2026-01-05T08:59:00Z' },
		});
		const { results } = await store.append([input, change()]);
		expect(results).toEqual([
			{ id: 1, duplicate: false },
			{ id: 2, duplicate: false },
		]);
		expect(await store.get(1)).toEqual({
			id: 1,
			map: 'customers',
			direction: 'fo->dataverse',
			change: 'update',
			source: { system: 'fo', entity: 'CustomersV3', key: { CustomerAccount: 'US-001', dataAreaId: 'usmf' }, version: 'cn-5', eventId: 'evt-1', at: '2026-01-05T08:59:00Z' },
			target: { system: 'dataverse', entity: 'accounts', key: { accountnumber: 'US-001', 'msdyn_company.cdm_companycode': 'usmf' } },
			orderKey: 'fo:{"CustomerAccount":"US-001","dataAreaId":"usmf"}',
			payload: input.payload,
			status: 'pending',
			attempts: 0,
			nextAttemptAt: T0,
			createdAt: T0,
			updatedAt: T0,
		});
		expect(await store.get(99)).toBeUndefined();
	});

	it('a duplicated delivery (same map, source system and event id) is reported, not re-inserted', async () => {
		const first = await store.append([change({ source: { key: { id: 'a' }, eventId: 'e1' } })]);
		const again = await store.append([
			change({ source: { key: { id: 'a' }, eventId: 'e1' }, payload: { changed: true } }),
			change({ source: { key: { id: 'b' }, eventId: 'e2' } }),
			change({ source: { key: { id: 'b' }, eventId: 'e2' } }),
			// Same event id from the other system or another map is a different event.
			change({ direction: 'dataverse->fo', source: { key: { id: 'a' }, eventId: 'e1' } }),
			change({ map: 'vendors', source: { key: { id: 'a' }, eventId: 'e1' } }),
			// No event id: never a duplicate.
			change({ source: { key: { id: 'a' } } }),
			change({ source: { key: { id: 'a' } } }),
		]);
		const id = first.results[0].id;
		expect(again.results.map((r) => r.duplicate)).toEqual([true, false, true, false, false, false, false]);
		expect(again.results[0].id).toBe(id);
		expect(again.results[2].id).toBe(again.results[1].id);
		expect((await store.get(id))?.payload).not.toEqual({ changed: true });
		expect((await store.list({ map: 'customers', limit: 1000 })).items).toHaveLength(5);
	});

	it('rejects a change without a map, direction or source key, and inserts none of the batch', async () => {
		await expect(store.append([change(), { ...change(), map: '' }])).rejects.toThrow(/map/);
		await expect(store.append([{ ...change(), direction: 'sideways' as never }])).rejects.toThrow(/direction/);
		await expect(store.append([{ ...change(), source: undefined as never }])).rejects.toThrow(/source key/);
		expect((await store.list()).items).toHaveLength(0);
	});

	it('list filters by map, key (source or target), status, error class, event id and time, and pages by cursor', async () => {
		await store.append([change({ account: 'K1' }), change({ account: 'K2' }), change({ account: 'K3' }), change({ map: 'vendors', account: 'K1' })]);
		t.clock.now = T0 + 1000;
		await store.append([change({ account: 'K1', source: { key: { dataAreaId: 'usmf', CustomerAccount: 'K1' }, eventId: 'late' } })]);
		const ids = (page: { items: Array<{ id: number }> }) => page.items.map((i) => i.id);

		expect(ids(await store.list())).toEqual([5, 4, 3, 2, 1]);
		expect(ids(await store.list({ map: 'customers', order: 'asc' }))).toEqual([1, 2, 3, 5]);
		expect(ids(await store.list({ map: 'customers', key: { CustomerAccount: 'K1', dataAreaId: 'usmf' } }))).toEqual([5, 1]);
		// The target key finds the same changes.
		expect(ids(await store.list({ map: 'customers', key: { accountnumber: 'K1', 'msdyn_company.cdm_companycode': 'usmf' } }))).toEqual([5, 1]);
		expect(ids(await store.list({ eventId: 'late' }))).toEqual([5]);
		expect(ids(await store.list({ from: T0 + 1000 }))).toEqual([5]);
		expect(ids(await store.list({ to: T0 + 1000 }))).toEqual([4, 3, 2, 1]);

		await settle('failed');
		// 5 waited behind 1 (same key), so it was not in the batch that failed.
		expect(ids(await store.list({ status: 'failed', errorClass: 'validation' }))).toEqual([3, 2, 1]);
		expect(ids(await store.list({ status: 'pending', map: 'customers' }))).toEqual([5]);
		expect(ids(await store.list({ status: ['failed', 'pending'], map: 'vendors' }))).toEqual([4]);
		expect(ids(await store.list({ errorClass: 'throttling' }))).toEqual([]);

		const first = await store.list({ limit: 2 });
		expect(ids(first)).toEqual([5, 4]);
		const second = await store.list({ limit: 2, cursor: first.nextCursor });
		expect(ids(second)).toEqual([3, 2]);
		const third = await store.list({ limit: 2, cursor: second.nextCursor });
		expect(ids(third)).toEqual([1]);
		expect(third.nextCursor).toBeUndefined();
		const asc = await store.list({ limit: 3, order: 'asc' });
		expect(ids(await store.list({ limit: 3, order: 'asc', cursor: asc.nextCursor }))).toEqual([4, 5]);
		await expect(store.list({ cursor: 'nonsense' })).rejects.toThrow(/cursor/);
	});

	it('append can record an already decided change (an echo skipped at the trigger) for lineage', async () => {
		const { results } = await store.append([change({ status: 'skipped', decision: 'echo', detail: 'hash equals our last write' })]);
		expect(await store.get(results[0].id)).toMatchObject({ status: 'skipped', decision: 'echo', detail: 'hash equals our last write' });
		expect((await store.claimBatch('customers', 10, { leaseMs: 1000 })).changes).toHaveLength(0);
	});

	it('retry re-queues failed changes (a filter without status means failed), with an edited payload kept apart from the original', async () => {
		await store.append([change({ account: 'A' }), change({ account: 'B' }), change({ account: 'C' })]);
		await settle('failed');
		await store.append([change({ account: 'D' })]);
		await settle('done');

		expect(await store.retry({ map: 'customers', key: { dataAreaId: 'usmf', CustomerAccount: 'A' } })).toEqual([1]);
		expect(await store.get(1)).toMatchObject({ status: 'pending', attempts: 0, error: { class: 'validation' } });
		expect(await store.retry({ map: 'customers' })).toEqual([2, 3]);
		// done is only replayed when asked for by status.
		expect(await store.retry({ status: 'done' })).toEqual([4]);

		await settle('failed');
		t.clock.now += 5000;
		expect(await store.retry([2], { editedPayload: { CustomerAccount: 'B', Name: 'Fixed name' }, notBefore: T0 + 60_000 })).toEqual([2]);
		const edited = await store.get(2);
		expect(edited).toMatchObject({ status: 'pending', payload: { CustomerAccount: 'B', Name: 'Fixed name' }, nextAttemptAt: T0 + 60_000, updatedAt: T0 + 5000 });
		expect(edited?.originalPayload).toMatchObject({ CustomerAccount: 'B' });
		expect((edited?.originalPayload as { Name: string }).Name).not.toBe('Fixed name');
		// A second edit keeps the first original.
		await store.dismiss([2]);
		await store.retry([2], { editedPayload: { CustomerAccount: 'B', Name: 'Again' } });
		expect((await store.get(2))?.originalPayload).toEqual(edited?.originalPayload);

		await expect(store.retry([1, 3], { editedPayload: {} })).rejects.toThrow(/exactly one/);
		// Pending and in-flight changes are not touched by retry.
		expect(await store.retry([2])).toEqual([]);
	});

	it('dismiss sets failed or pending changes aside with a reason; final ones stay as they are', async () => {
		await store.append([change(), change(), change()]);
		const failed = await settle('failed');
		await store.append([change(), change()]);
		expect(await store.dismiss([failed[0], 4], 'record deleted on purpose')).toEqual([failed[0], 4]);
		expect(await store.get(failed[0])).toMatchObject({ status: 'dismissed', detail: 'record deleted on purpose' });
		expect(await store.dismiss({ map: 'customers' })).toEqual(failed.slice(1));
		expect(await store.dismiss([failed[0]])).toEqual([]);
		expect((await store.counts('customers')).dismissed).toBe(4);
		expect((await store.counts('customers')).pending).toBe(1);
	});

	it('purge removes only final changes older than the retention (31 days by default), plus old activity and error counters', async () => {
		await store.append([change(), change(), change(), change()]);
		const [done] = [await settle('done')];
		await store.append([change(), change(), change()]);
		const failed = await settle('failed');
		await store.dismiss([failed[0]]);
		await store.append([change({ status: 'skipped', decision: 'echo' }), change()]);
		await store.logActivity('customers', 'started');

		t.clock.now = T0 + 30 * DAY;
		expect(await store.purge()).toEqual({ journal: 0, activity: 0, errorBuckets: 0 });
		t.clock.now = T0 + 32 * DAY;
		expect(await store.purge()).toEqual({ journal: done.length + 2, activity: 1, errorBuckets: 1 });
		const left = (await store.list({ limit: 100 })).items.map((i) => i.status).sort();
		expect(left).toEqual<JournalStatus[]>(['failed', 'failed', 'pending']);
		expect(await store.countErrors('customers', undefined, 0)).toBe(0);
		// An explicit cutoff.
		await store.append([change({ status: 'done' })]);
		expect((await store.purge({ olderThan: t.clock.now + 1 })).journal).toBe(1);
	});

	it('counts the backlog per status, with retrying pending changes apart', async () => {
		await store.append([change(), change(), change(), change({ map: 'vendors' })]);
		const batch = await store.claimBatch('customers', 3, { leaseMs: 1000 });
		if (!batch.lease) throw new Error('expected a batch');
		await store.complete(batch.lease, [
			{ id: 1, status: 'done' },
			{ id: 2, status: 'failed', error: { class: 'throttling', message: '429' } },
		]);
		expect(await store.counts('customers')).toEqual({ pending: 1, 'in-flight': 1, done: 1, failed: 0, skipped: 0, dismissed: 0, retrying: 1 });
		expect(await store.counts('vendors')).toMatchObject({ pending: 1, retrying: 0 });
		expect(await store.counts('nothing')).toEqual({ pending: 0, 'in-flight': 0, done: 0, failed: 0, skipped: 0, dismissed: 0, retrying: 0 });
	});
});
