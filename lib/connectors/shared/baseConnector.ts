/**
 * Everything the two connectors share: metadata, keys, reads by key and by page, delete, and running write plans
 * alone or in $batch. A system connector supplies its profile, how a collection read is scoped, and how each
 * kind of write is planned (writePlan.ts).
 */
import { buildQueryString, withQuery, type QueryOptions, type SystemName } from '../../odata';
import { DEFAULT_METADATA_TTL_MS, TtlCache } from '../metadata/cache';
import { parseCsdl } from '../metadata/csdl';
import { toEntityInfos } from '../metadata/entityInfo';
import { closeMatches } from '../metadata/suggest';
import type {
	BatchOptions,
	BatchWrite,
	BatchWriteResult,
	Connector,
	ConnectorOptions,
	DataRecord,
	EntityInfo,
	ReadByKeyOptions,
	ReadOptions,
	RecordKey,
	WriteOptions,
	WriteResult,
} from '../types';
import { runBatch } from './batchRunner';
import { ConnectorContext, parseJson } from './context';
import { asODataError, usageError } from './errors';
import { keyOf, keySegment } from './keys';
import type { SystemProfile } from './profile';
import { runSingle, type WritePlan } from './writePlan';

interface Catalog {
	entities: EntityInfo[];
	byName: Map<string, EntityInfo>;
}

const catalogs = new TtlCache<Catalog>();

/** Forgets cached metadata (all environments, or one); for tests and for a node's "refresh metadata" action. */
export function clearMetadataCache(system?: SystemName, environmentUrl?: string): void {
	if (system && environmentUrl) catalogs.delete(`${system} ${environmentUrl.replace(/\/+$/, '')}`);
	else catalogs.clear();
}

/** A collection read as the system wants it: query options, extra headers, and the URL parameters. */
export interface CollectionRequest {
	query: QueryOptions;
	headers?: Record<string, string>;
	maxPageSize?: number;
}

/**
 * What the key resolutions of one call share (one `batch()`, one `upsert()`): a referenced row named by a thousand
 * writes is read once. Opaque outside the connector that fills it.
 */
export type KeyScope = Map<string, Promise<unknown>>;

export interface PlannedWrite {
	operation: 'create' | 'update' | 'upsert';
	entity: EntityInfo;
	/** The key as the caller gave it: results and errors name the record by it. */
	key?: RecordKey;
	/** The key as the service addresses the record (`resolveKey`); the URL is built from it. */
	address?: RecordKey;
	scope: KeyScope;
	record: DataRecord;
	options: WriteOptions;
	/** Inside an atomic $batch: the plan must not need a failed request to decide (no PATCH-then-POST). */
	atomic: boolean;
}

export abstract class BaseConnector implements Connector {
	readonly system: SystemName;
	protected readonly context: ConnectorContext;
	private readonly metadataTtlMs: number;

	protected constructor(profile: SystemProfile, options: ConnectorOptions) {
		this.context = new ConnectorContext(profile, options);
		this.system = profile.system;
		this.metadataTtlMs = options.metadataTtlMs ?? DEFAULT_METADATA_TTL_MS;
	}

	/** Query parameters every by-key URL carries (F&O: cross-company, so another company's record is addressable). */
	protected abstract byKeyParams(entity: EntityInfo): QueryOptions['params'];

	protected abstract collectionRequest(entity: EntityInfo, options: ReadOptions): Promise<CollectionRequest>;

	protected abstract planWrite(write: PlannedWrite): Promise<WritePlan>;

	/** The caller's key as the service addresses it (Dataverse: dotted lookup parts to `_x_value` GUIDs). */
	protected abstract resolveKey(entity: EntityInfo, key: RecordKey, scope: KeyScope): Promise<RecordKey>;

	async listEntities(): Promise<EntityInfo[]> {
		return (await this.catalog()).entities;
	}

