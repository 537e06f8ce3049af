/**
 * The upsert nodes' half of live sync: mapped items carrying a journal change in, one `$batch` of writes out, and
 * every item's outcome recorded in the journal and the ledger. Per item, in DESIGN §4's order:
 *
 * 1. read the target's current record (the map's fields, lookups expanded, its primary key);
 * 2. nothing differs (same hash as the mapped values) -> `no-change`, no request;
 * 3. otherwise a field-level three-way merge against the ledger's master state, settled by the map's conflict
 *    policy; only fields whose value changes are written (diff before write), lookups only when they point
 *    elsewhere;
 * 4. the write's result updates the ledger (seen on the source, written to the target, the new master state on
 *    both sides) and completes the journal change; a failure is journaled with the server's message and its class,
 *    so a missing parent or a throttled target is retried later instead of being lost;
 * 5. when the target's values won a field, the target is ahead of the source: a change in the other direction is
 *    journaled so that the source converges too, even though nothing was written that would raise an event.
 */
import type { BatchWrite, Connector, DataRecord, EntityInfo, RecordKey, WriteResult } from '../../connectors';
import { hashRecord, MapError, type CompiledMap } from '../../maps';
import type { Expand, SystemName } from '../../odata';
import { classifyError, toJournalError, type ChangeOutcome, type JournalError, type LedgerMark, type LedgerSync, type NewChange, type StateStore } from '../../state';
import { mergeThreeWay, type FieldConflict } from '../conflict';
import { DUAL_WRITE_ORIGIN_TAG } from '../echo';
import type { EnvelopedItem, EnvelopeKey } from '../envelope';
import { recordOf } from '../mapStep';
import { mapConcurrent } from './concurrency';
import { DELETED_HASH } from './drain';
import { directionTo, ledgerQuery, otherSide } from './sides';

export type LiveStore = Pick<StateStore, 'getLedger' | 'recordSync' | 'recordWrite' | 'recordSeen' | 'append' | 'complete' | 'logActivity'>;

export interface LiveWriteContext {
	store: LiveStore;
	/** The target system's connector. */
	connector: Connector;
	compiled: CompiledMap;
	/** Reads of current target records in flight at once. Default 8. */
	readConcurrency?: number;
	/** Writes per `$batch` request (the connector's default when absent). */
	batchSize?: number;
}

export interface LiveItemResult {
	/** `done` (written or deleted), `skipped` (nothing to write, with its decision) or `failed`. */
	status: 'done' | 'skipped' | 'failed';
	/** What a `done` item's write was. */
	operation?: 'create' | 'update' | 'delete';
	result?: WriteResult;
	decision?: string;
	detail: string;
	conflicts: FieldConflict[];
	error?: JournalError;
}

interface Plan {
	item: EnvelopedItem;
	entity: EntityInfo;
	/** The target record's identity in the ledger: F&O natural key, Dataverse primary id. */
	ledgerKey?: EnvelopeKey;
	current?: DataRecord;
	write?: BatchWrite;
	written?: Record<string, unknown>;
	merged?: Record<string, unknown>;
	sourceBehind: string[];
	conflicts: FieldConflict[];
	done?: LiveItemResult;
	/** The item was stale: journal the source record again, to be read fresh. */
	refresh?: boolean;
	/** When the target was read and checked against the ledger (the master this item's outcome is based on). */
	plannedAt?: number;
}

async function planAll(ctx: LiveWriteContext, items: EnvelopedItem[]): Promise<Plan[]> {
	const entities = new Map<string, Promise<EntityInfo>>();
	const describe = (name: string) => {
		let known = entities.get(name);
		if (!known) entities.set(name, (known = ctx.connector.describe(name)));
		return known;
	};
	return await mapConcurrent(items, ctx.readConcurrency ?? 8, async (item) => planItem(ctx, item, await describe(item.dualWrite.target.entity)));
}

