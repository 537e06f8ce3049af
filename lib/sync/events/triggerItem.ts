/**
 * The item a Dataverse trigger emits for one captured change: the row's columns as the delivery carried them, plus
 * a `dataverse` description of the change. The description has the fields of the envelope's `source` (system,
 * entity, key, eventId, at, version) so that a map step can take it over as is; it is not a `dualWrite` envelope
 * because no map has run yet.
 */
import type { CapturedValue, DataverseCapturedChange, FoCapturedChange } from './changeEvent';

export const TRIGGER_SOURCE_FIELD = 'dataverse';

export interface DataverseTriggerSource {
	system: 'dataverse';
	entity: string;
	change: DataverseCapturedChange['change'];
	/** `{<primary id column>: guid}`. */
	key: Record<string, string>;
	eventId: string;
	at?: string;
	version?: string;
	depth: number;
	correlationId: string;
	initiatingUserId?: string;
	tag?: string;
	/** The platform left the record out (over 256 KB) or some values could not be decoded: read the row. */
	truncated: boolean;
	undecoded: string[];
	preImages: DataverseCapturedChange['preImages'];
	postImages: DataverseCapturedChange['postImages'];
}

export type DataverseTriggerItem = Record<string, CapturedValue | DataverseTriggerSource> & { [TRIGGER_SOURCE_FIELD]: DataverseTriggerSource };

/**
 * Columns come from the delivery's Target and, beneath them, from its post-images: a synchronous step registered by
 * the trigger carries a post-image of the whole row (an Update's Target holds only the columns the request set),
 * so its item is the complete row without a read. Asynchronous steps carry no image: their items are what Target
 * held, as before.
 */
export function dataverseTriggerItem(change: DataverseCapturedChange, primaryId: string): DataverseTriggerItem {
	const source: DataverseTriggerSource = {
		system: 'dataverse',
		entity: change.entity,
		change: change.change,
		key: { [primaryId]: change.id },
		eventId: change.eventId,
		...(change.at !== undefined ? { at: change.at } : {}),
		...(change.version !== undefined ? { version: change.version } : {}),
		depth: change.depth,
		correlationId: change.correlationId,
		...(change.initiatingUserId !== undefined ? { initiatingUserId: change.initiatingUserId } : {}),
		...(change.tag !== undefined ? { tag: change.tag } : {}),
		truncated: change.truncated,
		undecoded: change.undecoded,
		preImages: change.preImages,
		postImages: change.postImages,
	};
	// The primary id is always present, also for Delete, whose delivery carries no columns.
	const images = Object.values(change.postImages).reduce<Record<string, CapturedValue>>((row, image) => Object.assign(row, image), {});
	return { ...images, ...change.attributes, [primaryId]: change.id, [TRIGGER_SOURCE_FIELD]: source };
}

export const FO_TRIGGER_SOURCE_FIELD = 'fo';

/** The F&O trigger's description of a change: the envelope's `source` fields plus what the event said about itself. */
export interface FoTriggerSource {
	system: 'fo';
	entity: string;
	change: FoCapturedChange['change'];
	/** Natural key incl. `dataAreaId`. */
	key: FoCapturedChange['key'];
	/** The ControlNumber as text (de-duplication id). */
	eventId: string;
	/** Monotonic, not contiguous: a smaller number than one already seen is an older change. */
	controlNumber: number;
	kind: FoCapturedChange['kind'];
	at?: string;
	version?: string;
	legalEntity?: string;
	initiatingUserId?: string;
	/** Fields whose value could not be decoded (enum option values without the enum's numbers): read the record. */
	undecoded: string[];
}

export type FoTriggerItem = Record<string, CapturedValue | FoTriggerSource> & { [FO_TRIGGER_SOURCE_FIELD]: FoTriggerSource };

/**
 * The item an F&O trigger emits for one event: the fields the delivery carried under their OData names (data events:
 * the record; business events: the key only) and, under "fo", the change.
 */
export function foTriggerItem(change: FoCapturedChange): FoTriggerItem {
	const source: FoTriggerSource = {
		system: 'fo',
		entity: change.entity,
		change: change.change,
		key: change.key,
		eventId: change.eventId,
		controlNumber: change.controlNumber,
		kind: change.kind,
		...(change.at !== undefined ? { at: change.at } : {}),
		...(change.version !== undefined ? { version: change.version } : {}),
		...(change.legalEntity !== undefined ? { legalEntity: change.legalEntity } : {}),
		...(change.initiatingUserId !== undefined ? { initiatingUserId: change.initiatingUserId } : {}),
		undecoded: change.undecoded,
	};
	return { ...change.fields, ...change.key, [FO_TRIGGER_SOURCE_FIELD]: source };
}