	async describe(entity: string): Promise<EntityInfo> {
		const { entities, byName } = await this.catalog();
		const exact = byName.get(entity) ?? entities.find((info) => info.typeName === entity);
		if (exact) return exact;
		const folded = entities.filter((info) => info.name.toLowerCase() === entity.toLowerCase() || info.typeName.toLowerCase() === entity.toLowerCase());
		if (folded.length === 1) return folded[0];
		const suggestions = closeMatches(entity, entities.map((info) => info.name));
		throw usageError(
			{ system: this.system, entity },
			`no entity set named '${entity}' in $metadata${suggestions.length > 0 ? `; did you mean ${suggestions.map((name) => `'${name}'`).join(', ')}?` : ''}`,
		);
	}

	keyOf(entity: EntityInfo, record: DataRecord): RecordKey {
		return keyOf(entity, record);
	}

	async get(entity: string, key: RecordKey, options: ReadByKeyOptions = {}): Promise<DataRecord | undefined> {
		const info = await this.describe(entity);
		const address = await this.resolveKey(info, key, new Map());
		const url = this.recordUrl(info, address, {
			...(options.select ? { select: options.select } : {}),
			...(options.expand && options.expand.length > 0 ? { expand: options.expand } : {}),
		});
		const response = await this.context.send(
			{ method: 'GET', url: this.context.absolute(url), headers: this.context.headers() },
			{ entity: info.name, key },
			[404],
		);
		if (response.status === 404) return undefined;
		const record = parseJson(response.body);
		if (!record || typeof record !== 'object') throw usageError({ system: this.system, entity: info.name, key }, 'the response to a read by key is not a JSON object');
		return record as DataRecord;
	}

