/** What an initial sync did (or, in a dry run, would do) with one map: counts, failures and samples. */
import type { SyncDirection } from '../../maps';
import type { EnvelopeKey } from '../envelope';
import type { PreviewOutcome } from '../live/liveWrite';
import type { FieldConflict } from '../conflict';

export interface MapSyncCounts {
	/** Source records read. */
	read: number;
	created: number;
	updated: number;
	/** Already equal on the target: nothing written. */
	unchanged: number;
	/** Records both sides held with different values; the map's conflict policy settled them (also counted as written or unchanged). */
	conflicts: number;
	/** Left out by the map's source filter. */
	filtered: number;
	/** Live sync synced the record after the snapshot read it: live sync's newer values stand, the record is re-read by it. */
	stale: number;
	/** Failed (the map rejected the record or the target refused the write): journaled as failed changes, to retry from the error log. */
	failed: number;
}

export interface SyncSample {
	key: EnvelopeKey;
	outcome: PreviewOutcome | 'invalid';
	detail: string;
	fields?: string[];
	conflicts?: FieldConflict[];
}

export interface MapSyncReport extends MapSyncCounts {
	map: string;
	direction: SyncDirection;
	dryRun: boolean;
	/** Resumed after this source key (a checkpoint of an earlier, unfinished run). */
	resumedAfter?: EnvelopeKey;
	/** Failures and, in a dry run, a few records per outcome. */
	samples: SyncSample[];
	durationMs: number;
}

export const emptyCounts = (): MapSyncCounts => ({
	read: 0,
	created: 0,
	updated: 0,
	unchanged: 0,
	conflicts: 0,
	filtered: 0,
	stale: 0,
	failed: 0,
});

const COUNT_NAMES = Object.keys(emptyCounts()) as Array<keyof MapSyncCounts>;

export function addCounts(into: MapSyncCounts, more: MapSyncCounts): void {
	for (const name of COUNT_NAMES) into[name] += more[name];
}

/** Only the counts of a report (which carries more). */
export function countsOf(report: MapSyncCounts): MapSyncCounts {
	const counts = emptyCounts();
	addCounts(counts, report);
	return counts;
}

/** The failures a report lists (at most 50 per map; `failed` has the count). */
export function failureSamples(report: MapSyncReport): SyncSample[] {
	return report.samples.filter((sample) => sample.outcome === 'failed' || sample.outcome === 'invalid');
}

/** A run that cannot go on (a checkpoint of other maps, the target refusing the credentials or down): the message says what to do. */
export class InitialSyncError extends Error {}
