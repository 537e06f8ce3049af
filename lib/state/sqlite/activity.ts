/** Map lifecycle events for the activity log (started, paused, initial sync runs, rule trips, config changes). */
import type { SQLInputValue } from 'node:sqlite';
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

/** Newest first by default; `order: 'asc'` reads forwards from a cursor (an alert trigger following the log). */
export function listActivity(ctx: StoreContext, query: ActivityQuery = {}): Page<ActivityEntry> {
	const limit = Math.min(1_000, Math.max(1, Math.floor(query.limit ?? 100)));
	const ascending = query.order === 'asc';
	const clauses = ['at >= ?'];
	const params: SQLInputValue[] = [query.since ?? 0];
	if (query.cursor !== undefined) {
		clauses.push(ascending ? 'id > ?' : 'id < ?');
		params.push(decodeCursor(query.cursor));
	}
	if (query.map !== undefined) {
		clauses.push('map = ?');
		params.push(query.map);
	}
	if (query.events !== undefined) {
		clauses.push(query.events.length === 0 ? '1 = 0' : `event IN (${query.events.map(() => '?').join(', ')})`);
		params.push(...query.events);
	}
	const rows = ctx.db.all<ActivityRow>(`SELECT * FROM activity WHERE ${clauses.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`, ...params, limit + 1);
	const items = rows.slice(0, limit).map(rowToEntry);
	return rows.length > limit ? { items, nextCursor: String(items[items.length - 1].id) } : { items };
}
