import type { ClaimedBatch, ClaimResult, StateStore } from '../../../lib/state';
import { change, closeAll, T0, tempStore, type TestStore } from './helpers';

function claimed(result: ClaimResult): ClaimedBatch {
	if (result.lease === undefined) throw new Error(`expected a batch, got ${result.blocked}`);
	return result;
}

describe('journal: claimBatch and complete', () => {
	let t: TestStore;
	let store: StateStore;
	const backoff = { baseMs: 1000, factor: 2, maxMs: 10_000, maxAttempts: 4, jitter: 0 };
	beforeEach(async () => {
		t = await tempStore({ backoff });
		store = t.store;
	});
	afterEach(closeAll);

	it('claims due pending changes of one map in journal order, at most one per key, and marks them in-flight', async () => {
		await store.append([
			change({ account: 'A' }), // 1
			change({ account: 'B' }), // 2
			change({ account: 'A' }), // 3 waits for 1
			change({ map: 'vendors', account: 'A' }), // 4 other map
			change({ account: 'C', notBefore: T0 + 5000 }), // 5 not due
			change({ account: 'D' }), // 6
		]);
		const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000 }));
		expect(batch.changes.map((c) => c.id)).toEqual([1, 2, 6]);
		expect(batch.leaseUntil).toBe(T0 + 30_000);
		expect(batch.changes.every((c) => c.status === 'in-flight' && c.attempts === 1 && c.leaseUntil === T0 + 30_000)).toBe(true);
		expect((await store.get(3))?.status).toBe('pending');
	});

	it('the limit caps the batch', async () => {
		await store.append([change(), change(), change()]);
		expect(claimed(await store.claimBatch('customers', 2, { leaseMs: 1000 })).changes.map((c) => c.id)).toEqual([1, 2]);
	});

	it('one in-flight batch per map: a second claim is busy until the first completes', async () => {
		await store.append([change({ account: 'A' }), change({ account: 'B' }), change({ map: 'vendors' })]);
		const first = claimed(await store.claimBatch('customers', 1, { leaseMs: 30_000 }));
		expect(await store.claimBatch('customers', 10, { leaseMs: 30_000 })).toEqual({ changes: [], blocked: 'busy' });
		// Other maps are independent.
		expect(claimed(await store.claimBatch('vendors', 10, { leaseMs: 30_000 })).changes).toHaveLength(1);
		await store.complete(first.lease, [{ id: 1, status: 'done' }]);
		expect(claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000 })).changes.map((c) => c.id)).toEqual([2]);
	});

	it("a map's two directions take turns: either one's batch in flight makes the other's claim busy", async () => {
		await store.append([change({ account: 'A' }), change({ account: 'A', direction: 'dataverse->fo' }), change({ account: 'B', direction: 'dataverse->fo' })]);
		const forward = claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000, direction: 'fo->dataverse' }));
		expect(forward.changes.map((c) => c.id)).toEqual([1]);
		expect(await store.claimBatch('customers', 10, { leaseMs: 30_000, direction: 'dataverse->fo' })).toEqual({ changes: [], blocked: 'busy' });
		await store.complete(forward.lease, [{ id: 1, status: 'done' }]);
		const back = claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000, direction: 'dataverse->fo' }));
		expect(back.changes.map((c) => c.id)).toEqual([2, 3]);
		expect(await store.claimBatch('customers', 10, { leaseMs: 30_000, direction: 'fo->dataverse' })).toEqual({ changes: [], blocked: 'busy' });
	});

	it('keeps order per key across batches: the next change of a key waits until the earlier one is final', async () => {
		await store.append([change({ account: 'A', payload: 1 }), change({ account: 'A', payload: 2 }), change({ account: 'A', payload: 3 })]);
		const order: unknown[] = [];
		for (;;) {
			const result = await store.claimBatch('customers', 10, { leaseMs: 1000 });
			if (result.lease === undefined) {
				expect(result.blocked).toBe('empty');
				break;
			}
			expect(result.changes).toHaveLength(1);
			order.push(result.changes[0].payload);
			await store.complete(result.lease, [{ id: result.changes[0].id, status: 'done' }]);
		}
		expect(order).toEqual([1, 2, 3]);
	});

	it('a retryable failure goes back to pending with exponential backoff and blocks later changes of its key meanwhile', async () => {
		await store.append([change({ account: 'A' }), change({ account: 'A' }), change({ account: 'B' })]);
		const expected = [1000, 2000, 4000];
		for (const delay of expected) {
			const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 60_000 }));
			expect(batch.changes.map((c) => c.id)).toContain(1);
			const outcomes = batch.changes.map((c) =>
				c.id === 1 ? { id: 1, status: 'failed' as const, error: { class: 'transient' as const, message: 'HTTP 503' } } : { id: c.id, status: 'done' as const },
			);
			const result = await store.complete(batch.lease, outcomes);
			expect(result.rescheduled).toEqual([1]);
			expect(await store.get(1)).toMatchObject({ status: 'pending', nextAttemptAt: t.clock.now + delay, error: { class: 'transient', message: 'HTTP 503' } });
			// Not due yet: change 2 (same key) must not overtake it.
			expect(await store.claimBatch('customers', 10, { leaseMs: 60_000 })).toEqual({ changes: [], blocked: 'empty' });
			t.clock.now += delay;
		}
		// Fourth attempt fails too: maxAttempts reached, given up; change 2 may now go.
		const last = claimed(await store.claimBatch('customers', 10, { leaseMs: 60_000 }));
		expect(last.changes.map((c) => [c.id, c.attempts])).toEqual([[1, 4]]);
		expect(await store.complete(last.lease, [{ id: 1, status: 'failed', error: { class: 'transient', message: 'HTTP 503' } }])).toEqual({
			completed: [1],
			rescheduled: [],
			stale: [],
		});
		expect((await store.get(1))?.status).toBe('failed');
		expect(claimed(await store.claimBatch('customers', 10, { leaseMs: 60_000 })).changes.map((c) => c.id)).toEqual([2]);
	});

	it('honours Retry-After when longer than the backoff, and the retry override', async () => {
		await store.append([change(), change(), change()]);
		const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 60_000 }));
		await store.complete(batch.lease, [
			{ id: 1, status: 'failed', error: { class: 'throttling', message: '429', retryAfterMs: 7000 } },
			{ id: 2, status: 'failed', error: { class: 'validation', message: 'bad' } },
			{ id: 3, status: 'failed', error: { class: 'validation', message: 'maybe a plugin race' }, retry: true },
		]);
		expect(await store.get(1)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 7000 });
		expect(await store.get(2)).toMatchObject({ status: 'failed', error: { class: 'validation' } });
		expect(await store.get(3)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 1000 });
	});

	it('applies jitter around the backoff delay', async () => {
		const jittery = await tempStore({ backoff: { ...backoff, jitter: 0.2 }, random: () => 1 });
		await jittery.store.append([change()]);
		const batch = claimed(await jittery.store.claimBatch('customers', 1, { leaseMs: 1000 }));
		await jittery.store.complete(batch.lease, [{ id: 1, status: 'failed', error: { class: 'transient', message: 'x' } }]);
		expect((await jittery.store.get(1))?.nextAttemptAt).toBe(T0 + 1200);
	});

	it('skipped outcomes keep their decision; done updates the map last success, failures its last error', async () => {
		await store.append([change(), change()]);
		t.clock.now += 100;
		const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 1000 }));
		await store.complete(batch.lease, [
			{ id: 1, status: 'skipped', decision: 'no-change', detail: 'target already holds these values' },
			{ id: 2, status: 'done', detail: 'created' },
		]);
		expect(await store.get(1)).toMatchObject({ status: 'skipped', decision: 'no-change', detail: 'target already holds these values' });
		expect(await store.get(2)).toMatchObject({ status: 'done', detail: 'created' });
		expect(await store.getMapState('customers')).toMatchObject({ state: 'running', lastSuccessAt: T0 + 100 });
		expect((await store.getMapState('customers'))?.lastError).toBeUndefined();
	});

	it('a crashed worker: after the lease expires its batch returns to pending and is claimed again', async () => {
		await store.append([change({ account: 'A' }), change({ account: 'B' })]);
		const crashed = claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000 }));
		t.clock.now += 29_999;
		expect((await store.claimBatch('customers', 10, { leaseMs: 30_000 })).changes).toHaveLength(0);
		t.clock.now += 1;
		const again = claimed(await store.claimBatch('customers', 10, { leaseMs: 30_000 }));
		expect(again.changes.map((c) => [c.id, c.attempts])).toEqual([
			[1, 2],
			[2, 2],
		]);
		expect(again.changes[0].error?.message).toMatch(/lease expired/);
		expect(again.lease).not.toBe(crashed.lease);
		// The late worker's outcomes are refused, the new owner's accepted.
		expect(await store.complete(crashed.lease, [{ id: 1, status: 'done' }])).toEqual({ completed: [], rescheduled: [], stale: [1] });
		expect((await store.get(1))?.status).toBe('in-flight');
		expect((await store.complete(again.lease, [{ id: 1, status: 'done' }])).completed).toEqual([1]);
	});

	it('a change that outlives its lease maxAttempts times is given up as failed', async () => {
		await store.append([change()]);
		for (let attempt = 1; attempt <= backoff.maxAttempts; attempt++) {
			expect(claimed(await store.claimBatch('customers', 10, { leaseMs: 1000 })).changes[0].attempts).toBe(attempt);
			t.clock.now += 1000;
		}
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'empty' });
		expect(await store.get(1)).toMatchObject({ status: 'failed', error: { class: 'unknown', message: expect.stringMatching(/gave up after 4/) } });
	});

	it('extendLease keeps a slow batch; release returns it without counting an attempt', async () => {
		await store.append([change(), change()]);
		const batch = claimed(await store.claimBatch('customers', 10, { leaseMs: 1000 }));
		t.clock.now += 900;
		expect(await store.extendLease(batch.lease, 1000)).toBe(true);
		t.clock.now += 900;
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'busy' });
		await store.complete(batch.lease, [{ id: 1, status: 'done' }]);
		expect(await store.release(batch.lease)).toBe(1);
		expect(await store.extendLease(batch.lease, 1000)).toBe(false);
		expect(await store.get(2)).toMatchObject({ status: 'pending', attempts: 0 });
		expect(claimed(await store.claimBatch('customers', 10, { leaseMs: 1000 })).changes.map((c) => c.id)).toEqual([2]);
	});

	it('a paused or stopped map is not claimed (changes keep being captured), unless asked explicitly', async () => {
		await store.setMapState('customers', 'paused');
		await store.append([change()]);
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'paused' });
		await store.setMapState('customers', 'stopped');
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'stopped' });
		expect(claimed(await store.claimBatch('customers', 10, { leaseMs: 1000, ignoreMapState: true })).changes).toHaveLength(1);
		await store.setMapState('customers', 'catching-up');
		await store.append([change()]);
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'busy' });
	});
});
