import type { IDataObject } from 'n8n-workflow';
import type { JournalEntry } from '../../../../lib/state';
import { iso } from '../common';

/** A journaled change as an Error Log item: everything a person needs to judge it, times as ISO text. */
export function entryJson(entry: JournalEntry): IDataObject {
	return {
		id: entry.id,
		map: entry.map,
		direction: entry.direction,
		change: entry.change,
		status: entry.status,
		attempts: entry.attempts,
		source: { ...entry.source } as IDataObject,
		target: { ...entry.target } as IDataObject,
		// The server's full answer (message, status, code, details), not a truncated top 5.
		error: entry.error ? ({ ...entry.error } as IDataObject) : null,
		decision: entry.decision ?? null,
		detail: entry.detail ?? null,
		payload: (entry.payload ?? null) as IDataObject | null,
		...(entry.originalPayload !== undefined ? { originalPayload: entry.originalPayload as IDataObject | null, edited: true } : {}),
		nextAttemptAt: entry.status === 'pending' ? iso(entry.nextAttemptAt) : null,
		createdAt: iso(entry.createdAt),
		updatedAt: iso(entry.updatedAt),
	};
}
