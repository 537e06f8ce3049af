/**
 * Dataverse change tracking as a polling source (reference §5.9). The cursor is the service's delta link (or, when a
 * poll stopped at `maxChanges`, the nextLink of the delta page to continue with).
 *
 * - No cursor: the baseline. Every row is read (a page at a time, none kept) to obtain the delta link; no change is
 *   returned, because the existing rows are the initial sync's job.
 * - A cursor: the rows changed since, as 'update' (change tracking cannot tell a new row from a changed one), and
 *   deleted rows as 'delete'. Key `{<primary id column>: guid}`.
 * - Event ids: `<guid>@<versionnumber>` for a changed row (a database-wide rowversion, new for every write), and
 *   `<guid>@delete:<delta token>` for a deleted one (a delete carries no version; the token of the read it appeared
 *   in is the same whenever that delta is read again).
 * - A delta link the service refuses as expired or not valid throws `ChangeTrackingExpiredError` (lib/connectors):
 *   poll again without a cursor.
 */
import { ODataError } from '../../odata';
import { DATAVERSE_MAX_PAGE_SIZE, supportsChangeTracking, type ChangeTrackingConnector, type Connector, type DataRecord, type EntityInfo } from '../../connectors';
import { CaptureCursorError } from './errors';
import type { PolledChange, PollResult } from './types';

export interface DataverseChangesOptions {
	/** Entity set (`accounts`). */
	entity: string;
	/** Columns to read; the primary id, `versionnumber` and `modifiedon` are added. Default: all columns. */
	select?: string[];
	/** `Prefer: odata.maxpagesize`. Default: 5,000 for the baseline, `maxChanges` (at most 5,000) for deltas. */
	pageSize?: number;
	/**
	 * Stop following a delta's pages once this many changes were read (default 1,000); the cursor is then the next
	 * page's link and `more` is true. A page is never split, so a poll may return up to a page more.
	 */
	maxChanges?: number;
}

export const DEFAULT_MAX_CHANGES = 1000;
const VERSION_COLUMN = 'versionnumber';
const MODIFIED_COLUMN = 'modifiedon';

function positiveInteger(name: string, value: number, entity: string, max = Number.MAX_SAFE_INTEGER): number {
	if (!Number.isSafeInteger(value) || value < 1 || value > max) {
		throw new ODataError({ system: 'dataverse', entity, transient: false, detail: `${name} must be an integer from 1 to ${max}, got ${value}` });
	}
	return value;
}

function columns(info: EntityInfo, select: string[] | undefined): string[] | undefined {
	if (!select) return undefined;
	const known = new Set(info.fields.map((field) => field.name));
	const extra = [info.key[0], VERSION_COLUMN, MODIFIED_COLUMN].filter((name) => known.has(name) || name === info.key[0]);
	return [...new Set([...select, ...extra])];
}

/** The cursor must be a delta link of this entity set on this environment: checked before anything is sent. */
function deltaToken(cursor: string, info: EntityInfo, environmentUrl: string): string {
	const fail = (detail: string) => new CaptureCursorError('dataverse', info.name, detail);
	if (typeof cursor !== 'string' || cursor === '') throw fail('it is empty');
	let url: URL;
	try {
		url = new URL(cursor);
	} catch {
		throw fail('it is not a delta link (an absolute URL)');
	}
	if (!/^https?:$/.test(url.protocol)) throw fail(`it is not an http(s) link (${url.protocol})`);
	if (url.origin !== new URL(environmentUrl).origin) throw fail(`it points to ${url.origin}, not to this environment`);
	const set = decodeURIComponent(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
	if (set !== info.name) throw fail(`it is a link of '${set}', not of '${info.name}'`);
	const token = url.searchParams.get('$deltatoken');
	if (!token) throw fail('the link has no $deltatoken');
	return token;
}

function withoutAnnotations(row: DataRecord): Record<string, unknown> {
	const record: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(row)) if (!name.startsWith('@odata.')) record[name] = value;
	return record;
}

