/** Map run states, their last success and error, and the per-minute error counters alerts read. */
import type { ErrorClass, JournalError, MapRunState, MapState } from '../types';
import type { StoreContext } from './context';
import { json, nul, parseJson } from './database';
import { insertActivity } from './activity';

interface MapStateRow {
	map: string;
	state: string;
	detail: string | null;
	since: number;
	last_success_at: number | null;
	last_error_at: number | null;
	last_error: string | null;
}

const MAP_STATES: readonly MapRunState[] = ['running', 'paused', 'catching-up', 'initial-sync', 'stopped'];

function rowToState(row: MapStateRow): MapState {
	const state: MapState = { map: row.map, state: row.state as MapRunState, since: row.since };
	if (row.detail !== null) state.detail = row.detail;
	if (row.last_success_at !== null) state.lastSuccessAt = row.last_success_at;
	if (row.last_error_at !== null) state.lastErrorAt = row.last_error_at;
	const error = parseJson<JournalError>(row.last_error);
	if (error) state.lastError = error;
	return state;
}

export function getMapState(ctx: StoreContext, map: string): MapState | undefined {
	const row = ctx.db.get<MapStateRow>('SELECT * FROM map_state WHERE map = ?', map);
	return row ? rowToState(row) : undefined;
}

export function setMapState(ctx: StoreContext, map: string, state: MapRunState, detail?: string): MapState {
	if (!MAP_STATES.includes(state)) throw new TypeError(`unknown map state ${JSON.stringify(state)}`);
	return ctx.db.write(() => writeMapState(ctx, map, state, detail, ctx.now()));
}

/** Inside a caller's transaction. */
export function writeMapState(ctx: StoreContext, map: string, state: MapRunState, detail: string | undefined, now: number): MapState {
	const { db } = ctx;
	const previous = db.get<{ state: string }>('SELECT state FROM map_state WHERE map = ?', map)?.state;
	if (previous === state) {
		db.run('UPDATE map_state SET detail = ? WHERE map = ?', nul(detail), map);
	} else {
		db.run(
			`INSERT INTO map_state (map, state, detail, since) VALUES (?, ?, ?, ?)
			ON CONFLICT (map) DO UPDATE SET state = excluded.state, detail = excluded.detail, since = excluded.since`,
			map,
			state,
			nul(detail),
			now,
		);
		insertActivity(ctx, map, 'state-changed', { from: previous ?? null, to: state, ...(detail === undefined ? {} : { detail }) }, now);
	}
	return rowToState(db.get<MapStateRow>('SELECT * FROM map_state WHERE map = ?', map) as MapStateRow);
}

/**
 * Inside `claimBatch`'s transaction, when a claim of a `catching-up` map found nothing: the map is back to `running`
 * once no change of it (either direction) is due or in flight. Changes waiting for a retry later do not hold it back:
 * they are retried as in live operation.
 */
export function finishCatchUp(ctx: StoreContext, map: string, now: number): void {
	const open = ctx.db.get(
		"SELECT 1 AS open FROM journal WHERE map = ? AND (status = 'in-flight' OR (status = 'pending' AND next_attempt_at <= ?)) LIMIT 1",
		map,
		now,
	);
	if (!open) writeMapState(ctx, map, 'running', 'caught up: the changes journaled while paused are processed', now);
}

/**
 * Maps with a state, a journaled change or an alert rule. The journal part walks the (map, ...) index one map at a
 * time (a "skip scan"), so it costs one index probe per map, not a scan of the journal.
 */
export function listMaps(ctx: StoreContext): string[] {
	const rows = ctx.db.all<{ map: string }>(
		`WITH RECURSIVE journal_maps(map) AS (
			SELECT MIN(map) FROM journal
			UNION ALL
			SELECT (SELECT MIN(j.map) FROM journal j WHERE j.map > journal_maps.map) FROM journal_maps WHERE journal_maps.map IS NOT NULL
		)
		SELECT map FROM journal_maps WHERE map IS NOT NULL
		UNION SELECT map FROM map_state
		UNION SELECT map FROM alert_rule
		ORDER BY map`,
	);
	return rows.map((row) => row.map);
}

/**
 * Called inside `complete`'s transaction. A map seen for the first time this way is `running`: it is evidently
 * being processed.
 */
export function noteOutcomes(ctx: StoreContext, successes: Set<string>, failures: Map<string, JournalError>, now: number): void {
	for (const map of successes) {
		ctx.db.run(
			`INSERT INTO map_state (map, state, since, last_success_at) VALUES (?, 'running', ?, ?)
			ON CONFLICT (map) DO UPDATE SET last_success_at = excluded.last_success_at`,
			map,
			now,
			now,
		);
	}
	for (const [map, error] of failures) {
		ctx.db.run(
			`INSERT INTO map_state (map, state, since, last_error_at, last_error) VALUES (?, 'running', ?, ?, ?)
			ON CONFLICT (map) DO UPDATE SET last_error_at = excluded.last_error_at, last_error = excluded.last_error`,
			map,
			now,
			now,
			json(error),
		);
	}
}

export function bumpErrorCount(ctx: StoreContext, map: string, errorClass: ErrorClass, now: number): void {
	ctx.db.run(
		`INSERT INTO error_count (map, error_class, minute, count) VALUES (?, ?, ?, 1)
		ON CONFLICT (map, error_class, minute) DO UPDATE SET count = error_count.count + 1`,
		map,
		errorClass,
		Math.floor(now / 60_000),
	);
}

export function countErrors(ctx: StoreContext, map: string, errorClass: ErrorClass | undefined, sinceMs: number): number {
	const minute = Math.floor(sinceMs / 60_000);
	const row =
		errorClass === undefined
			? ctx.db.get<{ n: number | null }>('SELECT SUM(count) AS n FROM error_count WHERE map = ? AND minute >= ?', map, minute)
			: ctx.db.get<{ n: number | null }>(
					'SELECT SUM(count) AS n FROM error_count WHERE map = ? AND error_class = ? AND minute >= ?',
					map,
					errorClass,
					minute,
				);
	return row?.n ?? 0;
}
