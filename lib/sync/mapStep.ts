/**
 * The Map node's work on one item, without n8n: a source record (plain, or carrying the envelope a trigger put on
 * it) in; the target record with its envelope, or the input with a skip decision, out. MapErrors pass through.
 */
import type { CompiledMap, SyncDirection } from '../maps';
import { apply, hashRecord } from '../maps';
import type { SystemName } from '../odata';
import { ENVELOPE_FIELD, hasEnvelope, type DualWriteEnvelope, type EnvelopeKey } from './envelope';
import { sideValues } from './live/sides';

export type MapStepResult = { output: 'mapped' | 'skipped'; json: Record<string, unknown> };

const sides = (direction: SyncDirection): { source: SystemName; target: SystemName } =>
	direction === 'fo->dataverse' ? { source: 'fo', target: 'dataverse' } : { source: 'dataverse', target: 'fo' };

/** The source fields of an item: everything but an incoming envelope. */
export function recordOf(json: Record<string, unknown>): Record<string, unknown> {
	if (!(ENVELOPE_FIELD in json)) return json;
	const record = { ...json };
	delete record[ENVELOPE_FIELD];
	return record;
}

export function mapStep(compiled: CompiledMap, direction: SyncDirection, json: Record<string, unknown>): MapStepResult {
	const incoming = hasEnvelope(json) ? json.dualWrite : undefined;
	const record = recordOf(json);
	const { source, target } = sides(direction);
	const plan = compiled.plans[direction];
	const base = {
		map: compiled.id,
		mapVersion: compiled.version,
		direction,
		change: incoming?.change ?? 'update',
	} satisfies Partial<DualWriteEnvelope>;
	const sourceInfo = (key: EnvelopeKey): DualWriteEnvelope['source'] => ({
		system: source,
		entity: plan?.source.entity ?? (source === 'fo' ? compiled.definition.fo.entity : compiled.definition.dataverse.entity),
		key,
		...(incoming?.source.version !== undefined ? { version: incoming.source.version } : {}),
		...(incoming?.source.eventId !== undefined ? { eventId: incoming.source.eventId } : {}),
		...(incoming?.source.at !== undefined ? { at: incoming.source.at } : {}),
		...(incoming?.source.hash !== undefined ? { hash: incoming.source.hash } : {}),
		...(incoming?.source.readAt !== undefined ? { readAt: incoming.source.readAt } : {}),
	});
	// Live sync: the journal change rides along so that the upsert (or the skip below) can record its outcome.
	const live = incoming?.journal !== undefined ? { journal: incoming.journal } : {};
	const skip = (decision: NonNullable<DualWriteEnvelope['decision']>, detail: string): MapStepResult => {
		const targetSide = target === 'fo' ? compiled.definition.fo : compiled.definition.dataverse;
		const envelope: DualWriteEnvelope = {
			...base,
			source: sourceInfo(incoming?.source.key ?? {}),
			target: { system: target, entity: targetSide.entity, key: {} },
			decision,
			detail,
			...live,
		};
		return { output: 'skipped', json: { ...record, [ENVELOPE_FIELD]: envelope } };
	};
	// An item a trigger captured on the other system belongs to the other direction's map node.
	if (incoming && incoming.source.system !== source) {
		return skip('not-this-direction', `the item comes from ${incoming.source.system}, map ${compiled.id} runs ${direction}`);
	}
	// A live delete carries no record to map: the trigger found the target's key in the ledger.
	if (incoming?.journal && incoming.change === 'delete') {
		if (Object.keys(incoming.target.key).length === 0) return skip('not-linked', 'the delete names no target record');
		const envelope: DualWriteEnvelope = { ...base, source: sourceInfo(incoming.source.key), target: { ...incoming.target, system: target }, ...live };
		return { output: 'mapped', json: { [ENVELOPE_FIELD]: envelope } };
	}
	const result = apply(compiled, direction, record);
	if (result.kind === 'skipped') return skip(result.decision, result.detail);
	// An incoming envelope's key is the record's identity in the ledger (a Dataverse row's id); a plain record has the
	// map's key.
	const sourceKey = incoming && Object.keys(incoming.source.key).length > 0 ? incoming.source.key : result.source.key;
	const envelope: DualWriteEnvelope = {
		...base,
		source: sourceInfo(sourceKey),
		target: { system: target, entity: result.target.entity, key: result.target.key, lookups: result.target.lookups },
		hash: result.hash,
		...live,
	};
	if (incoming) {
		envelope.source.hash ??= hashRecord(compiled, source, record);
		envelope.sourceValues = sideValues(compiled, source, record);
	}
	return { output: 'mapped', json: { ...result.target.record, [ENVELOPE_FIELD]: envelope } };
}
