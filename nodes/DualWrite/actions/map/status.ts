import type { IDataObject } from 'n8n-workflow';
import type { MapStatus } from '../../../../lib/sync';
import { iso, mapTitle } from '../common';

/** A map's status as an item: times as ISO text, the last error's class and full message. */
export function statusJson(status: MapStatus): IDataObject {
	const title = mapTitle(status.map);
	return {
		map: status.map,
		...(title ? { title } : {}),
		state: status.state,
		detail: status.detail ?? null,
		since: iso(status.since),
		backlog: { ...status.backlog },
		lastSuccessAt: iso(status.lastSuccessAt),
		lastError: status.lastError
			? {
					at: iso(status.lastErrorAt),
					class: status.lastError.class,
					message: status.lastError.message,
					...(status.lastError.status !== undefined ? { status: status.lastError.status } : {}),
				}
			: null,
		alertRules: status.alertRules,
	};
}
