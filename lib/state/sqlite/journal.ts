/**
 * The journal: every captured change, its status, attempts and last error. Order per key and "one in-flight batch
 * per map" are enforced here, inside write transactions, so any number of processes can claim concurrently.
 */
import type { SystemName } from '../../odata';
import { backoffDelay, isRetryable } from '../backoff';
import { canonicalKey, defaultOrderKey } from '../keys';
import type {
	AppendResult,
	ChangeOutcome,
	ClaimOptions,
	ClaimResult,
	CompleteResult,
	JournalCounts,
	JournalEntry,
	JournalError,
	JournalSelection,
	ListOptions,
	NewChange,
	Page,
	PurgeOptions,
	PurgeResult,
	RetryOptions,
} from '../types';
import { JOURNAL_STATUSES } from '../types';
import type { StoreContext } from './context';
import { decodeCursor, json, nul } from './database';
import { filterToSql, rowToEntry, type JournalRow } from './journal-rows';
import { bumpErrorCount, finishCatchUp, noteOutcomes } from './map-state';

export const DEFAULT_RETENTION_MS = 31 * 24 * 60 * 60_000;
const PURGE_CHUNK = 5_000;
const MAX_PAGE = 1_000;

const INSERT_CHANGE = `INSERT INTO journal (
		map, direction, change, source_system, source_entity, source_key, source_version, source_at, event_id,
		target_system, target_entity, target_key, order_key, payload, status, attempts, next_attempt_at,
		decision, detail, error_class, last_error, created_at, updated_at
	) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (map, source_system, event_id) DO NOTHING
	RETURNING id`;

function systemsOf(direction: NewChange['direction']): [SystemName, SystemName] {
	return direction === 'fo->dataverse' ? ['fo', 'dataverse'] : ['dataverse', 'fo'];
}

export function append(ctx: StoreContext, changes: NewChange[]): AppendResult {
	const { db } = ctx;
	for (const change of changes) validateChange(change);
	return db.write(() => {
		const now = ctx.now();
		const results = changes.map((change) => {
			const [sourceSystem, targetSystem] = systemsOf(change.direction);
			const inserted = db.get<{ id: number }>(
				INSERT_CHANGE,
				change.map,
				change.direction,
				change.change,
				sourceSystem,
				nul(change.source.entity),
				canonicalKey(change.source.key),
				nul(change.source.version),
				nul(change.source.at),
				nul(change.source.eventId),
				targetSystem,
				nul(change.target?.entity),
				change.target?.key ? canonicalKey(change.target.key) : null,
				change.orderKey ?? defaultOrderKey(sourceSystem, change.source.key),
				json(change.payload),
				change.status ?? 'pending',
				change.notBefore ?? now,
				nul(change.decision),
				nul(change.detail),
				nul(change.error?.class),
				change.error ? json(change.error) : null,
				now,
				now,
			);
			if (inserted) return { id: inserted.id, duplicate: false };
			const existing = db.get<{ id: number }>(
				'SELECT id FROM journal WHERE map = ? AND source_system = ? AND event_id = ?',
				change.map,
				sourceSystem,
				nul(change.source.eventId),
			);
			return { id: existing?.id ?? -1, duplicate: true };
		});
		return { results };
	});
}

function validateChange(change: NewChange): void {
	if (typeof change.map !== 'string' || change.map === '') throw new TypeError('journal change without a map id');
	if (change.direction !== 'fo->dataverse' && change.direction !== 'dataverse->fo') {
		throw new TypeError(`journal change with unknown direction ${JSON.stringify(change.direction)}`);
	}
	if (!change.source || typeof change.source.key !== 'object' || change.source.key === null) {
		throw new TypeError('journal change without a source key');
	}
	if (change.status === 'failed' && change.error === undefined) throw new TypeError('a journal change appended as failed needs its error');
	if (change.error !== undefined && change.status !== undefined && change.status !== 'failed' && change.status !== 'pending') {
		throw new TypeError(`a journal change appended as ${change.status} cannot carry an error`);
	}
}

