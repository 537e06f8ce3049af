/**
 * Dataverse Web API (`<org>/api/data/v9.2/`). Rows are addressed by GUID or by an alternate key; paging is
 * server-driven with `Prefer: odata.maxpagesize`. Dataverse has no company scope of its own: `company` becomes a
 * filter on the row's `msdyn_company` lookup, and `crossCompany` is what every read already is.
 */
import { and, eq, rawFilter, withQuery, type Filter, type QueryOptions } from '../../odata';
import { BaseConnector, type CollectionRequest, type KeyScope, type PlannedWrite } from '../shared/baseConnector';
import { usageError } from '../shared/errors';
import type { SystemProfile } from '../shared/profile';
import type { WritePlan } from '../shared/writePlan';
import type { ChangePage, ChangeTrackingConnector, ConnectorOptions, EntityInfo, ReadChangesOptions, ReadOptions, RecordKey } from '../types';
import { checkChangeLink, refusedLink, toChangePage } from './changeTracking';
import { planDataverseWrite } from './dataverseWrite';
import { DEFAULT_LOOKUP_CACHE_TTL_MS, LookupKeyResolver } from './keyResolver';

export const DATAVERSE_MAX_BATCH_SIZE = 1000;
export const DATAVERSE_DEFAULT_BATCH_SIZE = 100;
/** Dataverse's default and maximum page size. */
export const DATAVERSE_MAX_PAGE_SIZE = 5000;
const COMPANY_NAVIGATION = 'msdyn_company';
const COMPANY_CODE = 'cdm_companycode';
const COMPANY_LOOKUP = '_msdyn_company_value';

export const DATAVERSE_PROFILE: SystemProfile = {
	system: 'dataverse',
	servicePath: '/api/data/v9.2/',
	headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
	barePrimaryKey: true,
	batch: { defaultSize: DATAVERSE_DEFAULT_BATCH_SIZE, maxSize: DATAVERSE_MAX_BATCH_SIZE, continueOnError: true },
};

export class DataverseConnector extends BaseConnector implements ChangeTrackingConnector {
	private readonly keys: LookupKeyResolver;

	constructor(options: ConnectorOptions) {
		super(DATAVERSE_PROFILE, options);
		this.keys = new LookupKeyResolver({
			describe: (name) => this.describe(name),
			readId: async (entity, key) => {
				const row = await this.get(entity.name, key, { select: [entity.key[0]] });
				const id = row?.[entity.key[0]];
				return typeof id === 'string' ? id : undefined;
			},
			ttlMs: options.lookupCacheTtlMs ?? DEFAULT_LOOKUP_CACHE_TTL_MS,
		});
	}

	protected resolveKey(entity: EntityInfo, key: RecordKey, scope: KeyScope): Promise<RecordKey> {
		return this.keys.resolveKey(entity, key, scope);
	}

	protected byKeyParams(): QueryOptions['params'] {
		return {};
	}

	protected async collectionRequest(entity: EntityInfo, options: ReadOptions): Promise<CollectionRequest> {
		const filters: Filter[] = [];
		if (options.company !== undefined) filters.push(eq(COMPANY_LOOKUP, await this.companyId(entity, options.company), 'Edm.Guid'));
		if (options.filter) filters.push(rawFilter(options.filter));
		const pageSize = options.pageSize ?? DATAVERSE_MAX_PAGE_SIZE;
		const query: QueryOptions = {
			...(filters.length > 0 ? { filter: and(...filters) } : {}),
			...(options.select ? { select: options.select } : {}),
			...(options.orderBy ? { orderBy: options.orderBy } : {}),
			// $top and server paging do not mix on Dataverse; a limit beyond one page is enforced while reading.
			...(options.limit !== undefined && options.limit <= pageSize ? { top: options.limit } : {}),
		};
		return { query, maxPageSize: Math.min(pageSize, DATAVERSE_MAX_PAGE_SIZE) };
	}

	protected planWrite(write: PlannedWrite): Promise<WritePlan> {
		const lookups = {
			describe: (name: string) => this.describe(name),
			resolveKey: (entity: EntityInfo, key: RecordKey, path: string) => this.keys.resolveKey(entity, key, write.scope, { entity: write.entity, key: write.key ?? {}, path }),
			rowId: (entity: EntityInfo, key: RecordKey, path: string) => this.keys.rowId(entity, key, write.scope, { entity: write.entity, key: write.key ?? {}, path }),
		};
		return planDataverseWrite({ recordUrl: (entity, key, query) => this.recordUrl(entity, key, query), lookups }, write);
	}

	get environmentUrl(): string {
		return this.context.environmentUrl;
	}

	async *readChanges(entity: string, options: ReadChangesOptions = {}): AsyncGenerator<ChangePage, void, undefined> {
		const info = await this.describe(entity);
		const pageSize = options.pageSize ?? DATAVERSE_MAX_PAGE_SIZE;
		if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > DATAVERSE_MAX_PAGE_SIZE) {
			throw usageError({ system: 'dataverse', entity: info.name }, `pageSize must be an integer from 1 to ${DATAVERSE_MAX_PAGE_SIZE}, got ${pageSize}`);
		}
		const fromLink = options.deltaLink !== undefined;
		const url = fromLink
			? checkChangeLink(options.deltaLink as string, this.context.serviceRoot, info)
			: withQuery(this.context.absolute(info.name), options.select ? { select: options.select } : {});
		// The initial read's nextLinks need the preference as much as its first page; on a delta link it is harmless.
		const headers = this.context.headers({ Prefer: 'odata.track-changes' });
		let failed = false;
		let failure: unknown;
		try {
			for await (const page of this.context.pages(url, info.name, headers, pageSize)) yield toChangePage(page, info.name);
		} catch (error) {
			failed = true;
			failure = error;
		}
		if (failed) throw refusedLink(failure, fromLink, info.name);
	}

	/** Company GUIDs are data, not metadata: reused only as long as any other resolved lookup (lookupCacheTtlMs). */
	private async companyId(entity: EntityInfo, code: string): Promise<string> {
		if (!entity.companySpecific) throw usageError({ system: 'dataverse', entity: entity.name }, `${entity.name} has no company lookup: it has no company to read`);
		const key = await this.keys.resolveKey(entity, { [`${COMPANY_NAVIGATION}.${COMPANY_CODE}`]: code });
		return key[COMPANY_LOOKUP] as string;
	}
}
