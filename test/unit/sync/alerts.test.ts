/**
 * Alert evaluation and the trip feed on a real SQLite store (temp file) with a clock that only moves when the test
 * moves it; failures are produced the way live sync produces them: claimed, then completed as failed.
 */
import type { ErrorClass, StateStore } from '../../../lib/state';
import { evaluateRules, followTrips, mapStatus, nextTrips, pauseMap, resumeMap } from '../../../lib/sync';
import { change, closeAll, T0, tempStore, type TestStore } from '../state/helpers';

const MINUTE = 60_000;

let t: TestStore;
let store: StateStore;
beforeEach(async () => {
	t = await tempStore();
	store = t.store;
});
afterEach(closeAll);

/** `n` changes of `map` fail once each with `errorClass` at the current clock. */
async function fail(n: number, errorClass: ErrorClass = 'validation', map = 'customers'): Promise<number[]> {
	const appended = await store.append(Array.from({ length: n }, () => change({ map })));
	const ids = appended.results.map((r) => r.id);
	const batch = await store.claimBatch(map, n, { leaseMs: 1000, ignoreMapState: true });
	if (batch.lease === undefined) throw new Error(`nothing claimed: ${batch.blocked}`);
	await store.complete(
		batch.lease,
		batch.changes.map((c) => ({ id: c.id, status: 'failed' as const, error: { class: errorClass, message: `HTTP 400: bad value in ${c.id}`, status: 400 }, retry: false })),
	);
	return ids;
}

describe('evaluateRules', () => {
	it('trips once the threshold is reached within the window: records the numbers, pauses the map, samples the failures', async () => {
		const rule = await store.setAlertRule({ map: 'customers', errorClass: 'validation', threshold: 3, windowMinutes: 15, pause: true, notify: true });
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
		t.clock.now += 2 * MINUTE;
		const [third] = await fail(1);
		const trips = await evaluateRules(store, t.clock.now);
		expect(trips).toHaveLength(1);
		expect(trips[0]).toMatchObject({
			map: 'customers',
			at: T0 + 2 * MINUTE,
			rule: { id: rule.id, name: 'validation', errorClass: 'validation', threshold: 3, windowMinutes: 15, pause: true, notify: true },
			errors: 3,
			windowStart: T0 - 13 * MINUTE,
			paused: true,
			state: 'paused',
		});
		expect(trips[0].sample.map((s) => s.id)).toEqual([third, 2, 1]);
		expect(trips[0].sample[0]).toMatchObject({ errorClass: 'validation', status: 400, message: `HTTP 400: bad value in ${third}`, sourceKey: { dataAreaId: 'usmf' } });
		expect((await mapStatus(store, 'customers')).state).toBe('paused');
		expect(await store.claimBatch('customers', 10, { leaseMs: 1000 })).toEqual({ changes: [], blocked: 'paused' });
		const [logged] = (await store.listActivity({ map: 'customers', events: ['rule-tripped'] })).items;
		expect(logged).toMatchObject({ id: trips[0].activityId, detail: { errors: 3, paused: true, rule: { threshold: 3 } } });
		// Evaluating again finds nothing new: the trip is not repeated every tick.
		t.clock.now += 10_000;
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
	});

	it('of several processes evaluating at once, exactly one records the trip', async () => {
		await store.setAlertRule({ map: 'customers', threshold: 2, windowMinutes: 5, pause: true, notify: true });
		await fail(2, 'transient');
		const others = await Promise.all([t.reopen(), t.reopen(), t.reopen()]);
		const results = await Promise.all([store, ...others].map((handle) => evaluateRules(handle, t.clock.now)));
		expect(results.flat()).toHaveLength(1);
		expect((await store.listActivity({ events: ['rule-tripped'] })).items).toHaveLength(1);
		expect((await store.listActivity({ events: ['state-changed'] })).items).toHaveLength(1);
	});

	it('failures a trip counted do not count again, even in the same minute; new ones trip the rule again', async () => {
		await store.setAlertRule({ map: 'customers', threshold: 3, windowMinutes: 15, pause: false, notify: true });
		await fail(3);
		expect(await evaluateRules(store, t.clock.now)).toHaveLength(1);
		expect((await store.getMapState('customers'))?.state).not.toBe('paused');
		t.clock.now += 20_000;
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
		t.clock.now += MINUTE;
		await fail(1);
		const [again] = await evaluateRules(store, t.clock.now);
		expect(again).toMatchObject({ errors: 3, paused: false, state: 'running' });
		// Much later the window no longer reaches the previous trip: only failures inside it count.
		t.clock.now += 30 * MINUTE;
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
	});

	it('only failures inside the window count', async () => {
		await store.setAlertRule({ map: 'customers', threshold: 3, windowMinutes: 10, pause: true, notify: true });
		await fail(2);
		t.clock.now += 12 * MINUTE;
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
		t.clock.now += MINUTE;
		await fail(1);
		expect(await evaluateRules(store, t.clock.now)).toMatchObject([{ errors: 3 }]);
	});

	it('a rule counts its own class and map only; "any" counts every class; rules apply from the next evaluation', async () => {
		await store.setAlertRule({ map: 'customers', errorClass: 'auth', threshold: 2, windowMinutes: 15, pause: true, notify: true });
		await fail(3, 'validation');
		await fail(3, 'auth', 'vendors');
		expect(await evaluateRules(store, t.clock.now)).toEqual([]);
		await store.setAlertRule({ map: 'customers', threshold: 3, windowMinutes: 15, pause: false, notify: true });
		const trips = await evaluateRules(store, t.clock.now);
		expect(trips.map((trip) => [trip.rule.name, trip.errors])).toEqual([['any', 3]]);
		// Only maps asked for.
		await store.setAlertRule({ map: 'vendors', threshold: 1, windowMinutes: 15, pause: false, notify: true });
		expect(await evaluateRules(store, t.clock.now, { maps: ['customers'] })).toEqual([]);
		expect((await evaluateRules(store, t.clock.now, { maps: ['vendors'] })).map((trip) => trip.map)).toEqual(['vendors']);
	});

	it('a paused map is not paused again, and resuming it lets the rule trip and pause it anew', async () => {
		await store.setAlertRule({ map: 'customers', threshold: 2, windowMinutes: 15, pause: true, notify: true });
		await pauseMap(store, 'customers', { reason: 'maintenance' });
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toMatchObject([{ paused: false, state: 'paused' }]);
		await resumeMap(store, 'customers');
		t.clock.now += MINUTE;
		await fail(2);
		expect(await evaluateRules(store, t.clock.now)).toMatchObject([{ paused: true, state: 'paused' }]);
	});
});