const LEASE_EXPIRED = 'the lease expired before the batch completed (worker crashed, stopped or too slow)';

/** A crashed worker's batch goes back to pending; a change that keeps outliving its lease is given up. */
function expireLeases(ctx: StoreContext, map: string, now: number): void {
	const { db } = ctx;
	const error: JournalError = { class: 'unknown', message: LEASE_EXPIRED };
	db.run(
		`UPDATE journal SET status = 'failed', lease = NULL, lease_until = NULL, error_class = ?, last_error = ?, updated_at = ?
		WHERE map = ? AND status = 'in-flight' AND lease_until <= ? AND attempts >= ?`,
		error.class,
		json({ ...error, message: `${LEASE_EXPIRED}; gave up after ${ctx.backoff.maxAttempts} attempts` }),
		now,
		map,
		now,
		ctx.backoff.maxAttempts,
	);
	db.run(
		`UPDATE journal SET status = 'pending', lease = NULL, lease_until = NULL, next_attempt_at = ?, error_class = ?, last_error = ?, updated_at = ?
		WHERE map = ? AND status = 'in-flight' AND lease_until <= ?`,
		now,
		error.class,
		json(error),
		now,
		map,
		now,
	);
}

const CLAIMABLE = `SELECT j.id FROM journal j
	WHERE j.map = ? AND (? IS NULL OR j.direction = ?) AND j.status = 'pending' AND j.next_attempt_at <= ?
		AND NOT EXISTS (
			SELECT 1 FROM journal e
			WHERE e.map = j.map AND e.order_key = j.order_key AND e.status IN ('pending', 'in-flight') AND e.id < j.id
		)
	ORDER BY j.id
	LIMIT ?`;

export function claimBatch(ctx: StoreContext, map: string, limit: number, options: ClaimOptions): ClaimResult {
	const { db } = ctx;
	return db.write((): ClaimResult => {
		const now = ctx.now();
		expireLeases(ctx, map, now);
		const state = db.get<{ state: string }>('SELECT state FROM map_state WHERE map = ?', map)?.state;
		if (!options.ignoreMapState && (state === 'paused' || state === 'stopped')) return { changes: [], blocked: state };
		const direction = nul(options.direction);
		// Busy while any batch of the map is in flight, whichever its direction: a record's two directions must not
		// read, merge and record their agreement at the same time, or the one finishing last hides the other's.
		if (db.get("SELECT 1 AS busy FROM journal WHERE map = ? AND status = 'in-flight' LIMIT 1", map)) {
			return { changes: [], blocked: 'busy' };
		}
		const ids = db.all<{ id: number }>(CLAIMABLE, map, direction, direction, now, Math.max(0, Math.floor(limit)));
		if (ids.length === 0) {
			if (state === 'catching-up') finishCatchUp(ctx, map, now);
			return { changes: [], blocked: 'empty' };
		}
		const lease = ctx.newLease();
		const leaseUntil = now + options.leaseMs;
		for (const { id } of ids) {
			db.run(
				"UPDATE journal SET status = 'in-flight', lease = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?",
				lease,
				leaseUntil,
				now,
				id,
			);
		}
		const changes = db.all<JournalRow>('SELECT * FROM journal WHERE lease = ? ORDER BY id', lease).map(rowToEntry);
		return { lease, leaseUntil, changes };
	});
}

