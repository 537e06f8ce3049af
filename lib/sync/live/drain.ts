/**
 * The trigger's half of live sync: a claimed journal batch in, the items of one execution out. Events are
 * notifications (DESIGN §4): for every create or update the current record is read, with the map's `$select` and
 * `$expand`, so a stale, partial or out-of-order delivery still maps the values the source holds now. Changes that
 * need no execution (our own echo, a repeat of values already seen, a record deleted since, a delete of a record
 * never synced) are settled here with their reason; nothing is dropped without a journal outcome.
 */
import type { Connector } from '../../connectors';
import { MapError, apply, hashRecord, type CompiledMap, type SyncDirection } from '../../maps';
import { toJournalError, type ChangeOutcome, type ClaimedBatch, type JournalEntry, type StateStore } from '../../state';
import { ENVELOPE_FIELD, type DualWriteEnvelope, type EnvelopedItem } from '../envelope';
import { mapConcurrent } from './concurrency';
import { ledgerQuery, sourceOf, targetOf } from './sides';

/** The ledger hash of "this record is gone": a delete we made is recognised when its own event comes back. */
export const DELETED_HASH = 'deleted';

export interface DrainContext {
	store: Pick<StateStore, 'getLedger' | 'isEcho' | 'recordSeen'>;
	/** The source system's connector. */
	connector: Connector;
	compiled: CompiledMap;
	direction: SyncDirection;
	/** Reads of current records in flight at once. Default 8. */
	readConcurrency?: number;
}

export interface PreparedBatch {
	/** Source records with their envelope, in journal order: the execution's items. */
	items: EnvelopedItem[];
	/** Outcomes decided without an execution, for `complete`. */
	settled: ChangeOutcome[];
}

type Prepared = { item: EnvelopedItem } | { outcome: ChangeOutcome };

export async function prepareBatch(ctx: DrainContext, batch: ClaimedBatch): Promise<PreparedBatch> {
	const prepared = await mapConcurrent(batch.changes, ctx.readConcurrency ?? 8, (change) => prepareChange(ctx, batch.lease, change));
	const items: EnvelopedItem[] = [];
	const settled: ChangeOutcome[] = [];
	for (const entry of prepared) {
		if ('item' in entry) items.push(entry.item);
		else settled.push(entry.outcome);
	}
	return { items, settled };
}

async function prepareChange(ctx: DrainContext, lease: string, change: JournalEntry): Promise<Prepared> {
	const { compiled, direction } = ctx;
	const plan = compiled.plans[direction];
	const source = sourceOf(direction);
	const skip = (decision: string, detail: string): Prepared => ({ outcome: { id: change.id, status: 'skipped', decision, detail } });
	if (!plan) return skip('not-this-direction', `map ${compiled.id} writes nothing ${direction}`);
	const key = change.source.key;
	const readAt = new Date().toISOString();
	const envelope = (changeType: DualWriteEnvelope['change'], hash: string, targetKey: DualWriteEnvelope['target']['key']): DualWriteEnvelope => ({
		map: compiled.id,
		mapVersion: compiled.version,
		direction,
		change: changeType,
		source: {
			system: source,
			entity: plan.source.entity,
			key,
			...(change.source.version !== undefined ? { version: change.source.version } : {}),
			...(change.source.eventId !== undefined ? { eventId: change.source.eventId } : {}),
			...(change.source.at !== undefined ? { at: change.source.at } : {}),
			hash,
			readAt,
		},
		target: { system: targetOf(direction), entity: plan.target.entity, key: targetKey },
		journal: { id: change.id, lease },
	});

	if (change.change === 'delete') {
		const entry = await ctx.store.getLedger(compiled.id, source, key);
		if (!entry?.counterpartKey) return skip('not-linked', `no ${targetOf(direction)} record was ever synced from this ${source} record`);
		const echo = await ctx.store.isEcho(compiled.id, source, key, { hash: DELETED_HASH });
		if (echo.decision) return skip(echo.decision, `delete: ${echo.detail}`);
		return { item: { ...key, [ENVELOPE_FIELD]: envelope('delete', DELETED_HASH, entry.counterpartKey) } };
	}

	const query = ledgerQuery(compiled, source);
	let record: Record<string, unknown> | undefined;
	try {
		record = await ctx.connector.get(plan.source.entity, key, { select: query.select, expand: query.expand });
	} catch (error) {
		return { outcome: { id: change.id, status: 'failed', error: toJournalError(error) } };
	}
	if (record === undefined) return skip('stale', `the ${source} record no longer exists; its delete is captured as its own change`);
	// An operator's edited retry (Error Log > Retry with an edited payload; the store then keeps `originalPayload`):
	// its fields replace what the source holds, for this attempt only.
	if (change.originalPayload !== undefined && isFieldObject(change.payload)) record = { ...record, ...change.payload };
	let hash: string;
	try {
		hash = hashRecord(compiled, source, record);
		// The same checks the Map node makes, so that a record the map would reject fails here with the map's words.
		apply(compiled, direction, record);
	} catch (error) {
		// A record the map rejects fails the same way on every attempt: a person must look at it.
		const mapProblem = error instanceof MapError;
		return { outcome: { id: change.id, status: 'failed', error: toJournalError(error, mapProblem ? 'validation' : 'unknown'), retry: !mapProblem } };
	}
	const echo = await ctx.store.isEcho(compiled.id, source, key, { hash });
	if (echo.decision) {
		// Seen now: a repeated delivery of the same values then reads as no-change, not as an echo again.
		if (echo.echo) await ctx.store.recordSeen({ map: compiled.id, side: source, key, hash });
		return skip(echo.decision, echo.detail);
	}
	return { item: { ...record, [ENVELOPE_FIELD]: envelope(change.change, hash, {}) } };
}

function isFieldObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
