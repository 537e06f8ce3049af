/** Errors of the polling capture sources that the trigger handles by kind. */
import type { SystemName } from '../../odata';

/**
 * A stored cursor that cannot be used: not one of ours, corrupt, or made for another entity or field. The trigger
 * logs it and starts over with a new baseline (no cursor).
 */
export class CaptureCursorError extends Error {
	constructor(
		readonly system: SystemName,
		readonly entity: string,
		detail: string,
	) {
		super(`${system === 'fo' ? 'F&O' : 'Dataverse'} ${entity}: the capture cursor is not usable: ${detail}`);
		this.name = 'CaptureCursorError';
	}
}
