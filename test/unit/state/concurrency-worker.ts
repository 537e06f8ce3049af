/**
 * One of several processes hammering one state file (forked by concurrency.test.ts through `node --import tsx`).
 * It appends changes (half of them deliveries that other workers duplicate), claims and completes batches, and
 * checks order per key itself with the store's compare-and-set cursors: processing change N of a key must find the
 * key's cursor at the previous change's id and move it to N. Finding anything else is a violation.
 *
 * One worker runs in `crash` mode: it claims a batch and exits without completing it; the others must recover it
 * once the lease expires.
 *
 * argv: file workerId workers rounds perRound keys [crash]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openSqliteStateStore, type NewChange, type StateStore } from '../../../lib/state';

const [file, workerArg, workersArg, roundsArg, perRoundArg, keysArg, mode] = process.argv.slice(2);
const worker = Number(workerArg);
const workers = Number(workersArg);
const rounds = Number(roundsArg);
const perRound = Number(perRoundArg);
const keys = Number(keysArg);
const MAPS = ['customers', 'vendors'];
const CRASH_MAP = 'crash-test';
// Long enough that a live worker never loses its batch on a busy CI machine; short enough to wait out the crash.
const LEASE_MS = 5_000;

export interface WorkerReport {
	worker: number;
	roundsAppended: number;
	appended: number;
	duplicates: number;
	completed: number[];
	abandoned: number[];
	violations: string[];
}

const report: WorkerReport = { worker, roundsAppended: 0, appended: 0, duplicates: 0, completed: [], abandoned: [], violations: [] };

function changesFor(round: number): NewChange[] {
	return Array.from({ length: perRound }, (_, i) => {
		// Even items are one event delivered to every worker (the same key and event id each time); odd are own.
		const shared = i % 2 === 0;
		const eventId = shared ? `shared-${round}-${i}` : `w${worker}-${round}-${i}`;
		const account = `K${(round * perRound + i + (shared ? 0 : worker)) % keys}`;
		return {
			map: MAPS[(round + i) % MAPS.length],
			direction: 'fo->dataverse',
			change: 'update',
			source: { entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: account }, eventId },
			payload: { eventId, worker },
		};
	});
}

async function processBatch(store: StateStore, map: string): Promise<'worked' | 'idle'> {
	const batch = await store.claimBatch(map, 25, { leaseMs: LEASE_MS });
	if (batch.lease === undefined) return 'idle';
	const outcomes = [];
	for (const change of batch.changes) {
		// Some first attempts fail transiently, so that rescheduling interleaves with later changes of the key.
		if (change.id % 7 === 0 && change.attempts === 1) {
			outcomes.push({ id: change.id, status: 'failed' as const, error: { class: 'transient' as const, message: 'HTTP 503' } });
			continue;
		}
		const name = `order:${change.map}:${change.orderKey}`;
		const previous = (await store.getCursor(name))?.value ?? null;
		if (previous !== null && Number(previous) >= change.id) report.violations.push(`${name}: ${change.id} after ${previous}`);
		if (!(await store.setCursor(name, String(change.id), { expect: previous }))) report.violations.push(`${name}: lost CAS at ${change.id}`);
		outcomes.push({ id: change.id, status: 'done' as const });
	}
	await sleep(Math.random() * 3);
	const result = await store.complete(batch.lease, outcomes);
	if (result.stale.length > 0) report.violations.push(`stale completion of ${result.stale.join(',')}`);
	for (const id of result.completed) if (!result.rescheduled.includes(id)) report.completed.push(id);
	return 'worked';
}

async function announceAppended(store: StateStore): Promise<void> {
	for (;;) {
		const done = await store.getCursor('appenders-done');
		const next = String(Number(done?.value ?? 0) + 1);
		if (await store.setCursor('appenders-done', next, { expect: done?.value ?? null })) return;
	}
}

/** The others leave the crasher's map alone until it has died holding its batch, so its claim cannot miss. */
async function mapsToProcess(store: StateStore): Promise<string[]> {
	return (await store.getCursor('crashed')) ? [...MAPS, CRASH_MAP] : MAPS;
}

async function main(): Promise<void> {
	const store = await openSqliteStateStore({ file, backoff: { baseMs: 20, factor: 2, maxMs: 200, maxAttempts: 20, jitter: 0 } });
	// The crasher appends one round like everyone, then a batch of its own, claims it and dies with it.
	const myRounds = mode === 'crash' ? 1 : rounds;
	for (let round = 0; round < myRounds; round++) {
		const { results } = await store.append(changesFor(round));
		report.roundsAppended++;
		for (const r of results) {
			if (r.duplicate) report.duplicates++;
			else report.appended++;
		}
		if (mode !== 'crash') for (const map of await mapsToProcess(store)) await processBatch(store, map);
	}
	if (mode === 'crash') {
		const own = changesFor(0).map((c, i) => ({ ...c, map: CRASH_MAP, source: { ...c.source, eventId: `crash-${i}` } }));
		report.appended += (await store.append(own)).results.filter((r) => !r.duplicate).length;
		const batch = await store.claimBatch(CRASH_MAP, 25, { leaseMs: LEASE_MS });
		report.abandoned = batch.changes.map((c) => c.id);
		await announceAppended(store);
		await store.setCursor('crashed', String(process.pid));
		// Die holding the lease, as a killed worker would: no complete, no release, no close.
		process.send?.(report, () => process.exit(1));
		return;
	}
	// Announce that this worker appended everything: the others exit only when all have and nothing is open.
	await announceAppended(store);
	for (;;) {
		let worked = false;
		const maps = await mapsToProcess(store);
		for (const map of maps) if ((await processBatch(store, map)) === 'worked') worked = true;
		if (worked) continue;
		const appenders = Number((await store.getCursor('appenders-done'))?.value ?? 0);
		const open = await Promise.all(maps.map((map) => store.counts(map)));
		if (appenders === workers && maps.includes(CRASH_MAP) && open.every((c) => c.pending === 0 && c['in-flight'] === 0)) break;
		await sleep(5);
	}
	await store.close();
	process.send?.(report, () => process.exit(0));
}

// A worker that fails must not leave the others waiting for it forever.
setTimeout(() => process.exit(4), 60_000).unref();
main().catch((error: unknown) => {
	console.error(`worker ${worker}:`, error);
	process.exit(3);
});
