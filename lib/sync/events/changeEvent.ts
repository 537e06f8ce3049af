/**
 * A change as a trigger captured it from either system, before any map runs: what changed, which record, and the
 * facts echo suppression and de-duplication need (event id, initiating identity, origin tag). Parsers in this folder
 * produce it from the raw deliveries; nothing here reads the network.
 */
import type { ChangeType, EnvelopeKey } from '../envelope';

/** A Dataverse lookup value as a webhook carries it (an `EntityReference`). */
export interface EntityReferenceValue {
	id: string;
	logicalName: string;
}

export type CapturedValue = string | number | boolean | null | EntityReferenceValue;

interface CapturedChangeBase {
	/** F&O public collection or Dataverse entity set. */
	entity: string;
	change: ChangeType;
	/** De-duplication id of the delivery (see each parser for which payload field it is). */
	eventId: string;
	/** ISO time of the change at the source, when the payload says. */
	at?: string;
	/** Who made the change, lower-case GUID without braces. */
	initiatingUserId?: string;
	/** Attributes whose value could not be decoded (multi-select choices, an enum value the field list lacks): read the record. */
	undecoded: string[];
}

export interface DataverseCapturedChange extends CapturedChangeBase {
	system: 'dataverse';
	/** Primary id (GUID, lower-case). */
	id: string;
	/** Target attributes, typed values decoded. Create: all set columns; Update: the changed ones; Delete: none. */
	attributes: Record<string, CapturedValue>;
	/** Pre/post entity images the step registered, decoded the same way, by image alias. */
	preImages: Record<string, Record<string, CapturedValue>>;
	postImages: Record<string, Record<string, CapturedValue>>;
	/** `Depth` of the execution context: 1 for a direct request, more when plug-ins or flows wrote in turn. */
	depth: number;
	/** SharedVariables `tag`: the `?tag=` of the request that made the change. */
	tag?: string;
	/** Entra object id of the initiating user (an app's object id for application users). */
	initiatingUserObjectId?: string;
	correlationId: string;
	/** `RowVersion` of the target, when present. */
	version?: string;
	/**
	 * The platform stripped the record from the delivery (`x-ms-dynamics-msg-size-exceeded`, over 256 KB): the
	 * attributes are empty and the record must be read.
	 */
	truncated: boolean;
}

export interface FoCapturedChange extends CapturedChangeBase {
	system: 'fo';
	kind: 'data-event' | 'business-event';
	/** Natural key incl. `dataAreaId` (company-specific entities), under the entity's OData field names. */
	key: EnvelopeKey;
	/**
	 * The record's fields under OData names. Data events: Create all fields, Update the changed fields plus the key,
	 * Delete the deleted record (pre-image). Business events: the key fields only (a notification: read the record).
	 */
	fields: Record<string, CapturedValue>;
	/** ControlNumber as a number, for ordering (monotonic, not contiguous). */
	controlNumber: number;
	/** Legal entity of the event (blank for global entities). */
	legalEntity?: string;
	version?: string;
}

export type CapturedChange = DataverseCapturedChange | FoCapturedChange;

/** A delivery the parser cannot use; the message names what is missing or wrong, never record values. */
export class ChangeEventError extends Error {
	constructor(
		message: string,
		readonly system: 'fo' | 'dataverse',
	) {
		super(message);
		this.name = 'ChangeEventError';
	}
}
