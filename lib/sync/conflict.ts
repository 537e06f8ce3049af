/**
 * Field-level three-way merge (DESIGN §4, "Conflicts"): the incoming change (source values mapped to the target's
 * fields) against the target's current record, with the last agreed (master) values as the base. A field changed
 * on one side only keeps that side's value, so edits to different fields on both sides both survive; a field both
 * sides changed to different values is a conflict, settled by the map's policy and returned for the journal.
 *
 * All three records use the target's field names and representation (what the map writes and what the target
 * read returns); comparisons normalise as the target stores values (./compare.ts).
 *
 * Without a master value for a field (first sync, or a field added to the map later) nobody can say who changed
 * it: a blank side takes the other side's value (never a conflict, and never clears data), two different
 * non-blank values are a conflict.
 */
import type { ConflictPolicy } from '../maps/types';
import type { SystemName } from '../odata';
import { isBlank, sameValue, type FieldShapes } from './compare';

export interface MergeInput {
	source: SystemName;
	/** Source values mapped to target fields. */
	incoming: Record<string, unknown>;
	/** The target record as read; undefined when it does not exist. */
	current: Record<string, unknown> | undefined;
	/** Last agreed mapped values (the ledger's master state), target field names. */
	master?: Record<string, unknown>;
	/** Default: primary-wins with F&O primary (dual-write async's model). */
	policy?: ConflictPolicy;
	/** For newest-wins: when the source changed (the event's `at`) and when the target last changed (its modifiedon). */
	sourceAt?: string;
	targetAt?: string;
	shapes?: FieldShapes;
}

export interface FieldConflict {
	field: string;
	source: unknown;
	target: unknown;
	/** Undefined when there was no agreed value. */
	master: unknown;
	winner: SystemName;
	/** Which rule chose the winner, for the journal. */
	rule: string;
}

export interface MergeResult {
	/** The mapped fields as the target should hold them after the merge. */
	merged: Record<string, unknown>;
	/** Of those, the fields to write (they differ from the target's current values). */
	write: Record<string, unknown>;
	conflicts: FieldConflict[];
	writeNeeded: boolean;
	/** Fields where the target's value won and differs from the source: the source must be updated to converge. */
	sourceBehind: string[];
}

const other = (side: SystemName): SystemName => (side === 'fo' ? 'dataverse' : 'fo');

export function mergeThreeWay(input: MergeInput): MergeResult {
	const targetSide = other(input.source);
	const merged: Record<string, unknown> = {};
	const write: Record<string, unknown> = {};
	const conflicts: FieldConflict[] = [];
	const sourceBehind: string[] = [];
	const { current, master } = input;
	if (current === undefined) {
		return { merged: { ...input.incoming }, write: { ...input.incoming }, conflicts, writeNeeded: Object.keys(input.incoming).length > 0, sourceBehind };
	}
	const takeSource = (field: string, value: unknown) => {
		merged[field] = value;
		write[field] = value;
	};
	const keepTarget = (field: string) => {
		merged[field] = current[field] ?? null;
		sourceBehind.push(field);
	};
	for (const [field, s] of Object.entries(input.incoming)) {
		const shape = input.shapes?.[field];
		const same = (a: unknown, b: unknown) => sameValue(a, b, targetSide, shape);
		const t = current[field];
		if (same(s, t)) {
			merged[field] = s;
			continue;
		}
		const hasMaster = master !== undefined && field in master;
		const m = hasMaster ? master[field] : undefined;
		if (hasMaster && same(s, m)) keepTarget(field);
		else if (hasMaster && same(t, m)) takeSource(field, s);
		else if (!hasMaster && isBlank(t, targetSide, shape)) takeSource(field, s);
		else if (!hasMaster && isBlank(s, targetSide, shape)) keepTarget(field);
		else {
			const { winner, rule } = settle(input);
			conflicts.push({ field, source: s, target: t ?? null, master: m, winner, rule });
			if (winner === input.source) takeSource(field, s);
			else keepTarget(field);
		}
	}
	return { merged, write, conflicts, writeNeeded: Object.keys(write).length > 0, sourceBehind };
}

function settle(input: MergeInput): { winner: SystemName; rule: string } {
	const policy = input.policy ?? { policy: 'primary-wins' };
	const primary = policy.primary ?? 'fo';
	if (policy.policy === 'newest-wins') {
		const sourceMs = input.sourceAt === undefined ? NaN : Date.parse(input.sourceAt);
		const targetMs = input.targetAt === undefined ? NaN : Date.parse(input.targetAt);
		if (!Number.isNaN(sourceMs) && !Number.isNaN(targetMs) && sourceMs !== targetMs) {
			const winner = sourceMs > targetMs ? input.source : other(input.source);
			return { winner, rule: `newest-wins: ${winner} changed later (${sourceMs > targetMs ? input.sourceAt : input.targetAt})` };
		}
		// Equal or unknown times cannot order the edits; a fixed tie-break keeps both directions agreeing.
		return { winner: primary, rule: `newest-wins could not order the edits (${Number.isNaN(sourceMs) || Number.isNaN(targetMs) ? 'a time is missing' : 'same time'}): primary ${primary} wins` };
	}
	return { winner: primary, rule: `primary-wins: ${primary} is primary` };
}
