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
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
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
	});
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
