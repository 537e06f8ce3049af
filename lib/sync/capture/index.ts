/**
 * Polling capture sources for the live-sync trigger: (cursor | undefined) -> { changes, cursor, more }.
 * Dataverse change tracking (delta links; deletes included) and an F&O modified-time watermark (creates and
 * updates). No cursor = a baseline: no changes, a cursor from which the next poll reports what changes after it.
 */
export type { PolledChange, PollResult } from './types';
export { CaptureCursorError } from './errors';
export { ChangeTrackingExpiredError } from '../../connectors';
export { pollDataverseChanges, DEFAULT_MAX_CHANGES, type DataverseChangesOptions } from './dataverseChanges';
export {
	pollFoWatermark,
	comparePositions,
	versionHash,
	DEFAULT_FO_MAX_CHANGES,
	DEFAULT_LOOKBACK_MS,
	DEFAULT_MAX_TRACKED,
	DEFAULT_MODIFIED_FIELD,
	type FoWatermarkOptions,
} from './foWatermark';
export { parseFoCursor, serializeFoCursor, type FoCursor, type KeyValue, type Position, type SeenEntry } from './foCursor';
