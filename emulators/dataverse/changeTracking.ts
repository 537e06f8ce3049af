import { json, type EmuRequest, type EmuResponse } from '../common/http';
import type { Engine, RequestContext } from './engine';
import { badRequest, CODES } from './errors';
import { contextUrl, linkWith, makeSkipToken, readShape, readSkipToken } from './query';
import type { Table } from './schema';
import { serializeRow } from './serialize';

/**
 * Change tracking (`Prefer: odata.track-changes` and `$deltatoken`). A token is the database-wide version
 * at the moment of the read, printed the way Dataverse prints it: `<version>!<MM/dd/yyyy HH:mm:ss>`.
 * A delta returns rows whose latest change is after the token (by version), then `$deletedEntity` rows, paged
 * with `odata.maxpagesize` like any read. A token below the store's change-tracking floor, or issued more than
 * `expireChangeTrackingInDays` ago, gets the platform's ExpiredVersionStamp error (0x80044352).
 */
const NOT_WITH_TRACKING = ['$filter', '$orderby', '$top', '$expand'];

function checkTrackingOptions(table: Table, req: EmuRequest): void {
	if (!table.def.changeTracking) {
		throw badRequest(`The entity ${table.def.logicalName} is not enabled for change tracking. Enable change tracking on the table to use odata.track-changes.`, CODES.propertyNotFound);
	}
	for (const opt of NOT_WITH_TRACKING) {
		if (req.query.has(opt)) throw badRequest(`The "${opt}" query parameter isn't supported when Change Tracking is enabled.`, CODES.propertyNotFound);
	}
	for (const name of req.query.keys()) {
		if (name === '$skip') throw badRequest('The query parameter $skip is not supported', CODES.propertyNotFound);
	}
}

const pad = (n: number) => String(n).padStart(2, '0');
function formatToken(version: number, at = new Date()): string {
	const d = `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
	return `${version}!${d}`;
}

const DAY_MS = 86_400_000;

/** The token's version; throws the platform's ExpiredVersionStamp error for a token older than the tracking data. */
function readToken(engine: Engine, text: string): number {
	const m = /^(\d+)!(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(text) ?? /^(\d+)!/.exec(text);
	if (!m) throw badRequest(`The delta token '${text.slice(0, 100)}' is not valid.`, CODES.invalidArgument);
	const version = Number(m[1]);
	const issued = m.length > 2 ? Date.UTC(Number(m[4]), Number(m[2]) - 1, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7])) : undefined;
	const tooOld = issued !== undefined && issued < Date.now() - engine.settings.expireChangeTrackingInDays * DAY_MS;
	if (version < engine.store.changeTrackingFloor || tooOld) {
		throw badRequest('Version stamp associated with the client has expired. Please perform a full sync.', CODES.expiredVersionStamp);
	}
	return version;
}

export const wantsTracking = (ctx: RequestContext, req: EmuRequest) => ctx.prefer.trackChanges || req.query.has('$deltatoken');

export function trackedRead(engine: Engine, ctx: RequestContext, table: Table, req: EmuRequest): EmuResponse {
	checkTrackingOptions(table, req);
	const plan = readShape(engine, ctx, table, req);
	const store = engine.store.of(table.def.logicalName);
	const headers: Record<string, string> = { 'preference-applied': ['odata.track-changes', ...plan.preferenceApplied].join(',') };
	const deltaText = req.query.get('$deltatoken');
	if (deltaText !== null) {
		const since = readToken(engine, deltaText);
		// Paged like the initial read: the cookie pins the upper version, so every page of one delta reads the
		// same set of changes and the final deltaLink continues exactly where it ends.
		const skip = req.query.get('$skiptoken');
		const cookie = skip ? readSkipToken(skip) : { page: 1, offset: 0, version: engine.store.version };
		const upTo = cookie.version ?? engine.store.version;
		const changes = store.changesSince(since, upTo);
		// New or updated rows first (in version order), then deletes, as the platform usually answers.
		const ordered = [...changes.filter((c) => !c.deleted), ...changes.filter((c) => c.deleted)];
		const end = Math.min(ordered.length, cookie.offset + plan.pageSize);
		const value = ordered.slice(cookie.offset, end).map((change) => {
			const row = store.get(change.id);
			return row
				? serializeRow(engine.schema, engine.store, table, row, plan.shape)
				: { '@odata.context': `${engine.apiRoot(ctx)}/$metadata#${table.def.entitySetName}/$deletedEntity`, id: change.id, reason: 'deleted' };
		});
		const body: Record<string, unknown> = { '@odata.context': contextUrl(engine, ctx, table, plan.select, '/$delta'), value };
		if (end < ordered.length) body['@odata.nextLink'] = linkWith(engine, ctx, table, req, { $skiptoken: makeSkipToken({ page: cookie.page + 1, offset: end, version: upTo }, true) });
		else body['@odata.deltaLink'] = linkWith(engine, ctx, table, req, { $deltatoken: formatToken(upTo), $skiptoken: undefined });
		return json(200, body, headers);
	}
	// Initial read: the full set, paged; the token is taken when the first page is served so that
	// changes made while the client pages through are reported by the next delta.
	const skip = req.query.get('$skiptoken');
	const cookie = skip ? readSkipToken(skip) : { page: 1, offset: 0, version: engine.store.version };
	const version = cookie.version ?? engine.store.version;
	const rows = [...store.rows.values()];
	const end = Math.min(rows.length, cookie.offset + plan.pageSize);
	const value = rows.slice(cookie.offset, end).map((r) => serializeRow(engine.schema, engine.store, table, r, plan.shape));
	const body: Record<string, unknown> = { '@odata.context': contextUrl(engine, ctx, table, plan.select), value };
	if (end < rows.length) body['@odata.nextLink'] = linkWith(engine, ctx, table, req, { $skiptoken: makeSkipToken({ page: cookie.page + 1, offset: end, version }, true) });
	else body['@odata.deltaLink'] = linkWith(engine, ctx, table, req, { $deltatoken: formatToken(version), $skiptoken: undefined });
	return json(200, body, headers);
}