export async function writeLive(ctx: LiveWriteContext, items: EnvelopedItem[]): Promise<LiveItemResult[]> {
	const plans = await planAll(ctx, items);
	const writing = plans.filter((plan) => plan.done === undefined && plan.write !== undefined);
	const answers = writing.length > 0 ? await ctx.connector.batch(writing.map((plan) => plan.write as BatchWrite), { ...(ctx.batchSize ? { batchSize: ctx.batchSize } : {}) }) : [];
	writing.forEach((plan, index) => {
		const answer = answers[index];
		const isDelete = plan.write?.operation === 'delete';
		const operation = isDelete ? 'delete' : plan.current === undefined ? 'create' : 'update';
		if (answer.ok) plan.done = { status: 'done', operation, result: answer.result, detail: describeWrite(plan), conflicts: plan.conflicts };
		else if (isDelete && answer.error.status === 404) plan.done = { status: 'done', detail: 'the target record was already gone', conflicts: [] };
		else plan.done = failure(answer.error, plan.conflicts);
	});
	await record(ctx, plans);
	return plans.map((plan) => plan.done as LiveItemResult);
}

/** What `writeLive` would do with an item (a dry run): `conflict` when either side's value had to win a field. */
export type PreviewOutcome = 'create' | 'update' | 'delete' | 'unchanged' | 'conflict' | 'stale' | 'failed';

export interface LivePreview {
	outcome: PreviewOutcome;
	detail: string;
	/** The fields a write would set (create: all mapped fields). */
	fields: string[];
	conflicts: FieldConflict[];
	error?: JournalError;
}

/** The same reads and decisions as `writeLive`, writing nothing: no request to the target, no ledger, no journal. */
export async function previewLive(ctx: LiveWriteContext, items: EnvelopedItem[]): Promise<LivePreview[]> {
	return (await planAll(ctx, items)).map((plan): LivePreview => {
		const fields = Object.keys(plan.written ?? {});
		const done = plan.done;
		if (done?.status === 'failed') return { outcome: 'failed', detail: done.detail, fields, conflicts: [], ...(done.error ? { error: done.error } : {}) };
		if (done !== undefined) {
			const outcome = done.decision === 'stale' ? 'stale' : done.conflicts.length > 0 ? 'conflict' : 'unchanged';
			return { outcome, detail: done.detail, fields, conflicts: done.conflicts };
		}
		const outcome = plan.write?.operation === 'delete' ? 'delete' : plan.conflicts.length > 0 ? 'conflict' : plan.current === undefined ? 'create' : 'update';
		return { outcome, detail: describeWrite(plan), fields, conflicts: plan.conflicts };
	});
}

function failure(error: unknown, conflicts: FieldConflict[] = []): LiveItemResult {
	const journalError = toJournalError(error, error instanceof MapError ? 'validation' : classifyError(error));
	return { status: 'failed', detail: journalError.message, error: journalError, conflicts };
}

