/**
 * One map's initial sync: the source table streamed in key order, page by page (the next page is read while the
 * current one is written), each page mapped and written in `$batch`es with bounded concurrency through live sync's
 * own write path (`writeLive`): records that exist on both sides are matched by key and merged by the map's conflict
 * policy, records already equal are not written, every outcome lands in the ledger so live sync knows each record's
 * counterpart, and live sync's newer values win over the snapshot's (`stale`). Memory holds two pages, whatever the
 * table's size. After each page the caller checkpoints the last key, so a re-run resumes after it.
 */
import { DATAVERSE_MAX_BATCH_SIZE, FO_MAX_BATCH_SIZE, type Connector, type EntityInfo } from '../../connectors';
import { hashRecord, MapError, type CompiledMap, type SyncDirection } from '../../maps';
import { SYSTEM_LABELS } from '../../odata';
import { canonicalKey, toJournalError, type JournalError, type NewChange, type StateStore } from '../../state';
import { ENVELOPE_FIELD, type DualWriteEnvelope, type EnvelopedItem, type EnvelopeKey } from '../envelope';
import { mapStep } from '../mapStep';
import { mapConcurrent } from '../live/concurrency';
import { previewLive, writeLive, type LiveItemResult, type LivePreview } from '../live/liveWrite';
import { ledgerQuery, sourceOf, targetOf } from '../live/sides';
import { keysetPages } from './keyset';
import { countsOf, emptyCounts, InitialSyncError, type MapSyncCounts, type MapSyncReport, type SyncSample } from './report';

export type InitialSyncStore = Pick<StateStore, 'getLedger' | 'recordSync' | 'recordWrite' | 'recordSeen' | 'append' | 'complete' | 'logActivity'>;

export interface MapSyncOptions {
	store: InitialSyncStore;
	source: Connector;
	target: Connector;
	compiled: CompiledMap;
	/** From the map's master side: the side whose records the run copies. */
	direction: SyncDirection;
	/** Read and decide, write nothing (no target request, no ledger, no journal). */
	dryRun?: boolean;
	/** Source records per page. Default 1,000. */
	pageSize?: number;
	/** Records per write call (one `$batch`, its target reads 8 at a time). Default 200. */
	batchSize?: number;
	/** Write calls in flight at once. Default 4. */
	concurrency?: number;
	/** Resume after this source key (a checkpoint). */
	after?: EnvelopeKey;
	/** Journal event ids of this run's failures start with this: a resumed run does not journal a failure twice. */
	runId: string;
	/** Dry run: records kept as samples per outcome. Default 5. Failures are always sampled (up to 50). */
	sampleSize?: number;
	/** After each page: the key a re-run may resume after, and the counts so far. */
	onPage?: (after: EnvelopeKey, counts: MapSyncCounts) => Promise<void>;
}

const MAX_FAILURE_SAMPLES = 50;
/** Failures that may clear once later records are written (a parent, or a self-lookup to a later row): tried again at the end of the map. */
const RETRY_LATER = new Set(['missing-reference']);
const MAX_RETRY_LATER = 10_000;
/** Retryable failures handed to live sync: kept pending, not before this delay. */
const HANDOVER_DELAY_MS = 30_000;

