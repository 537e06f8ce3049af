/**
 * One turn of a live map's loop, as the Dual-Write Trigger runs it every few seconds (DESIGN §5: pay n8n's cost per
 * batch, not per change):
 *
 * 1. capture: poll the source for changes since the stored cursor (Dataverse change tracking, an F&O modified-time
 *    watermark) and journal them, then move the cursor (journal first: a crash in between re-polls, and the
 *    journal's event-id de-duplication absorbs the repeat);
 * 2. drain: claim at most one batch of this map and direction (one in flight, one change per record, so order per
 *    record holds), settle what needs no execution, and hand the rest to one execution;
 * 3. when that execution has ended, fail whatever it left without an outcome, so it is retried, not stranded.
 */
import type { Connector } from '../../connectors';
import type { CompiledMap, SyncDirection } from '../../maps';
import type { ClaimBlock, NewChange, StateStore } from '../../state';
import type { ChangeType, EnvelopedItem, EnvelopeKey } from '../envelope';
import { failUnsettled } from './batchEnd';
import { prepareBatch } from './drain';

/** What a capture source returns (lib/sync/capture). */
export interface CaptureResult {
	changes: Array<{ change: ChangeType; key: EnvelopeKey; eventId: string; at?: string; version?: string }>;
	cursor: string;
	/** More changes are waiting now (a page limit was hit). */
	more: boolean;
}

export type Capture = (cursor: string | undefined) => Promise<CaptureResult>;

/** Runs the batch's execution; resolves when it has ended, with why it failed if it did. */
export type EmitBatch = (items: EnvelopedItem[]) => Promise<{ ok: boolean; reason?: string }>;

export interface CycleOptions {
	store: StateStore;
	/** The source system's connector (reads the current records). */
	source: Connector;
	compiled: CompiledMap;
	direction: SyncDirection;
	/** Undefined: only drain what webhook triggers journal. */
	capture?: Capture;
	batchSize: number;
	leaseMs: number;
	emit: EmitBatch;
	/** Capture rounds per cycle while the source reports more (bounds one cycle's time). Default 10. */
	maxCaptureRounds?: number;
}

export interface CycleResult {
	captured: number;
	emitted: number;
	settled: number;
	/** Why nothing was claimed. */
	blocked?: ClaimBlock;
	/** Changes that came back from the execution without an outcome. */
	unsettled: number;
}

export const captureCursorName = (map: string, direction: SyncDirection) => `capture:${map}:${direction}`;

export async function captureChanges(options: Pick<CycleOptions, 'store' | 'compiled' | 'direction' | 'capture' | 'maxCaptureRounds'>): Promise<number> {
	const { store, compiled, direction, capture } = options;
	if (!capture) return 0;
	const name = captureCursorName(compiled.id, direction);
	const entity = direction === 'fo->dataverse' ? compiled.definition.fo.entity : compiled.definition.dataverse.entity;
	let captured = 0;
	for (let round = 0; round < (options.maxCaptureRounds ?? 10); round++) {
		const before = (await store.getCursor(name))?.value;
		const result = await capture(before);
		if (result.changes.length > 0) {
			const changes: NewChange[] = result.changes.map((change) => ({
				map: compiled.id,
				direction,
				change: change.change,
				source: {
					entity,
					key: change.key,
					eventId: change.eventId,
					...(change.at !== undefined ? { at: change.at } : {}),
					...(change.version !== undefined ? { version: change.version } : {}),
				},
			}));
			const appended = await store.append(changes);
			captured += appended.results.filter((r) => !r.duplicate).length;
		}
		// Compare-and-set: if another process moved the cursor meanwhile, its capture stands and ours was a repeat.
		const moved = await store.setCursor(name, result.cursor, { expect: before ?? null });
		if (!moved || !result.more) break;
	}
	return captured;
}

export async function runCycle(options: CycleOptions): Promise<CycleResult> {
	const { store, compiled, direction } = options;
	const captured = await captureChanges(options);
	const claim = await store.claimBatch(compiled.id, options.batchSize, { leaseMs: options.leaseMs, direction });
	if (claim.lease === undefined) return { captured, emitted: 0, settled: 0, blocked: claim.blocked, unsettled: 0 };
	let unsettled: number[] = [];
	let handedOver = false;
	try {
		const { items, settled } = await prepareBatch({ store, connector: options.source, compiled, direction }, claim);
		if (settled.length > 0) await store.complete(claim.lease, settled);
		if (items.length > 0) {
			const ended = await options.emit(items);
			handedOver = true;
			unsettled = await failUnsettled(store, claim, ended.ok ? 'the workflow finished without an upsert for it' : `the execution failed: ${ended.reason ?? 'unknown error'}`);
		}
		handedOver = true;
		return { captured, emitted: items.length, settled: settled.length, unsettled: unsettled.length };
	} finally {
		// Nothing of the batch may wait for the lease to run out because this process had a problem.
		if (!handedOver) await failUnsettled(store, claim, 'the trigger failed while preparing the batch (the n8n log has the error)');
	}
}

/** The map a trigger runs with, looked up on each turn (the Map node may publish a newer definition). */
export type CompiledMapSource = () => Promise<CompiledMap>;