/** `versionnumber`, else the number inside the weak ETag `W/"<versionnumber>"`. */
function versionOf(row: DataRecord): string | undefined {
	const version = row[VERSION_COLUMN];
	if (typeof version === 'number' || (typeof version === 'string' && version !== '')) return String(version);
	const etag = row['@odata.etag'];
	const inner = typeof etag === 'string' ? /^(?:W\/)?"([^"]+)"$/.exec(etag)?.[1] : undefined;
	return inner;
}

function changedRow(info: EntityInfo, row: DataRecord, token: string): PolledChange {
	const idColumn = info.key[0];
	const id = row[idColumn];
	if (typeof id !== 'string' || id === '') {
		throw new ODataError({ system: 'dataverse', entity: info.name, transient: false, detail: `a changed row of the delta has no ${idColumn}` });
	}
	const version = versionOf(row);
	const at = row[MODIFIED_COLUMN];
	return {
		change: 'update',
		key: { [idColumn]: id },
		eventId: version !== undefined ? `${id}@${version}` : `${id}@update:${token}`,
		...(typeof at === 'string' ? { at } : {}),
		...(version !== undefined ? { version } : {}),
		record: withoutAnnotations(row),
	};
}

function tokenOf(url: string, fallback: string): string {
	try {
		return new URL(url).searchParams.get('$deltatoken') ?? fallback;
	} catch {
		return fallback;
	}
}

function changeTracking(connector: Connector, entity: string): ChangeTrackingConnector {
	if (!supportsChangeTracking(connector)) {
		throw new ODataError({ system: connector.system, entity, transient: false, detail: 'change tracking is read from Dataverse: this connector has no readChanges' });
	}
	return connector;
}

export async function pollDataverseChanges(connector: Connector, options: DataverseChangesOptions, cursor?: string): Promise<PollResult> {
	const tracking = changeTracking(connector, options.entity);
	const info = await tracking.describe(options.entity);
	const maxChanges = positiveInteger('maxChanges', options.maxChanges ?? DEFAULT_MAX_CHANGES, info.name);
	const select = columns(info, options.select);

	if (cursor === undefined) {
		const pageSize = positiveInteger('pageSize', options.pageSize ?? DATAVERSE_MAX_PAGE_SIZE, info.name, DATAVERSE_MAX_PAGE_SIZE);
		let deltaLink: string | undefined;
		// Rows of the baseline are dropped page by page: only the delta link at the end is kept.
		for await (const page of tracking.readChanges(info.name, { ...(select ? { select } : {}), pageSize })) deltaLink = page.deltaLink ?? deltaLink;
		if (deltaLink === undefined) {
			throw new ODataError({ system: 'dataverse', entity: info.name, transient: false, detail: 'the change-tracking read ended without an @odata.deltaLink (is change tracking enabled on the table?)' });
		}
		return { changes: [], cursor: deltaLink, more: false };
	}

	const token = deltaToken(cursor, info, tracking.environmentUrl);
	const pageSize = positiveInteger('pageSize', options.pageSize ?? Math.min(maxChanges, DATAVERSE_MAX_PAGE_SIZE), info.name, DATAVERSE_MAX_PAGE_SIZE);
	const changes: PolledChange[] = [];
	for await (const page of tracking.readChanges(info.name, { deltaLink: cursor, pageSize })) {
		const pageToken = tokenOf(page.url, token);
		for (const row of page.changed) changes.push(changedRow(info, row, pageToken));
		for (const id of page.removed) changes.push({ change: 'delete', key: { [info.key[0]]: id }, eventId: `${id}@delete:${pageToken}` });
		if (page.deltaLink !== undefined) return { changes, cursor: page.deltaLink, more: false };
		if (page.nextLink !== undefined && changes.length >= maxChanges) return { changes, cursor: page.nextLink, more: true };
	}
	throw new ODataError({ system: 'dataverse', entity: info.name, transient: false, detail: 'the delta ended without an @odata.deltaLink' });
}
