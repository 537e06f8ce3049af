/**
 * The fingerprint of a mapped record: SHA-256 over its normalised, canonical values in field order. The same
 * values written and later read back from the target give the same hash, which is what echo suppression and
 * no-change detection compare (DESIGN §4).
 */
import { createHash } from 'node:crypto';
import type { Scalar } from './types';

/** `entries` are `[target field or path, canonical value]` pairs in the map's field order. */
export function hashEntries(entries: ReadonlyArray<readonly [string, Scalar]>): string {
	return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}
