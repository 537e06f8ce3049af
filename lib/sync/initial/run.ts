/**
 * The control plane's initial sync of a set of maps: dependency order (legal entities, groups and terms before the
 * customers that look them up), one map at a time, each streamed by `syncMap`. A checkpoint in the state store
 * (`initial-sync:<run>`) records the maps finished and the last key written of the current one, so a re-run after a
 * crash or a stop resumes there and re-sends nothing already written. No row cap, no time limit: the table is
 * streamed. Progress shows in the map's state (`initial-sync`, with counts) while it runs; live sync keeps running.
 */
import type { Connector } from '../../connectors';
import { dependencyOrder, type CompiledMap, type SyncDirection } from '../../maps';
import type { SystemName } from '../../odata';
import type { MapRunState, StateStore } from '../../state';
import type { EnvelopeKey } from '../envelope';
import { sourceOf, targetOf } from '../live/sides';
import { addCounts, emptyCounts, InitialSyncError, type MapSyncCounts, type MapSyncReport } from './report';
import { syncMap } from './syncMap';

export interface InitialSyncMap {
	compiled: CompiledMap;
	/** The master side's direction: its records are copied to the other side. */
	direction: SyncDirection;
}

export interface InitialSyncOptions {
	store: StateStore;
	connectors: Record<SystemName, Connector>;
	maps: InitialSyncMap[];
	/** The checkpoint's name: runs of different names resume independently. Default `default`. */
	run?: string;
	dryRun?: boolean;
	/** Discard an unfinished run's checkpoint and start over. */
	restart?: boolean;
	pageSize?: number;
	batchSize?: number;
	concurrency?: number;
	sampleSize?: number;
	/** Who asked (workflow, execution), for the activity log. */
	by?: Record<string, unknown>;
}

export interface InitialSyncReport {
	run: string;
	/** An unfinished run was resumed (its finished maps are reported from the checkpoint). */
	resumed: boolean;
	dryRun: boolean;
	/** The maps in the order they ran. */
	order: string[];
	maps: MapSyncReport[];
	totals: MapSyncCounts;
	/** Maps that look each other up: run in the given order, their lookups may need a second run. */
	cycles: string[][];
	durationMs: number;
}

export interface InitialSyncCheckpoint {
	runId: string;
	startedAt: number;
	maps: Array<{ map: string; direction: SyncDirection }>;
	done: MapSyncReport[];
	current?: { map: string; after: EnvelopeKey; counts: MapSyncCounts };
	finishedAt?: number;
}

export const initialSyncCheckpointName = (run: string) => `initial-sync:${run}`;

