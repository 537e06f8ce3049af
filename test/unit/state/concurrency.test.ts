/**
 * Real processes on one SQLite file: n8n may run the trigger, the map and the upsert in different processes at once.
 * Four workers append (with duplicated deliveries), claim and complete concurrently; one of them dies holding a
 * lease. Afterwards every change must have been completed exactly once, none lost, in order per key.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { StateStore } from '../../../lib/state';
import type { WorkerReport } from './concurrency-worker';
import { closeAll, tempStore } from './helpers';

const WORKER = path.join(__dirname, 'concurrency-worker.ts');
const ROUNDS = 12;
const PER_ROUND = 40;
const KEYS = 15;

const children = new Set<ChildProcess>();

function run(file: string, worker: number, workers: number, mode = ''): Promise<{ code: number | null; report?: WorkerReport }> {
	return new Promise((resolve, reject) => {
		const child = fork(WORKER, [file, String(worker), String(workers), String(ROUNDS), String(PER_ROUND), String(KEYS), mode], {
			execArgv: ['--import', 'tsx'],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		children.add(child);
		let report: WorkerReport | undefined;
		child.on('message', (message) => (report = message as WorkerReport));
		child.on('error', reject);
		child.on('exit', (code) => {
			children.delete(child);
			// A normal worker that failed would keep the others waiting for it: end them so the test fails fast.
			if (code !== 0 && mode !== 'crash') for (const other of children) other.kill();
			resolve({ code, report });
		});
	});
}

describe('state store under concurrent processes', () => {
	jest.setTimeout(90_000);
	afterEach(closeAll);

	it('4 processes: every change processed exactly once, none lost, order per key kept, a crashed worker’s lease recovered', async () => {
		const t = await tempStore({ now: Date.now });
		const store: StateStore = t.store;
		const workers = 4;
		const runs = await Promise.all([run(t.file, 0, workers), run(t.file, 1, workers), run(t.file, 2, workers), run(t.file, 3, workers, 'crash')]);
		const reports = runs.map((r) => r.report);
		expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 1]);
		expect(reports.every((r) => r !== undefined)).toBe(true);
		const all = reports as WorkerReport[];

		// De-dup: each shared event (every round's even items, delivered to every worker) was inserted once; own
		// events once per worker that appended that round.
		const sharedPerRound = Math.ceil(PER_ROUND / 2);
		const ownPerRound = PER_ROUND - sharedPerRound;
		const rounds = all.reduce((n, r) => n + r.roundsAppended, 0);
		expect(rounds).toBe(ROUNDS * (workers - 1) + 1);
		const crasherOwn = PER_ROUND;
		const expected = ROUNDS * sharedPerRound + rounds * ownPerRound + crasherOwn;
		expect(all.reduce((n, r) => n + r.appended, 0)).toBe(expected);
		expect(all.reduce((n, r) => n + r.duplicates, 0)).toBe(rounds * sharedPerRound - ROUNDS * sharedPerRound);

		// Exactly once: every id completed by exactly one worker, and the journal agrees.
		const completed = all.flatMap((r) => r.completed).sort((a, b) => a - b);
		expect(completed).toHaveLength(expected);
		expect(new Set(completed).size).toBe(expected);
		const journaled: number[] = [];
		for (let cursor: string | undefined, page; (page = await store.list({ order: 'asc', limit: 1000, cursor })); cursor = page.nextCursor) {
			journaled.push(...page.items.map((i) => i.id));
			if (!page.nextCursor) break;
		}
		expect(completed).toEqual(journaled);
		const counts = await Promise.all(['customers', 'vendors', 'crash-test'].map((map) => store.counts(map)));
		expect(counts.reduce((n, c) => n + c.done, 0)).toBe(expected);
		expect(counts.every((c) => c.pending === 0 && c['in-flight'] === 0 && c.failed === 0)).toBe(true);

		// Order per key, checked by the workers against the store's CAS cursors.
		expect(all.flatMap((r) => r.violations)).toEqual([]);

		// The crasher's batch was recovered after its lease and done by someone else, on a later attempt.
		const abandoned = all[3].abandoned;
		// One change per key per batch: its 40 changes span KEYS keys.
		expect(abandoned).toHaveLength(KEYS);
		for (const id of abandoned) expect(await store.get(id)).toMatchObject({ status: 'done', attempts: expect.any(Number) });
		const attempts = await Promise.all(abandoned.map(async (id) => (await store.get(id))?.attempts ?? 0));
		expect(Math.min(...attempts)).toBeGreaterThanOrEqual(2);
		// Transient failures were rescheduled and then done.
		expect((await store.list({ errorClass: 'transient', status: 'done', limit: 1000 })).items.length).toBeGreaterThan(0);
	});
});
