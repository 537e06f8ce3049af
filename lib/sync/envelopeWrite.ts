/**
 * Dual-write mode of the upsert nodes: the write an enveloped item asks for, and the item that reports it. The
 * envelope names target entity, key and lookups, so the node needs nothing but its credential.
 */
import type { BatchWrite, RecordKey, WriteResult } from '../connectors/types';
import type { SystemName } from '../odata';
import { DUAL_WRITE_ORIGIN_TAG } from './echo';
import { ENVELOPE_FIELD, type EnvelopedItem } from './envelope';
import { recordOf } from './mapStep';

export class EnvelopeTargetError extends Error {
	constructor(
		readonly expected: SystemName,
		readonly actual: SystemName,
		readonly map: string,
	) {
		super(`The item is for ${actual}, not ${expected}: map ${map} writes it to ${actual}. Connect it to the ${actual} node.`);
		this.name = 'EnvelopeTargetError';
	}
}

/** Why the item cannot be written on `system` (it is for the other one), or undefined. */
export function envelopeTargetProblem(system: SystemName, item: EnvelopedItem): string | undefined {
	const { target, map } = item.dualWrite;
	return target.system === system ? undefined : new EnvelopeTargetError(system, target.system, map).message;
}

/** The upsert of an enveloped item on `system`; throws EnvelopeTargetError when the item is for the other system. */
export function envelopeWrite(system: SystemName, item: EnvelopedItem): BatchWrite {
	const { target, map } = item.dualWrite;
	if (target.system !== system) throw new EnvelopeTargetError(system, target.system, map);
	const lookups = target.lookups && Object.keys(target.lookups).length > 0 ? { lookups: target.lookups as Record<string, { entity: string; key: RecordKey }> } : {};
	// Stamped so that the Dataverse trigger recognises the webhook of this write as our echo.
	const tag = system === 'dataverse' ? { tag: DUAL_WRITE_ORIGIN_TAG } : {};
	return { operation: 'upsert', entity: target.entity, key: target.key as RecordKey, record: recordOf(item), options: { ...lookups, ...tag } };
}

/** The input item with the write's outcome added to its envelope. */
export function withResult(item: EnvelopedItem, result: WriteResult): EnvelopedItem {
	return {
		...item,
		[ENVELOPE_FIELD]: { ...item.dualWrite, result: { outcome: result.outcome, ...(result.id !== undefined ? { id: result.id } : {}) } },
	};
}