	async *readPages(entity: string, options: ReadOptions = {}): AsyncGenerator<DataRecord[], void, undefined> {
		const info = await this.describe(entity);
		if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 0)) {
			throw usageError({ system: this.system, entity: info.name }, `limit must be a non-negative integer, got ${options.limit}`);
		}
		if (options.limit === 0) return;
		const collection = await this.collectionRequest(info, options);
		const query = { ...collection.query, ...(options.expand && options.expand.length > 0 ? { expand: options.expand } : {}) };
		const url = withQuery(this.context.absolute(info.name), query);
		let remaining = options.limit ?? Infinity;
		for await (const page of this.context.pages(url, info.name, this.context.headers(collection.headers), collection.maxPageSize)) {
			const records = page.records.slice(0, remaining);
			remaining -= records.length;
			const size = options.pageSize ?? records.length;
			for (let start = 0; start < records.length; start += Math.max(size, 1)) yield records.slice(start, start + Math.max(size, 1));
			if (remaining <= 0) return;
		}
	}

	async create(entity: string, record: DataRecord, options: WriteOptions = {}): Promise<WriteResult> {
		const info = await this.describe(entity);
		return runSingle(this.context, await this.plan({ operation: 'create', entity: info, record, options, atomic: false, scope: new Map() }));
	}

	async update(entity: string, key: RecordKey, changes: DataRecord, options: WriteOptions = {}): Promise<WriteResult> {
		const info = await this.describe(entity);
		return runSingle(this.context, await this.plan({ operation: 'update', entity: info, key, record: changes, options, atomic: false, scope: new Map() }));
	}

	async upsert(entity: string, key: RecordKey, record: DataRecord, options: WriteOptions = {}): Promise<WriteResult> {
		const info = await this.describe(entity);
		return runSingle(this.context, await this.plan({ operation: 'upsert', entity: info, key, record, options, atomic: false, scope: new Map() }));
	}

	async delete(entity: string, key: RecordKey, options: { etag?: string } = {}): Promise<WriteResult> {
		const info = await this.describe(entity);
		return runSingle(this.context, await this.planDelete(info, key, options.etag, new Map()));
	}

	async batch(writes: BatchWrite[], options: BatchOptions = {}): Promise<BatchWriteResult[]> {
		const { defaultSize, maxSize } = this.context.profile.batch;
		const batchSize = options.batchSize ?? defaultSize;
		if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > maxSize) {
			throw usageError({ system: this.system }, `batchSize must be an integer from 1 to ${maxSize}, got ${batchSize}`);
		}
		if (writes.length === 0) return [];
		const atomic = options.atomic ?? false;
		const scope: KeyScope = new Map();
		const plans = await Promise.all(writes.map((write) => this.planBatchWrite(write, atomic, scope)));
		return runBatch(this.context, plans, batchSize, atomic);
	}

	/** `CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')?cross-company=true`, relative to the service root. */
	protected recordUrl(entity: EntityInfo, key: RecordKey, query: QueryOptions = {}): string {
		const segment = keySegment(entity, key, { barePrimaryKey: this.context.profile.barePrimaryKey });
		return `${entity.name}${segment}${buildQueryString({ ...query, params: { ...this.byKeyParams(entity), ...(query.params ?? {}) } })}`;
	}

	private async planDelete(entity: EntityInfo, key: RecordKey, etag: string | undefined, scope: KeyScope): Promise<WritePlan> {
		let url: string | undefined;
		let failure: unknown;
		try {
			url = this.recordUrl(entity, await this.resolveKey(entity, key, scope));
		} catch (error) {
			failure = error;
		}
		if (url === undefined) return { error: asODataError(failure, { system: this.system, entity: entity.name, key }) };
		return {
			request: { method: 'DELETE', url, headers: { 'If-Match': etag ?? '*' }, entity: entity.name, key },
			handle: (reply) => (reply.error ? { error: reply.error } : { result: { outcome: 'deleted', key } }),
		};
	}

	/** A failed key resolution is the plan's error, so in a batch it fails that write alone. */
	private async plan(write: PlannedWrite): Promise<WritePlan> {
		if (!write.key) return this.planWrite(write);
		let address: RecordKey | undefined;
		let failure: unknown;
		try {
			address = await this.resolveKey(write.entity, write.key, write.scope);
		} catch (error) {
			failure = error;
		}
		if (!address) return { error: asODataError(failure, { system: this.system, entity: write.entity.name, key: write.key }) };
		return this.planWrite({ ...write, address });
	}

	private async planBatchWrite(write: BatchWrite, atomic: boolean, scope: KeyScope): Promise<WritePlan> {
		let entity: EntityInfo | undefined;
		let failure: unknown;
		try {
			entity = await this.describe(write.entity);
		} catch (error) {
			failure = error;
		}
		if (!entity) return { error: asODataError(failure, { system: this.system, entity: write.entity, key: write.key }) };
		if (write.operation === 'delete') {
			if (!write.key) return { error: usageError({ system: this.system, entity: entity.name }, 'a delete needs a key') };
			return this.planDelete(entity, write.key, write.options?.etag, scope);
		}
		if (write.operation !== 'create' && !write.key) {
			return { error: usageError({ system: this.system, entity: entity.name }, `an ${write.operation} needs a key`) };
		}
		return this.plan({
			operation: write.operation,
			entity,
			key: write.key,
			record: write.record ?? {},
			options: write.options ?? {},
			atomic,
			scope,
		});
	}

	private catalog(): Promise<Catalog> {
		return catalogs.get(`${this.system} ${this.context.environmentUrl}`, this.metadataTtlMs, () => this.loadCatalog());
	}

	private async loadCatalog(): Promise<Catalog> {
		const response = await this.context.send(
			{ method: 'GET', url: `${this.context.serviceRoot}$metadata`, headers: this.context.headers({ Accept: 'application/xml' }) },
			{ entity: '$metadata' },
		);
		let entities: EntityInfo[] | undefined;
		let failure: unknown;
		try {
			entities = toEntityInfos(parseCsdl(response.body), this.system);
		} catch (error) {
			failure = error;
		}
		if (!entities) throw usageError({ system: this.system, entity: '$metadata' }, (failure as Error).message, failure);
		return { entities, byName: new Map(entities.map((info) => [info.name, info])) };
	}
}
