/**
 * Named checkpoints (delta links, watermarks, initial-sync positions). Compare-and-set, so that two processes that
 * read the same delta link cannot both advance it: the loser learns it and re-reads.
 */
import type { Cursor, SetCursorOptions } from '../types';
import type { StoreContext } from './context';

export function getCursor(ctx: StoreContext, name: string): Cursor | undefined {
	const row = ctx.db.get<{ name: string; value: string; updated_at: number }>('SELECT name, value, updated_at FROM cursor WHERE name = ?', name);
	return row ? { name: row.name, value: row.value, updatedAt: row.updated_at } : undefined;
}

export function setCursor(ctx: StoreContext, name: string, value: string, options: SetCursorOptions = {}): boolean {
	const { db } = ctx;
	return db.write(() => {
		const now = ctx.now();
		if (!('expect' in options) || options.expect === undefined) {
			db.run(
				'INSERT INTO cursor (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
				name,
				value,
				now,
			);
			return true;
		}
		if (options.expect === null) {
			return db.run('INSERT INTO cursor (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING', name, value, now) > 0;
		}
		return db.run('UPDATE cursor SET value = ?, updated_at = ? WHERE name = ? AND value = ?', value, now, name, options.expect) > 0;
	});
}
