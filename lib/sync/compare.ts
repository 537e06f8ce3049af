/**
 * Comparing field values the way the target stores them (lib/maps normalisation, then `canonical`), so that the
 * diff before a write and the three-way merge agree with the hash echo suppression uses: `'A  '` equals `'A'`,
 * `'12.50'` equals `12.5`, a date equals its F&O noon date-time, `'yes'` equals the enum symbol `'Yes'`.
 */
import type { FieldKind, FieldOption } from '../connectors/types';
import { canonical, tryNormalise, type ValueShape } from '../maps/normalise';
import type { Scalar } from '../maps/types';
import type { SystemName } from '../odata';

/** What the target field holds, by target field name; fields not listed are compared by their JSON kind. */
export interface FieldShape {
	kind?: FieldKind;
	scale?: number;
	options?: readonly FieldOption[];
}

export type FieldShapes = Readonly<Record<string, FieldShape>>;

export type Comparable = { ok: true; value: Scalar; omit: boolean } | { ok: false; message: string };

export function comparable(value: unknown, side: SystemName, shape: FieldShape | undefined): Comparable {
	const full: ValueShape = { side, ...shape };
	const result = tryNormalise(value, full);
	if (!result.ok) return result;
	// `undefined` from normalise means "leave the field out" (an F&O enum has no null): nothing to compare or write.
	if (result.value === undefined) return { ok: true, value: null, omit: true };
	const value_ = canonical(result.value);
	// F&O enum symbols are case-insensitive; without metadata options normalise cannot fold the case itself.
	const folded = shape?.kind === 'enum' && typeof value_ === 'string' ? value_.toLowerCase() : value_;
	return { ok: true, value: folded, omit: false };
}

/** Equal as stored. Values that do not normalise (wrong type on the read record) compare by their JSON text. */
export function sameValue(a: unknown, b: unknown, side: SystemName, shape: FieldShape | undefined): boolean {
	const left = comparable(a, side, shape);
	const right = comparable(b, side, shape);
	if (left.ok && right.ok) return left.value === right.value;
	return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function isBlank(value: unknown, side: SystemName, shape: FieldShape | undefined): boolean {
	const result = comparable(value, side, shape);
	return result.ok ? result.value === null : false;
}