async function planItem(ctx: LiveWriteContext, item: EnvelopedItem, entity: EntityInfo): Promise<Plan> {
	const { compiled } = ctx;
	const envelope = item.dualWrite;
	const target = envelope.target.system;
	const plan: Plan = { item, entity, sourceBehind: [], conflicts: [] };
	if (envelope.change === 'delete') {
		plan.ledgerKey = envelope.target.key;
		plan.write = { operation: 'delete', entity: entity.name, key: envelope.target.key as RecordKey };
		return plan;
	}
	// Our own write to the source after the trigger read it (the other direction's batch ran in between): the item's
	// values are older than the source's. Writing them could undo that write; re-read the record instead.
	const readAt = envelope.source.readAt === undefined ? NaN : Date.parse(envelope.source.readAt);
	if (!Number.isNaN(readAt)) {
		const sourceEntry = await ctx.store.getLedger(compiled.id, envelope.source.system, envelope.source.key);
		if (sourceEntry?.writtenAt !== undefined && sourceEntry.writtenAt > readAt) {
			plan.refresh = true;
			plan.done = { status: 'skipped', decision: 'stale', detail: `we wrote to the ${envelope.source.system} record after it was read: it is read again`, conflicts: [] };
			return plan;
		}
	}
	const incoming = recordOf(item);
	const lookups = envelope.target.lookups ?? {};
	try {
		plan.current = await ctx.connector.get(entity.name, envelope.target.key as RecordKey, targetQuery(compiled, target, entity, incoming, lookups));
	} catch (error) {
		plan.done = failure(error);
		return plan;
	}
	const current = plan.current;
	const reverse = compiled.plans[directionTo(otherSide(target))];
	let currentHash: string | undefined;
	if (current !== undefined) {
		plan.ledgerKey = ctx.connector.keyOf(entity, current) as EnvelopeKey;
		try {
			currentHash = reverse ? hashRecord(compiled, target, current) : undefined;
		} catch {
			// A stored value the map cannot read (bad data on the target): compare field by field instead.
			currentHash = undefined;
		}
		if (currentHash !== undefined && currentHash === envelope.hash) {
			plan.merged = incoming;
			plan.done = { status: 'skipped', decision: 'no-change', detail: 'the target already holds every mapped value', conflicts: [] };
			return plan;
		}
	}
	plan.plannedAt = Date.now();
	const ledger = plan.ledgerKey ? await ctx.store.getLedger(compiled.id, target, plan.ledgerKey) : undefined;
	// Both sides agreed on values after the trigger read this record (the other direction synced it meanwhile): the
	// item may hold values older than that agreement, which a merge would take for a conflicting edit.
	if (ledger?.master !== undefined && !Number.isNaN(readAt) && ledger.master.at > readAt) {
		plan.refresh = true;
		plan.done = { status: 'skipped', decision: 'stale', detail: 'the record was synced after it was read: it is read again', conflicts: [] };
		return plan;
	}
	let master = ledger?.master?.values;
	// Without a master half for this side, a target unchanged since we last saw or wrote it has no edits to keep; and
	// a record live sync has never seen (copied before the ledger existed) has no base to call a conflict against:
	// the change event is the newest thing known of it, so its values win.
	const unchanged = currentHash !== undefined && (currentHash === ledger?.seenHash || currentHash === ledger?.writtenHash);
	if (master === undefined && current !== undefined && (unchanged || (ledger === undefined && envelope.journal !== undefined))) master = current;
	const merge = mergeThreeWay({
		source: envelope.source.system,
		incoming,
		current,
		master,
		policy: compiled.definition.conflict,
		sourceAt: envelope.source.at,
		targetAt: modifiedAt(current),
	});
	plan.conflicts = merge.conflicts;
	plan.sourceBehind = merge.sourceBehind;
	plan.merged = agreed(merge.merged, merge.sourceBehind, master);
	const changedLookups = Object.fromEntries(Object.entries(lookups).filter(([navigation, lookup]) => !lookupMatches(current?.[navigation], lookup.key)));
	if (!merge.writeNeeded && Object.keys(changedLookups).length === 0) {
		const lost = merge.conflicts.length > 0;
		plan.done = {
			status: 'skipped',
			decision: lost ? 'conflict-lost' : 'no-change',
			detail: lost ? `the target's values won every differing field (${conflictText(merge.conflicts)})` : 'no field differs once merged',
			conflicts: merge.conflicts,
		};
		return plan;
	}
	plan.written = current === undefined ? incoming : merge.write;
	const options = {
		...(Object.keys(changedLookups).length > 0 ? { lookups: changedLookups as Record<string, { entity: string; key: RecordKey }> } : {}),
		// Stamped so that a Dataverse webhook of this write is recognised as our echo.
		...(target === 'dataverse' ? { tag: DUAL_WRITE_ORIGIN_TAG } : {}),
	};
	plan.write = { operation: 'upsert', entity: entity.name, key: envelope.target.key as RecordKey, record: plan.written, options };
	return plan;
}

