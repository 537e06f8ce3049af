/** Request bodies from caller records. */
import type { DataRecord } from '../types';

/**
 * Drops what a read put on a record that must not be written back: instance annotations (`@odata.etag`,
 * `@odata.context`) and property annotations (`name@OData.Community.Display.V1.FormattedValue`), but keeps
 * `nav@odata.bind`, and drops the given fields (keys that travel in the URL).
 */
export function writableBody(record: DataRecord, omit: Iterable<string> = []): DataRecord {
	const skip = new Set(omit);
	const body: DataRecord = {};
	for (const [name, value] of Object.entries(record)) {
		if (skip.has(name) || value === undefined) continue;
		const at = name.indexOf('@');
		if (at >= 0 && !(at > 0 && name.endsWith('@odata.bind'))) continue;
		body[name] = value;
	}
	return body;
}