export async function runInitialSync(options: InitialSyncOptions): Promise<InitialSyncReport> {
	const started = Date.now();
	const run = (options.run ?? 'default').trim() || 'default';
	const dryRun = options.dryRun === true;
	const byId = new Map(options.maps.map((entry) => [entry.compiled.id, entry]));
	const plan = dependencyOrder(options.maps.map((entry) => entry.compiled.definition));
	const order = plan.order.map((id) => byId.get(id) as InitialSyncMap);
	const wanted = order.map((entry) => ({
		map: entry.compiled.id,
		direction: entry.direction,
	}));

	const name = initialSyncCheckpointName(run);
	const stored = dryRun ? undefined : await readCheckpoint(options.store, name);
	let checkpoint: InitialSyncCheckpoint;
	let resumed = false;
	if (stored && stored.finishedAt === undefined && !options.restart) {
		if (JSON.stringify(stored.maps) !== JSON.stringify(wanted)) {
			throw new InitialSyncError(
				`The initial sync run "${run}" is unfinished for other maps (${stored.maps.map((m) => `${m.map} ${m.direction}`).join(', ')}): ` +
					'run it again with the same maps to resume it, choose Restart to discard its checkpoint, or give this run another name',
			);
		}
		checkpoint = stored;
		resumed = true;
	} else {
		checkpoint = {
			runId: String(started),
			startedAt: started,
			maps: wanted,
			done: [],
		};
	}
	const save = async () => {
		if (!dryRun) await options.store.setCursor(name, JSON.stringify(checkpoint));
	};
	await save();

	const reports: MapSyncReport[] = [];
	for (const entry of order) {
		const id = entry.compiled.id;
		const finished = checkpoint.done.find((report) => report.map === id);
		if (finished) {
			reports.push(finished);
			continue;
		}
		const resumeFrom = checkpoint.current?.map === id ? checkpoint.current : undefined;
		const before = dryRun ? undefined : await enterInitialSync(options.store, id);
		if (!dryRun) {
			await options.store.logActivity(id, 'initial-sync-started', {
				run,
				direction: entry.direction,
				...(resumeFrom ? { resumedAfter: resumeFrom.after } : {}),
				...(options.by ? { by: options.by } : {}),
			});
		}
		const outcome = await syncMap({
			store: options.store,
			source: options.connectors[sourceOf(entry.direction)],
			target: options.connectors[targetOf(entry.direction)],
			compiled: entry.compiled,
			direction: entry.direction,
			dryRun,
			runId: checkpoint.runId,
			...(resumeFrom ? { after: resumeFrom.after } : {}),
			...(options.pageSize ? { pageSize: options.pageSize } : {}),
			...(options.batchSize ? { batchSize: options.batchSize } : {}),
			...(options.concurrency ? { concurrency: options.concurrency } : {}),
			...(options.sampleSize !== undefined ? { sampleSize: options.sampleSize } : {}),
			onPage: async (after, counts) => {
				if (dryRun) return;
				const total = { ...counts };
				if (resumeFrom) addCounts(total, resumeFrom.counts);
				checkpoint.current = { map: id, after, counts: total };
				await save();
				await showProgress(options.store, id, total);
			},
		}).then(
			(report) => ({ report }),
			(error: unknown) => ({ error }),
		);
		if ('error' in outcome) {
			// The checkpoint stands: a re-run resumes after the last page written.
			if (!dryRun) {
				const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
				await options.store.logActivity(id, 'initial-sync-failed', {
					run,
					direction: entry.direction,
					message,
					resumable: true,
				});
				await leaveInitialSync(options.store, id, before, `initial sync stopped: ${message}`);
			}
			throw outcome.error;
		}
		const report = outcome.report;
		if (resumeFrom) addCounts(report, resumeFrom.counts);
		reports.push(report);
		if (!dryRun) {
			checkpoint.done.push({ ...report, samples: report.samples.slice(0, 10) });
			delete checkpoint.current;
			await save();
			await options.store.logActivity(id, 'initial-sync-finished', {
				run,
				...report,
				samples: report.samples.slice(0, 10),
			});
			await leaveInitialSync(options.store, id, before, `initial sync finished: ${summary(report)}`);
		}
	}
	if (!dryRun) {
		checkpoint.finishedAt = Date.now();
		await save();
	}
	const totals = emptyCounts();
	for (const report of reports) addCounts(totals, report);
	return {
		run,
		resumed,
		dryRun,
		order: order.map((entry) => entry.compiled.id),
		maps: reports,
		totals,
		cycles: plan.cycles,
		durationMs: Date.now() - started,
	};
}

export async function readCheckpoint(store: Pick<StateStore, 'getCursor'>, name: string): Promise<InitialSyncCheckpoint | undefined> {
	const cursor = await store.getCursor(name);
	if (!cursor) return undefined;
	const checkpoint = parseJson(cursor.value);
	if (checkpoint === undefined) throw new InitialSyncError(`The checkpoint ${name} in the state store is not valid JSON: choose Restart to discard it`);
	return checkpoint as InitialSyncCheckpoint;
}

function parseJson(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}

/** Running maps show `initial-sync` while it runs; a paused or stopped map keeps its state (its live changes stay queued). */
async function enterInitialSync(store: StateStore, map: string): Promise<MapRunState | undefined> {
	const state = (await store.getMapState(map))?.state;
	if (state === undefined || state === 'running' || state === 'catching-up') await store.setMapState(map, 'initial-sync', 'initial sync started');
	return state;
}

async function showProgress(store: StateStore, map: string, counts: MapSyncCounts): Promise<void> {
	if ((await store.getMapState(map))?.state === 'initial-sync') await store.setMapState(map, 'initial-sync', `initial sync: ${summary(counts)}`);
}

/** Back to what the map was doing, unless someone paused it meanwhile. */
async function leaveInitialSync(store: StateStore, map: string, before: MapRunState | undefined, detail: string): Promise<void> {
	if ((await store.getMapState(map))?.state !== 'initial-sync') return;
	await store.setMapState(map, before === undefined || before === 'initial-sync' ? 'running' : before, detail);
}

function summary(counts: MapSyncCounts): string {
	return `${counts.read} read, ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.failed} failed`;
}