export async function syncMap(options: MapSyncOptions): Promise<MapSyncReport> {
	const started = Date.now();
	const { compiled, direction, source } = options;
	const side = sourceOf(direction);
	const query = ledgerQuery(compiled, side);
	const entity = await source.describe(query.entity);
	const report: MapSyncReport = {
		map: compiled.id,
		direction,
		dryRun: options.dryRun === true,
		...emptyCounts(),
		samples: [],
		durationMs: 0,
	};
	if (options.after) report.resumedAfter = options.after;
	const sampled = new Map<string, number>();
	const sample = (entry: SyncSample) => {
		const limit = entry.outcome === 'failed' || entry.outcome === 'invalid' ? MAX_FAILURE_SAMPLES : (options.sampleSize ?? 5);
		const count = sampled.get(entry.outcome) ?? 0;
		if (count >= limit) return;
		sampled.set(entry.outcome, count + 1);
		report.samples.push(entry);
	};
	const later: EnvelopedItem[] = [];
	const failures: NewChange[] = [];
	const fail = (key: EnvelopeKey, error: JournalError, record: Record<string, unknown>, outcome: SyncSample['outcome']) => {
		report.failed++;
		sample({ key, outcome, detail: error.message });
		if (!options.dryRun) failures.push(failedChange(options, entity, key, error, record));
	};
	/**
	 * `page`: a page's records; failures that may clear once other records are written are handed back. `retry`: those,
	 * once the page is written (a parent in another write call of the page); what still fails is journaled now, before
	 * the checkpoint passes it, so that a crash cannot lose it, and tried once more at the end of the map. `final`:
	 * that last try; what fails is counted as failed (its journal entry is already there).
	 */
	const settle = async (items: EnvelopedItem[], stage: 'page' | 'retry' | 'final'): Promise<EnvelopedItem[]> => {
		const held: EnvelopedItem[] = [];
		const chunks: EnvelopedItem[][] = [];
		const size = Math.max(1, options.batchSize ?? 200);
		for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
		const ctx = { store: options.store, connector: options.target, compiled, batchSize: Math.min(size, maxBatchSize(options.target)) };
		const decide = async (chunk: EnvelopedItem[]): Promise<LivePreview[]> =>
			options.dryRun ? await previewLive(ctx, chunk) : (await writeLive(ctx, chunk)).map(toPreview);
		const results = (await mapConcurrent(chunks, options.concurrency ?? 4, decide)).flat();
		stopWhenUnavailable(options.target, results);
		results.forEach((preview, index) => {
			const item = items[index];
			const key = item.dualWrite.source.key;
			if (preview.outcome === 'failed') {
				const error = preview.error ?? {
					class: 'unknown' as const,
					message: preview.detail,
				};
				if (stage === 'page' && RETRY_LATER.has(error.class)) held.push(item);
				else if (stage === 'retry' && RETRY_LATER.has(error.class) && later.length < MAX_RETRY_LATER) {
					later.push(item);
					if (!options.dryRun) failures.push(failedChange(options, entity, key, error, sourceRecord(item)));
				} else fail(key, error, sourceRecord(item), 'failed');
				return;
			}
			if (preview.conflicts.length > 0) report.conflicts++;
			if (preview.outcome === 'create') report.created++;
			else if (preview.outcome === 'update' || (preview.outcome === 'conflict' && preview.fields.length > 0)) report.updated++;
			else if (preview.outcome === 'stale') report.stale++;
			else report.unchanged++;
			if (options.dryRun)
				sample({
					key,
					outcome: preview.outcome,
					detail: preview.detail,
					fields: preview.fields,
					...(preview.conflicts.length > 0 ? { conflicts: preview.conflicts } : {}),
				});
		});
		return held;
	};
	const flushFailures = async () => {
		if (failures.length > 0) await options.store.append(failures.splice(0));
	};

	const select = [...new Set([...query.select, ...entity.key])];
	const pages = keysetPages(source, entity, { select, expand: query.expand }, options.pageSize ?? 1000, options.after);
	let readAt = new Date().toISOString();
	let pending = pages.next();
	for (;;) {
		const page = await pending;
		if (page.done) break;
		const pageReadAt = readAt;
		readAt = new Date().toISOString();
		pending = pages.next();
		// Settled by then or failed: either way the rejection is handled where it is awaited, not left dangling.
		pending.catch(() => undefined);
		const items: EnvelopedItem[] = [];
		for (const record of page.value) {
			report.read++;
			const key = source.keyOf(entity, record) as EnvelopeKey;
			try {
				const incoming: DualWriteEnvelope = {
					map: compiled.id,
					mapVersion: compiled.version,
					direction,
					change: 'update',
					source: {
						system: side,
						entity: entity.name,
						key,
						hash: hashRecord(compiled, side, record),
						readAt: pageReadAt,
					},
					target: { system: targetOf(direction), entity: '', key: {} },
				};
				const step = mapStep(compiled, direction, {
					...record,
					[ENVELOPE_FIELD]: incoming,
				});
				if (step.output === 'mapped') items.push(step.json as EnvelopedItem);
				else report.filtered++;
			} catch (error) {
				fail(key, toJournalError(error, error instanceof MapError ? 'validation' : 'unknown'), record, 'invalid');
			}
		}
		const held = items.length > 0 ? await settle(items, 'page') : [];
		if (held.length > 0) await settle(held, 'retry');
		// Journaled before the checkpoint moves past them: a crash after it must not lose a failure.
		await flushFailures();
		const last = page.value[page.value.length - 1];
		if (last !== undefined && options.onPage) await options.onPage(source.keyOf(entity, last) as EnvelopeKey, countsOf(report));
	}
	if (later.length > 0) await settle(later.splice(0), 'final');
	await flushFailures();
	report.durationMs = Date.now() - started;
	return report;
}

