/**
 * Dynamics 365 Finance & Operations OData (`<env>/data/`). Company scope: collections default to the caller's
 * default company; `company` reads one company through `dataAreaId eq '<id>'` with `cross-company=true` (the
 * documented form), `crossCompany` reads all. By-key URLs of company-specific entities always carry
 * `cross-company=true`: the key's dataAreaId names the company, and the flag keeps a record in a company other
 * than the integration user's default addressable.
 */
import { and, eq, rawFilter, type Filter, type QueryOptions } from '../../odata';
import { BaseConnector, type CollectionRequest, type PlannedWrite } from '../shared/baseConnector';
import { usageError } from '../shared/errors';
import type { SystemProfile } from '../shared/profile';
import type { WritePlan } from '../shared/writePlan';
import type { ConnectorOptions, EntityInfo, ReadOptions, RecordKey } from '../types';
import { planFoWrite } from './foUpsert';

/**
 * F&O documents no $batch limit. It runs a $batch as one long request on one AOS, so very large batches risk the
 * gateway's request timeout and hold a changeset's locks for long; 500 keeps a batch of simple entity writes
 * well inside that, and 100 (the default) matches Dataverse's.
 */
export const FO_MAX_BATCH_SIZE = 500;
export const FO_DEFAULT_BATCH_SIZE = 100;
const COMPANY_FIELD = 'dataAreaId';

export const FO_PROFILE: SystemProfile = {
	system: 'fo',
	servicePath: '/data/',
	headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
	barePrimaryKey: false,
	batch: { defaultSize: FO_DEFAULT_BATCH_SIZE, maxSize: FO_MAX_BATCH_SIZE, continueOnError: false },
};

export class FoConnector extends BaseConnector {
	constructor(options: ConnectorOptions) {
		super(FO_PROFILE, options);
	}

	protected byKeyParams(entity: EntityInfo): QueryOptions['params'] {
		return entity.companySpecific ? { 'cross-company': 'true' } : {};
	}

	protected collectionRequest(entity: EntityInfo, options: ReadOptions): Promise<CollectionRequest> {
		const scoped = options.company !== undefined || options.crossCompany === true;
		if (scoped && !entity.companySpecific) {
			return Promise.reject(usageError({ system: 'fo', entity: entity.name }, `${entity.name} is shared by all companies: it has no company to read`));
		}
		const filters: Filter[] = [];
		if (options.company !== undefined) filters.push(eq(COMPANY_FIELD, options.company, 'Edm.String'));
		if (options.filter) filters.push(rawFilter(options.filter));
		const query: QueryOptions = {
			...(filters.length > 0 ? { filter: and(...filters) } : {}),
			...(options.select ? { select: options.select } : {}),
			...(options.orderBy ? { orderBy: options.orderBy } : {}),
			// F&O carries the remaining $top in its nextLinks, so the server stops at the limit.
			...(options.limit !== undefined ? { top: options.limit } : {}),
			...(scoped ? { params: { 'cross-company': 'true' } } : {}),
		};
		return Promise.resolve({ query });
	}

	/** F&O keys are the entity's own fields: there is nothing to resolve. */
	protected resolveKey(_entity: EntityInfo, key: RecordKey): Promise<RecordKey> {
		return Promise.resolve(key);
	}

	protected planWrite(write: PlannedWrite): Promise<WritePlan> {
		return Promise.resolve(planFoWrite({ recordUrl: (entity, key, query) => this.recordUrl(entity, key, query) }, write));
	}
}