describe('the trip feed', () => {
	it('starts at the newest trip, hands each later trip to each consumer once, and skips rules that do not notify', async () => {
		await store.setAlertRule({ map: 'customers', threshold: 1, windowMinutes: 15, pause: false, notify: true });
		await fail(1);
		await evaluateRules(store, t.clock.now);
		await followTrips(store, 'email');
		await followTrips(store, 'slack');
		expect(await nextTrips(store, 'email')).toEqual([]);

		t.clock.now += MINUTE;
		await fail(1);
		await store.setAlertRule({ map: 'vendors', threshold: 1, windowMinutes: 15, pause: true, notify: false });
		await fail(1, 'transient', 'vendors');
		expect(await evaluateRules(store, t.clock.now)).toHaveLength(2);
		const other = await t.reopen();
		const [mine, theirs] = await Promise.all([nextTrips(store, 'email'), nextTrips(other, 'email')]);
		expect([...mine, ...theirs].map((trip) => trip.map)).toEqual(['customers']);
		expect(await nextTrips(store, 'email')).toEqual([]);
		expect((await nextTrips(store, 'slack')).map((trip) => [trip.map, trip.errors])).toEqual([['customers', 1]]);
		// The vendors trip acted (paused) without notifying.
		expect((await store.getMapState('vendors'))?.state).toBe('paused');
	});

	it('a consumer without a position starts following on its first read; a map filter passes other maps over', async () => {
		expect(await nextTrips(store, 'teams', { maps: ['vendors'] })).toEqual([]);
		await store.setAlertRule({ map: 'customers', threshold: 1, windowMinutes: 15, pause: false, notify: true });
		await fail(1);
		await evaluateRules(store, t.clock.now);
		expect(await nextTrips(store, 'teams', { maps: ['vendors'] })).toEqual([]);
		expect(await nextTrips(store, 'teams')).toEqual([]);
	});
});
