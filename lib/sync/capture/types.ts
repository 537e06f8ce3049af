/**
 * What a polling capture source hands the live-sync trigger: the changes since a cursor, and the cursor to store
 * (compare-and-set) for the next poll. A change names the record by its key; the trigger reads the current record
 * before it maps it, so the values carried here are informative.
 */

export interface PolledChange {
	/** Neither source can tell a create from an update (Dataverse change tracking, an F&O watermark): both are 'update'. */
	change: 'create' | 'update' | 'delete';
	/** Dataverse: `{<primary id column>: guid}`; F&O: the natural key incl. `dataAreaId` for company-specific entities. */
	key: Record<string, string | number | boolean | null>;
	/** The same for the same change however often it is read, different for every change (the journal de-duplicates by it). */
	eventId: string;
	/** When the record changed at the source (Dataverse `modifiedon`, the F&O modified field). */
	at?: string;
	/** Row version: Dataverse `versionnumber`, F&O ETag. */
	version?: string;
	/** The record as read (without `@odata.*` annotations); absent for deletes. */
	record?: Record<string, unknown>;
}

export interface PollResult {
	changes: PolledChange[];
	/** Store it and pass it to the next poll. */
	cursor: string;
	/** True when more changes are waiting right now (a page limit was hit): the caller polls again at once. */
	more: boolean;
}