/** The map's fields as the target stores them (what `hashRecord` reads), the lookups the item binds, and the key. */
function targetQuery(compiled: CompiledMap, target: SystemName, entity: EntityInfo, incoming: Record<string, unknown>, lookups: Record<string, { key: EnvelopeKey }>) {
	const reverse = ledgerQuery(compiled, target);
	const select = new Set([...reverse.select, ...Object.keys(incoming), ...entity.key]);
	const known = new Set(entity.fields.map((field) => field.name));
	const expand = new Map<string, Set<string>>(reverse.expand.map((e: Expand) => [e.navigation, new Set(e.select ?? [])]));
	for (const [navigation, lookup] of Object.entries(lookups)) {
		const fields = expand.get(navigation) ?? new Set<string>();
		for (const field of Object.keys(lookup.key)) if (!field.includes('.')) fields.add(field);
		expand.set(navigation, fields);
	}
	for (const modified of MODIFIED_FIELDS) if (known.has(modified)) select.add(modified);
	return {
		select: [...select].filter((name) => known.size === 0 || known.has(name)),
		expand: [...expand].map(([navigation, fields]) => ({ navigation, select: [...fields] })),
	};
}

const MODIFIED_FIELDS = ['modifiedon', 'ModifiedDateTime'];

function modifiedAt(record: DataRecord | undefined): string | undefined {
	for (const field of MODIFIED_FIELDS) if (typeof record?.[field] === 'string') return record[field] as string;
	return undefined;
}

/** Does the expanded navigation value already point at the row this key names (company parts aside)? */
function lookupMatches(expanded: unknown, key: EnvelopeKey): boolean {
	if (expanded === null || typeof expanded !== 'object') return false;
	const row = expanded as Record<string, unknown>;
	return Object.entries(key).every(([field, value]) => field.includes('.') || String(row[field] ?? '').toLowerCase() === String(value ?? '').toLowerCase());
}

/**
 * The new master state of the target: the merged values, except where the target kept a value the source does not
 * have yet. Those are not agreed until the convergence change brings them over, so they keep the previous agreement;
 * recording the target's value there would make the next change from the source look like the source's own edit.
 */
function agreed(merged: Record<string, unknown>, behind: readonly string[], previous: Record<string, unknown> | undefined): Record<string, unknown> {
	if (behind.length === 0) return merged;
	const values = { ...merged };
	for (const field of behind) {
		if (previous !== undefined && field in previous) values[field] = previous[field];
		else delete values[field];
	}
	return values;
}

function conflictText(conflicts: FieldConflict[]): string {
	return conflicts.map((c) => `${c.field}: ${c.winner} won by ${c.rule}`).join('; ');
}

function describeWrite(plan: Plan): string {
	if (plan.write?.operation === 'delete') return 'deleted';
	const fields = Object.keys(plan.written ?? {});
	const base = plan.current === undefined ? `created with ${fields.length} fields` : `updated ${fields.join(', ') || 'lookups only'}`;
	return plan.conflicts.length > 0 ? `${base}; conflicts: ${conflictText(plan.conflicts)}` : base;
}

/**
 * Ledger, journal, activity and convergence changes for every item, after the batch: each kind in one store call
 * (one transaction), since a transaction per record costs a disk sync each and blocks the event loop meanwhile.
 */