export function complete(ctx: StoreContext, lease: string, outcomes: ChangeOutcome[]): CompleteResult {
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
		const result: CompleteResult = { completed: [], rescheduled: [], stale: [] };
		const successes = new Set<string>();
		const failures = new Map<string, JournalError>();
		for (const outcome of outcomes) {
			const row = db.get<{ map: string; attempts: number }>(
				"SELECT map, attempts FROM journal WHERE id = ? AND lease = ? AND status = 'in-flight'",
				outcome.id,
				lease,
			);
			if (!row) {
				result.stale.push(outcome.id);
				continue;
			}
			result.completed.push(outcome.id);
			switch (outcome.status) {
				case 'done':
					db.run(
						"UPDATE journal SET status = 'done', lease = NULL, lease_until = NULL, detail = ?, updated_at = ? WHERE id = ?",
						nul(outcome.detail),
						now,
						outcome.id,
					);
					successes.add(row.map);
					break;
				case 'skipped':
					db.run(
						"UPDATE journal SET status = 'skipped', lease = NULL, lease_until = NULL, decision = ?, detail = ?, updated_at = ? WHERE id = ?",
						outcome.decision,
						nul(outcome.detail),
						now,
						outcome.id,
					);
					break;
				case 'failed': {
					const again = isRetryable(outcome.error, outcome.retry) && row.attempts < ctx.backoff.maxAttempts;
					const next = again ? now + backoffDelay(row.attempts, outcome.error, ctx.backoff, ctx.random) : now;
					db.run(
						`UPDATE journal SET status = ?, lease = NULL, lease_until = NULL, next_attempt_at = ?, error_class = ?, last_error = ?, updated_at = ?
						WHERE id = ?`,
						again ? 'pending' : 'failed',
						next,
						outcome.error.class,
						json(outcome.error),
						now,
						outcome.id,
					);
					if (again) result.rescheduled.push(outcome.id);
					bumpErrorCount(ctx, row.map, outcome.error.class, now);
					failures.set(row.map, outcome.error);
					break;
				}
			}
		}
		noteOutcomes(ctx, successes, failures, now);
		return result;
	});
}

export function extendLease(ctx: StoreContext, lease: string, leaseMs: number): boolean {
	return ctx.db.write(() => {
		const until = ctx.now() + leaseMs;
		return ctx.db.run("UPDATE journal SET lease_until = ? WHERE lease = ? AND status = 'in-flight'", until, lease) > 0;
	});
}

export function release(ctx: StoreContext, lease: string): number {
	return ctx.db.write(() =>
		ctx.db.run(
			`UPDATE journal SET status = 'pending', lease = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = ?
			WHERE lease = ? AND status = 'in-flight'`,
			ctx.now(),
			lease,
		),
	);
}

/**
 * Every in-flight change of a map (and direction) back to pending, whatever its lease: for a trigger starting up,
 * whose predecessor process died with a batch claimed. Counts no attempt, like `release`.
 */
export function releaseInFlight(ctx: StoreContext, map: string, direction?: string): number {
	const dir = nul(direction);
	return ctx.db.write(() =>
		ctx.db.run(
			`UPDATE journal SET status = 'pending', lease = NULL, lease_until = NULL, attempts = MAX(attempts - 1, 0), updated_at = ?
			WHERE map = ? AND (? IS NULL OR direction = ?) AND status = 'in-flight'`,
			ctx.now(),
			map,
			dir,
			dir,
		),
	);
}

export function getChange(ctx: StoreContext, id: number): JournalEntry | undefined {
	const row = ctx.db.get<JournalRow>('SELECT * FROM journal WHERE id = ?', id);
	return row ? rowToEntry(row) : undefined;
}

export function list(ctx: StoreContext, options: ListOptions = {}): Page<JournalEntry> {
	const { where, params } = filterToSql(options);
	const descending = (options.order ?? 'desc') === 'desc';
	const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(options.limit ?? 100)));
	let clause = where;
	if (options.cursor !== undefined) {
		clause += descending ? ' AND id < ?' : ' AND id > ?';
		params.push(decodeCursor(options.cursor));
	}
	const rows = ctx.db.all<JournalRow>(
		`SELECT * FROM journal WHERE ${clause} ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ?`,
		...params,
		limit + 1,
	);
	const items = rows.slice(0, limit).map(rowToEntry);
	return rows.length > limit ? { items, nextCursor: String(items[items.length - 1].id) } : { items };
}

