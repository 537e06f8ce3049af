/**
 * Keys are compared as text in SQL. `{dataAreaId, CustomerAccount}` and `{CustomerAccount, dataAreaId}` are the
 * same record, so fields are sorted before serialising.
 */
import type { SystemName } from '../odata';
import type { EnvelopeKey } from '../sync/envelope';

export function canonicalKey(key: EnvelopeKey): string {
	const sorted: EnvelopeKey = {};
	for (const field of Object.keys(key).sort()) sorted[field] = key[field];
	return JSON.stringify(sorted);
}

export function parseKey(text: string): EnvelopeKey {
	return JSON.parse(text) as EnvelopeKey;
}

/** Default order key of a change: one queue per record per source side. */
export function defaultOrderKey(sourceSystem: SystemName, key: EnvelopeKey): string {
	return `${sourceSystem}:${canonicalKey(key)}`;
}
