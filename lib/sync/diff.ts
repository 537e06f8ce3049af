/**
 * Diff before write (DESIGN §4): of the mapped target record, only the fields whose stored values would change. A
 * write of values already there would raise a change event on the target for nothing, and every such event is a
 * chance to loop; an empty diff is the skip decision `no-change`.
 */
import type { SystemName } from '../odata';
import { comparable, type FieldShapes } from './compare';
import type { Scalar } from '../maps/types';

export interface DiffOptions {
	/** The target system (how values are stored). */
	side: SystemName;
	shapes?: FieldShapes;
}

export interface FieldDifference {
	field: string;
	/** Current value as stored (canonical), null when absent. */
	from: Scalar;
	/** Value to write (canonical). */
	to: Scalar;
}

export interface DiffResult {
	/** The mapped values to write, as the map produced them; empty when nothing differs. */
	changes: Record<string, unknown>;
	differences: FieldDifference[];
	decision?: 'no-change';
	reason: string;
}

/** A mapped value that does not fit its target field: a map or metadata problem, not a data difference. */
export class DiffValueError extends Error {
	constructor(
		readonly field: string,
		detail: string,
	) {
		super(`Field ${field} of the mapped record: ${detail}`);
		this.name = 'DiffValueError';
	}
}

/** `current` undefined: the target record does not exist, so every mapped field is written. */
export function diffRecord(mapped: Record<string, unknown>, current: Record<string, unknown> | undefined, options: DiffOptions): DiffResult {
	const changes: Record<string, unknown> = {};
	const differences: FieldDifference[] = [];
	for (const [field, value] of Object.entries(mapped)) {
		const shape = options.shapes?.[field];
		const next = comparable(value, options.side, shape);
		if (!next.ok) throw new DiffValueError(field, next.message);
		if (next.omit) continue;
		const now = current === undefined ? undefined : comparable(current[field], options.side, shape);
		// A stored value that does not normalise (bad data on the target) is overwritten with ours.
		if (now?.ok && now.value === next.value) continue;
		changes[field] = value;
		differences.push({ field, from: now?.ok ? now.value : null, to: next.value });
	}
	if (current === undefined) return { changes, differences, reason: 'the target record does not exist' };
	if (differences.length === 0) {
		return { changes, differences, decision: 'no-change', reason: 'the target already holds every mapped value (normalised)' };
	}
	return { changes, differences, reason: `${differences.length} field${differences.length > 1 ? 's differ' : ' differs'}: ${differences.map((d) => d.field).join(', ')}` };
}
