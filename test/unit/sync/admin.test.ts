/** Pause, resume and status of a map over a real SQLite store (temp file, fixed clock). */
import type { StateStore } from '../../../lib/state';
import { mapStatus, mapStatuses, pauseMap, resumeMap } from '../../../lib/sync';
import { change, closeAll, T0, tempStore, type TestStore } from '../state/helpers';

let t: TestStore;
let store: StateStore;
beforeEach(async () => {
	t = await tempStore();
	store = t.store;
});
afterEach(closeAll);

describe('map controls', () => {
	it('status of a map the store has never seen: not started, empty backlog', async () => {
		expect(await mapStatus(store, 'customers')).toEqual({
			map: 'customers',
			state: 'not-started',
			backlog: { pending: 0, 'in-flight': 0, done: 0, failed: 0, skipped: 0, dismissed: 0, retrying: 0 },
			alertRules: 0,
		});
	});

	it('pause logs who and why once; resume with a backlog catches up, without one goes straight back to running', async () => {
		const by = { workflow: 'Admin', execution: '42' };
		const paused = await pauseMap(store, 'customers', { reason: 'ERP upgrade', by });
		expect(paused).toMatchObject({ changed: true, previous: 'not-started', status: { state: 'paused', detail: 'paused: ERP upgrade', since: T0 } });
		expect((await pauseMap(store, 'customers')).changed).toBe(false);
		await store.append([change(), change()]);
		t.clock.now += 1000;
		const resumed = await resumeMap(store, 'customers', { reason: 'upgrade done', by });
		expect(resumed).toMatchObject({ changed: true, previous: 'paused', status: { state: 'catching-up', backlog: { pending: 2 } } });
		expect((await resumeMap(store, 'customers')).changed).toBe(false);
		const events = (await store.listActivity({ map: 'customers', events: ['paused', 'resumed'] })).items;
		expect(events.map((e) => [e.event, e.detail])).toEqual([
			['resumed', { reason: 'upgrade done', by, from: 'paused', to: 'catching-up', backlog: 2 }],
			['paused', { reason: 'ERP upgrade', by, from: 'not-started', backlog: 0 }],
		]);

		await pauseMap(store, 'vendors');
		expect((await resumeMap(store, 'vendors')).status.state).toBe('running');
		expect((await mapStatuses(store)).map((s) => [s.map, s.state])).toEqual([
			['customers', 'catching-up'],
			['vendors', 'running'],
		]);
	});
});