/** Ids of the selection in the given statuses (ids outside them are ignored, not errors: a UI may be stale). */
function select(ctx: StoreContext, selection: JournalSelection, allowed: string[]): number[] {
	if (Array.isArray(selection)) {
		return selection.filter((id) => {
			const status = ctx.db.get<{ status: string }>('SELECT status FROM journal WHERE id = ?', id)?.status;
			return status !== undefined && allowed.includes(status);
		});
	}
	const { where, params } = filterToSql(selection, ['failed']);
	const allowedSql = allowed.map((status) => `'${status}'`).join(', ');
	return ctx.db.all<{ id: number }>(`SELECT id FROM journal WHERE ${where} AND status IN (${allowedSql}) ORDER BY id`, ...params).map((r) => r.id);
}

export function retry(ctx: StoreContext, selection: JournalSelection, options: RetryOptions = {}): number[] {
	const edited = options.editedPayload !== undefined;
	if (edited && !(Array.isArray(selection) && selection.length === 1)) {
		throw new TypeError('an edited payload can only be given when retrying exactly one change');
	}
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
		const ids = select(ctx, selection, ['failed', 'skipped', 'dismissed', 'done']);
		for (const id of ids) {
			if (edited) {
				// 'null' when nothing was captured: an original payload (even null) marks the change as edited.
				db.run("UPDATE journal SET original_payload = COALESCE(original_payload, payload, 'null'), payload = ? WHERE id = ?", json(options.editedPayload), id);
			}
			db.run(
				`UPDATE journal SET status = 'pending', attempts = 0, next_attempt_at = ?, lease = NULL, lease_until = NULL, decision = NULL, updated_at = ?
				WHERE id = ?`,
				options.notBefore ?? now,
				now,
				id,
			);
		}
		return ids;
	});
}

export function dismiss(ctx: StoreContext, selection: JournalSelection, reason?: string): number[] {
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
		const ids = select(ctx, selection, ['failed', 'pending']);
		for (const id of ids) {
			db.run("UPDATE journal SET status = 'dismissed', detail = COALESCE(?, detail), updated_at = ? WHERE id = ?", nul(reason), now, id);
		}
		return ids;
	});
}

/** In chunks, each its own transaction: a month of history must not hold the write lock for seconds. */
export function purge(ctx: StoreContext, options: PurgeOptions = {}): PurgeResult {
	const { db } = ctx;
	const cutoff = options.olderThan ?? ctx.now() - (options.retentionMs ?? DEFAULT_RETENTION_MS);
	const result: PurgeResult = { journal: 0, activity: 0, errorBuckets: 0 };
	for (;;) {
		const deleted = db.write(() =>
			db.run(
				`DELETE FROM journal WHERE id IN (
					SELECT id FROM journal WHERE status IN ('done', 'skipped', 'dismissed') AND updated_at < ? LIMIT ?
				)`,
				cutoff,
				PURGE_CHUNK,
			),
		);
		result.journal += deleted;
		if (deleted < PURGE_CHUNK) break;
	}
	db.write(() => {
		result.activity = db.run('DELETE FROM activity WHERE at < ?', cutoff);
		result.errorBuckets = db.run('DELETE FROM error_count WHERE minute < ?', Math.floor(cutoff / 60_000));
	});
	return result;
}

export function counts(ctx: StoreContext, map: string): JournalCounts {
	const result = Object.fromEntries(JOURNAL_STATUSES.map((status) => [status, 0])) as JournalCounts;
	for (const row of ctx.db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM journal WHERE map = ? GROUP BY status', map)) {
		result[row.status as keyof JournalCounts] = row.n;
	}
	result.retrying =
		ctx.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM journal WHERE map = ? AND status = 'pending' AND error_class IS NOT NULL", map)?.n ?? 0;
	return result;
}
