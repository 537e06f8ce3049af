/** Map lifecycle events for the activity log (started, paused, initial sync runs, rule trips, config changes). */
import type { ActivityEntry, ActivityEvent, ActivityQuery, Page } from '../types';
import type { StoreContext } from './context';
import { decodeCursor, json, parseJson } from './database';

interface ActivityRow {
	id: number;
	map: string;
	event: string;
	detail: string | null;
	at: number;
}

function rowToEntry(row: ActivityRow): ActivityEntry {
	const entry: ActivityEntry = { id: row.id, map: row.map, event: row.event, at: row.at };
	const detail = parseJson<Record<string, unknown>>(row.detail);
	if (detail) entry.detail = detail;
	return entry;
}

/** Inside a caller's transaction. */
export function insertActivity(ctx: StoreContext, map: string, event: ActivityEvent, detail: Record<string, unknown> | undefined, at: number): ActivityEntry {
	const row = ctx.db.get<{ id: number }>('INSERT INTO activity (map, event, detail, at) VALUES (?, ?, ?, ?) RETURNING id', map, event, json(detail), at);
	return rowToEntry({ id: row?.id ?? -1, map, event, detail: json(detail), at });
}

export function logActivity(ctx: StoreContext, map: string, event: ActivityEvent, detail?: Record<string, unknown>): ActivityEntry {
	return ctx.db.write(() => insertActivity(ctx, map, event, detail, ctx.now()));
}

/** Newest first. */
export function listActivity(ctx: StoreContext, query: ActivityQuery = {}): Page<ActivityEntry> {
	const limit = Math.min(1_000, Math.max(1, Math.floor(query.limit ?? 100)));
	const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeCursor(query.cursor);
	const since = query.since ?? 0;
	const rows =
		query.map === undefined
			? ctx.db.all<ActivityRow>('SELECT * FROM activity WHERE id < ? AND at >= ? ORDER BY id DESC LIMIT ?', before, since, limit + 1)
			: ctx.db.all<ActivityRow>(
					'SELECT * FROM activity WHERE map = ? AND id < ? AND at >= ? ORDER BY id DESC LIMIT ?',
					query.map,
					before,
					since,
					limit + 1,
				);
	const items = rows.slice(0, limit).map(rowToEntry);
	return rows.length > limit ? { items, nextCursor: String(items[items.length - 1].id) } : { items };
}