async function record(ctx: LiveWriteContext, plans: Plan[]): Promise<void> {
	const { compiled, store } = ctx;
	const outcomes = new Map<string, ChangeOutcome[]>();
	const syncs: LedgerSync[] = [];
	const written: LedgerMark[] = [];
	const seen: LedgerMark[] = [];
	const appended: NewChange[] = [];
	for (const plan of plans) {
		const envelope = plan.item.dualWrite;
		const done = plan.done as LiveItemResult;
		const source = envelope.source.system;
		const target = envelope.target.system;
		if (plan.refresh) {
			appended.push({
				map: compiled.id,
				direction: envelope.direction,
				change: envelope.change,
				source: { entity: envelope.source.entity, key: envelope.source.key, eventId: `refresh:${envelope.journal?.id ?? envelope.source.eventId ?? ''}:${Date.now()}` },
				detail: 'the previous read was older than our last write to this record',
			});
		} else if (done.status !== 'failed') {
			if (envelope.change === 'delete') {
				written.push({ map: compiled.id, side: target, key: envelope.target.key, hash: DELETED_HASH });
				seen.push({ map: compiled.id, side: source, key: envelope.source.key, hash: DELETED_HASH });
			} else {
				const ledgerKey = plan.ledgerKey ?? createdKey(plan, done.result);
				syncs.push({
					map: compiled.id,
					source: { side: source, key: envelope.source.key, hash: envelope.source.hash ?? '' },
					target: { side: target, key: ledgerKey, hash: writtenHash(plan) },
					master: plan.merged ?? recordOf(plan.item),
					// What the source holds now: where its value lost, the convergence change below brings it over.
					sourceMaster: envelope.sourceValues ?? {},
					...(plan.plannedAt !== undefined ? { masterBasedOn: plan.plannedAt } : {}),
					...(envelope.source.readAt !== undefined && !Number.isNaN(Date.parse(envelope.source.readAt)) ? { sourceBasedOn: Date.parse(envelope.source.readAt) } : {}),
				});
				if (plan.sourceBehind.length > 0) {
					appended.push({
						map: compiled.id,
						direction: directionTo(source),
						change: 'update',
						source: { entity: envelope.target.entity, key: ledgerKey, eventId: `converge:${envelope.journal?.id ?? envelope.source.eventId ?? ''}:${Date.now()}` },
						detail: `the ${target} values won ${plan.sourceBehind.join(', ')}: the ${source} record is updated to match`,
					});
				}
			}
			if (done.conflicts.length > 0) {
				await store.logActivity(compiled.id, 'conflict', {
					direction: envelope.direction,
					sourceKey: envelope.source.key,
					targetKey: envelope.target.key,
					conflicts: done.conflicts.map((c) => ({ ...c })),
				});
			}
		}
		const ref = envelope.journal;
		if (!ref) continue;
		const list = outcomes.get(ref.lease) ?? [];
		outcomes.set(ref.lease, list);
		if (done.status === 'done') list.push({ id: ref.id, status: 'done', detail: done.detail });
		else if (done.status === 'skipped') list.push({ id: ref.id, status: 'skipped', decision: done.decision ?? 'no-change', detail: done.detail });
		else list.push({ id: ref.id, status: 'failed', error: done.error as JournalError });
	}
	// The ledger first: a convergence change or a completed journal entry must find the agreement it follows.
	if (syncs.length > 0) await store.recordSync(syncs);
	if (written.length > 0) await store.recordWrite(written);
	if (seen.length > 0) await store.recordSeen(seen);
	if (appended.length > 0) await store.append(appended);
	for (const [lease, list] of outcomes) await store.complete(lease, list);
}

/** A created row's ledger identity: the Dataverse primary id the write returned, or the F&O key. */
function createdKey(plan: Plan, result: WriteResult | undefined): EnvelopeKey {
	if (result?.id !== undefined && plan.entity.system === 'dataverse') return { [plan.entity.key[0]]: result.id };
	return (result?.key as EnvelopeKey | undefined) ?? plan.item.dualWrite.target.key;
}

/**
 * The hash the target's next event carries if nobody else touches the record: its echo check compares against it.
 * Only when the target now holds exactly the mapped values; where the target kept values of its own (it won a field,
 * or holds an edit the source has not seen), its next event is real news and must not pass for our echo.
 */
function writtenHash(plan: Plan): string {
	return plan.sourceBehind.length === 0 && plan.conflicts.length === 0 ? (plan.item.dualWrite.hash ?? '') : '';
}
