/**
 * Dataverse change tracking over the Web API (reference §5.9): `GET <set>?$select=…` with
 * `Prefer: odata.track-changes` reads every row and ends with an `@odata.deltaLink`; reading that link returns the
 * rows changed since (new and updated alike) and `{"@odata.context":"…/$deletedEntity","id":"…","reason":"deleted"}`
 * entries, paged with nextLinks, and a new delta link on the last page.
 *
 * Expired tokens: the platform refuses a token older than `Organization.ExpireChangeTrackingInDays` (default 7)
 * with `ExpiredVersionStamp` (`0x80044352`, "Version stamp associated with the client has expired. Please perform a
 * full sync."); OData services in general answer `410 Gone`. Both become `ChangeTrackingExpiredError`, as does a
 * `400` that calls the delta token not valid, so the caller knows to read a new baseline.
 */
import { ODataError, type Page } from '../../odata';
import { usageError } from '../shared/errors';
import type { ChangePage, DataRecord, EntityInfo } from '../types';

/** Dataverse's `ExpiredVersionStamp` error code. */
export const EXPIRED_VERSION_STAMP = '0x80044352';

export type ChangeTrackingFailure = 'expired' | 'invalid';

/** The service refused a delta link: read a new baseline (no delta link) and continue from its delta link. */
export class ChangeTrackingExpiredError extends ODataError {
	/** `expired`: the token outlived the service's change-tracking retention; `invalid`: the service did not accept it. */
	readonly reason: ChangeTrackingFailure;

	constructor(error: ODataError, entity: string, reason: ChangeTrackingFailure) {
		super(
			{
				system: error.system,
				entity,
				status: error.status,
				serverCode: error.serverCode,
				serverMessage: error.serverMessage,
				innerMessage: error.innerMessage,
				transient: false,
				detail: `the change-tracking delta link of ${entity} was refused as ${reason}: read a new baseline`,
			},
			{ cause: error },
		);
		this.name = 'ChangeTrackingExpiredError';
		this.reason = reason;
	}

	toJSON(): Record<string, unknown> {
		return { ...super.toJSON(), reason: this.reason };
	}
}

/** Whether a failed delta read means the link is unusable (expired or refused as not valid). */
export function changeTrackingFailure(error: ODataError): ChangeTrackingFailure | undefined {
	if (error.serverCode?.toLowerCase() === EXPIRED_VERSION_STAMP || error.status === 410) return 'expired';
	const message = `${error.serverMessage ?? ''} ${error.innerMessage ?? ''}`;
	if (/version stamp .*expired/i.test(message)) return 'expired';
	if (error.status === 400 && /delta ?token|\$deltatoken/i.test(message) && /not valid|invalid/i.test(message)) return 'invalid';
	return undefined;
}

/** The error a failed change-tracking read throws: a refused delta link becomes `ChangeTrackingExpiredError`. */
export function refusedLink(error: unknown, fromLink: boolean, entity: string): unknown {
	const reason = fromLink && error instanceof ODataError ? changeTrackingFailure(error) : undefined;
	return reason && error instanceof ODataError ? new ChangeTrackingExpiredError(error, entity, reason) : error;
}

/**
 * A link to continue from must be a change-tracking link of this entity set on this service: an absolute http(s)
 * URL with the service root's origin (our token must not go elsewhere) and the entity set's path, carrying a
 * `$deltatoken`.
 */
export function checkChangeLink(link: string, serviceRoot: string, entity: EntityInfo): string {
	const fail = (why: string) => usageError({ system: 'dataverse', entity: entity.name }, `not a change-tracking link of ${entity.name}: ${why}`);
	let url: URL;
	try {
		url = new URL(link);
	} catch {
		throw fail('not an absolute URL');
	}
	const expected = new URL(`${serviceRoot}${entity.name}`);
	if (url.origin !== expected.origin) throw fail(`it points to another origin (${url.origin})`);
	if (url.pathname !== expected.pathname) throw fail(`its path is ${url.pathname}, not ${expected.pathname}`);
	if (!url.searchParams.get('$deltatoken')) throw fail('it has no $deltatoken');
	return link;
}

function isRemoved(record: DataRecord): boolean {
	const context = record['@odata.context'];
	return (typeof context === 'string' && context.endsWith('$deletedEntity')) || (record.reason === 'deleted' && typeof record.id === 'string' && Object.keys(record).length <= 3);
}

/** A page of the service's answer, split into changed rows and removed ids. */
export function toChangePage(page: Page, entity: string): ChangePage {
	const changed: DataRecord[] = [];
	const removed: string[] = [];
	for (const record of page.records) {
		if (!isRemoved(record)) {
			changed.push(record);
			continue;
		}
		if (typeof record.id !== 'string' || record.id === '') {
			throw usageError({ system: 'dataverse', entity }, `a $deletedEntity entry on page ${page.index} of the change-tracking read has no id`);
		}
		removed.push(record.id);
	}
	return {
		changed,
		removed,
		url: page.url,
		index: page.index,
		...(page.nextLink !== undefined ? { nextLink: page.nextLink } : {}),
		...(page.deltaLink !== undefined ? { deltaLink: page.deltaLink } : {}),
	};
}
