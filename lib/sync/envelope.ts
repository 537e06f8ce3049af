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
export type SkipDecision =
	| 'echo'
	| 'filtered'
	| 'no-change'
	| 'not-this-direction'
	| 'paused'
	| 'conflict-lost'
	| 'stale'
	/** A delete of a record the ledger never linked to the other side: nothing there to delete. */
	| 'not-linked'
	/** The change could not be mapped (a MapError); journaled as failed, with the error in `detail`. */
	| 'failed';

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
		/** `hashRecord` of the source record as read (live sync: the ledger's "seen" hash for the source side). */
		hash?: string;
		/** Live sync: when the trigger read the record (ISO); a write of ours to the source after it makes the item stale. */
		readAt?: string;
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
	/**
	 * Live sync: the journal change this item carries, under the lease of the trigger's batch. The Map and upsert
	 * nodes record the item's outcome there; absent on items that did not come from the journal.
	 */
	journal?: EnvelopeJournalRef;
	/**
	 * Live sync: the mapped fields' values as the source holds them (source field names), for the ledger's master
	 * state on the source side. Set by the Map node.
	 */
	sourceValues?: Record<string, unknown>;
}

export interface EnvelopeJournalRef {
	id: number;
	lease: string;
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