/**
 * A refused credential, or every record of a page failing for an outage, is not a per-record problem: journaling the
 * rest of the table record by record would bury the error log. The run stops instead (the page is not checkpointed,
 * so the re-run starts with it; what was written of it comes out unchanged).
 */
function stopWhenUnavailable(target: Connector, results: LivePreview[]): void {
	const auth = results.find((result) => result.error?.class === 'auth');
	if (auth)
		throw new InitialSyncError(
			`${SYSTEM_LABELS[target.system]} refused the credentials: ${auth.detail}. Fix the credential and run again: the run resumes where it stopped.`,
		);
	if (results.length > 0 && results.every((result) => result.error?.class === 'transient')) {
		throw new InitialSyncError(
			`${SYSTEM_LABELS[target.system]} is unavailable (every record of a page failed: ${results[0].detail}). Run again once it is back: the run resumes where it stopped.`,
		);
	}
}

/** The largest `$batch` the target takes (F&O runs one as one long request on one AOS). */
function maxBatchSize(target: Connector): number {
	return target.system === 'fo' ? FO_MAX_BATCH_SIZE : DATAVERSE_MAX_BATCH_SIZE;
}

function toPreview(result: LiveItemResult): LivePreview {
	const fields: string[] = [];
	if (result.status === 'failed')
		return {
			outcome: 'failed',
			detail: result.detail,
			fields,
			conflicts: [],
			...(result.error ? { error: result.error } : {}),
		};
	if (result.status === 'skipped')
		return {
			outcome: result.decision === 'stale' ? 'stale' : 'unchanged',
			detail: result.detail,
			fields,
			conflicts: result.conflicts,
		};
	return {
		outcome: result.operation === 'create' ? 'create' : 'update',
		detail: result.detail,
		fields,
		conflicts: result.conflicts,
	};
}

/** The mapped source values (the error log's payload: what an operator edits before a retry). */
function sourceRecord(item: EnvelopedItem): Record<string, unknown> {
	return { ...item.dualWrite.sourceValues };
}

/**
 * A record the run could not write, journaled so that the error log lists it: retryable classes stay pending for
 * live sync to try again (after the parent arrives, the outage ends); the rest wait, failed, for a person.
 */
function failedChange(options: MapSyncOptions, entity: EntityInfo, key: EnvelopeKey, error: JournalError, record: Record<string, unknown>): NewChange {
	const retryable = error.class === 'missing-reference' || error.class === 'transient' || error.class === 'throttling';
	return {
		map: options.compiled.id,
		direction: options.direction,
		change: 'update',
		source: {
			entity: entity.name,
			key,
			eventId: `initial-sync:${options.runId}:${canonicalKey(key)}`,
		},
		payload: record,
		detail: `initial sync: ${error.message}`,
		error,
		...(retryable ? { notBefore: Date.now() + HANDOVER_DELAY_MS } : { status: 'failed' as const }),
	};
}
