/**
 * The item contract between nodes (DESIGN §3): every item a trigger, the map node or an upsert node emits
 * carries the record's own fields plus this `dualWrite` envelope, so that the next node needs no configuration
 * beyond its credential. Users reference it in expressions (`{{ $json.dualWrite.source.key.CustomerAccount }}`):
 * keep it stable; add fields, never rename them.
 */
import type { SystemName } from '../odata';
import type { SyncDirection } from '../maps/types';

export type ChangeType = 'create' | 'update' | 'delete';

/** Why an item was not written. Every skip carries one, so nothing vanishes silently. */
export type SkipDecision = 'echo' | 'filtered' | 'no-change' | 'not-this-direction' | 'paused' | 'conflict-lost' | 'stale';

/** Key values by field; Dataverse lookups inside a key are dotted paths (`msdyn_company.cdm_companycode`). */
export type EnvelopeKey = Record<string, string | number | boolean | null>;

export interface EnvelopeLookup {
	/** Entity set of the referenced row. */
	entity: string;
	/** Its alternate key (or `{<primary id>: guid}`). */
	key: EnvelopeKey;
}

export interface DualWriteEnvelope {
	map: string;
	mapVersion: string;
	direction: SyncDirection;
	change: ChangeType;
	source: {
		system: SystemName;
		entity: string;
		key: EnvelopeKey;
		/** Row version / ETag / ControlNumber of the change, when the source gives one. */
		version?: string;
		/** Event id for de-duplication (ControlNumber, webhook OperationId, delta token position). */
		eventId?: string;
		/** ISO time of the change at the source. */
		at?: string;
	};
	target: {
		system: SystemName;
		entity: string;
		key: EnvelopeKey;
		/** Dataverse lookups to bind by navigation property. */
		lookups?: Record<string, EnvelopeLookup>;
	};
	/** Normalised hash of the mapped values (echo suppression, no-change detection). */
	hash?: string;
	decision?: SkipDecision;
	/** Human-readable detail for `decision` (which filter, which ledger entry). */
	detail?: string;
	/**
	 * What the upsert node did with the item (set by the F&O / Dataverse nodes in dual-write mode, absent before):
	 * `outcome` as the connector reports it, `id` the Dataverse primary id of the row written.
	 */
	result?: EnvelopeWriteResult;
}

export interface EnvelopeWriteResult {
	outcome: 'created' | 'updated' | 'deleted';
	id?: string;
}

export const ENVELOPE_FIELD = 'dualWrite';

export interface EnvelopedItem {
	[field: string]: unknown;
	dualWrite: DualWriteEnvelope;
}

export function hasEnvelope(json: Record<string, unknown>): json is EnvelopedItem {
	const e = json[ENVELOPE_FIELD] as Partial<DualWriteEnvelope> | undefined;
	return typeof e === 'object' && e !== null && typeof e.map === 'string' && typeof e.target === 'object' && e.target !== null;
}
