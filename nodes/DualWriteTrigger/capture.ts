import type { Connector } from '../../lib/connectors';
import type { CompiledMap, SyncDirection } from '../../lib/maps';
import { pollDataverseChanges, pollFoWatermark } from '../../lib/sync/capture';
import type { Capture } from '../../lib/sync';

/** How the trigger learns of changes on the map's source side. */
export type CaptureMode = 'poll' | 'journal';

/**
 * The polling source for a map's direction: Dataverse change tracking (delta links; deletes included) or an F&O
 * modified-time watermark (entities without data events; deletes need the F&O webhook trigger).
 */
export function pollingCapture(connector: Connector, compiled: CompiledMap, direction: SyncDirection, modifiedField: string, maxChanges: number): Capture {
	// Keys are all the trigger needs from a capture: the batch re-reads every record before it is mapped.
	if (direction === 'dataverse->fo') {
		const entity = compiled.definition.dataverse.entity;
		return async (cursor) => await pollDataverseChanges(connector, { entity, maxChanges }, cursor);
	}
	const entity = compiled.definition.fo.entity;
	return async (cursor) => await pollFoWatermark(connector, { entity, modifiedField, maxChanges }, cursor);
}
