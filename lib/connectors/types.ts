/**
 * The one interface both systems' connectors implement. Code outside lib/connectors works with these types
 * only, so nothing above this layer needs to ask "is this F&O or Dataverse?".
 */
import type { EdmType, Expand, ODataError, ODataValue, SystemName, Transport, RetryPolicy, RetryEvent } from '../odata';

export type { Expand };

/** A record as the service returns or accepts it (property name -> JSON value). */
export type DataRecord = Record<string, unknown>;

/**
 * A record's identity by key fields: F&O natural key incl. `dataAreaId` (`{dataAreaId:'usmf', CustomerAccount:'US-001'}`);
 * Dataverse primary id (`{accountid: '<guid>'}`) or an alternate key (`{accountnumber:'A1', _msdyn_company_value:'<guid>'}`).
 * Dataverse also takes a lookup inside a key as a dotted path to the referenced row's key, as the map engine writes
 * it: `{accountnumber:'A1', 'msdyn_company.cdm_companycode':'usmf'}`; the connector reads the referenced row's GUID.
 */
export type RecordKey = Record<string, ODataValue>;

export type FieldKind = 'string' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime' | 'guid' | 'enum' | 'choice' | 'lookup';

export interface FieldOption {
	name: string;
	value: string | number;
}

export interface FieldInfo {
	name: string;
	displayName: string;
	kind: FieldKind;
	/** The EDM type used to write the field as a literal (keys, filters). */
	edmType: EdmType;
	required: boolean;
	readOnly: boolean;
	maxLength?: number;
	/** Enum symbols (F&O) or choice values (Dataverse). */
	options?: FieldOption[];
	/** Dataverse lookups: the navigation property used with `@odata.bind`, and the target entity sets. */
	lookup?: { navigationProperty: string; targets: string[] };
}

export interface EntityInfo {
	system: SystemName;
	/** Entity set / public collection name used in URLs: `CustomersV3`, `accounts`. */
	name: string;
	/** Schema type name: `CustomerV3`, `account`. */
	typeName: string;
	displayName: string;
	/** F&O: the natural key (incl. `dataAreaId` for company-specific entities). Dataverse: the primary id column. */
	key: string[];
	/** Dataverse alternate keys (each a list of columns); F&O has none beyond the natural key. */
	alternateKeys: string[][];
	/** F&O: keyed by `dataAreaId`. Dataverse: has the `msdyn_company` lookup. */
	companySpecific: boolean;
	fields: FieldInfo[];
}

export interface ReadOptions {
	/** A filter built with lib/odata's builders or raw text in the system's syntax. */
	filter?: string;
	select?: string[];
	orderBy?: Array<{ field: string; descending?: boolean }>;
	/** Stop after this many records in total. */
	limit?: number;
	pageSize?: number;
	/** F&O: read this company (`dataAreaId`) instead of the caller's default company. */
	company?: string;
	/** F&O: all companies the caller can see. */
	crossCompany?: boolean;
	/**
	 * Related records inline, one level: Dataverse single-valued navigation properties (lookups), F&O navigation
	 * properties; `select` narrows the related record. The shape lib/maps' `sourceQuery` asks for.
	 */
	expand?: readonly Expand[];
}

export type ReadByKeyOptions = Pick<ReadOptions, 'select' | 'expand'>;

export type WriteMode = 'upsert' | 'create' | 'update';

export interface WriteOptions {
	/** Upsert (default), create only, update only. */
	mode?: WriteMode;
	/** Optimistic concurrency: the ETag the caller last read. */
	etag?: string;
	/** Dataverse lookups to bind, by navigation property: a target entity set + key (GUID or alternate key). */
	lookups?: Record<string, { entity: string; key: RecordKey }>;
	/** Dataverse `?tag=`: our origin stamp, carried back to webhooks in SharedVariables (echo suppression). */
	tag?: string;
	/** Ask for the written record back (costs a read on F&O). */
	returnRecord?: boolean;
}

export type WriteOutcome = 'created' | 'updated' | 'deleted';

export interface WriteResult {
	outcome: WriteOutcome;
	key: RecordKey;
	/** Dataverse primary id of the row written. */
	id?: string;
	etag?: string;
	record?: DataRecord;
}

export interface BatchWrite {
	operation: 'upsert' | 'create' | 'update' | 'delete';
	entity: string;
	key?: RecordKey;
	record?: DataRecord;
	options?: WriteOptions;
}

export type BatchWriteResult = { ok: true; result: WriteResult } | { ok: false; error: ODataError };

export interface BatchOptions {
	/** Records per `$batch` request (each system has its own default and maximum). */
	batchSize?: number;
	/** All writes of one `$batch` request succeed or fail together (an OData changeset). Default false. */
	atomic?: boolean;
}

export interface ConnectorOptions {
	/** Environment URL without a trailing slash: `https://contoso.operations.dynamics.com`. */
	environmentUrl: string;
	transport: Transport;
	retry?: Partial<RetryPolicy>;
	onRetry?: (event: RetryEvent) => void;
	/** How long parsed `$metadata` is reused for this environment (default one hour). */
	metadataTtlMs?: number;
	/**
	 * Dataverse: how long this connector reuses the GUID of a row a dotted key part named (a company, a group);
	 * default 60 s, 0 = only within one call or batch.
	 */
	lookupCacheTtlMs?: number;
}

export interface Connector {
	readonly system: SystemName;
	/** Entity sets from `$metadata`, parsed once and cached per environment. */
	listEntities(): Promise<EntityInfo[]>;
	/** Throws an error naming the entity (and close matches) when it does not exist. */
	describe(entity: string): Promise<EntityInfo>;
	/** The key of a record, by the entity's key fields; throws naming the missing field. */
	keyOf(entity: EntityInfo, record: DataRecord): RecordKey;
	get(entity: string, key: RecordKey, options?: ReadByKeyOptions): Promise<DataRecord | undefined>;
	/** One page at a time, never the whole collection in memory. */
	readPages(entity: string, options?: ReadOptions): AsyncGenerator<DataRecord[], void, undefined>;
	create(entity: string, record: DataRecord, options?: WriteOptions): Promise<WriteResult>;
	update(entity: string, key: RecordKey, changes: DataRecord, options?: WriteOptions): Promise<WriteResult>;
	upsert(entity: string, key: RecordKey, record: DataRecord, options?: WriteOptions): Promise<WriteResult>;
	delete(entity: string, key: RecordKey, options?: { etag?: string }): Promise<WriteResult>;
	/** Writes in `$batch` requests; results in input order, one per write; per-write failures do not throw. */
	batch(writes: BatchWrite[], options?: BatchOptions): Promise<BatchWriteResult[]>;
}

/** Dataverse change tracking (`Prefer: odata.track-changes`): what `readChanges` reads. */
export interface ReadChangesOptions {
	/**
	 * Continue from a link the service handed out: the `@odata.deltaLink` of an earlier read (the changes since
	 * then) or the `@odata.nextLink` of a delta page (the rest of that delta). Absent: the initial read (every row,
	 * then a delta link). The link must belong to this environment and entity set.
	 */
	deltaLink?: string;
	/** Columns of the initial read. The service keeps them in the delta link: later reads return the same columns. */
	select?: string[];
	/** `Prefer: odata.maxpagesize` (default and maximum 5,000). */
	pageSize?: number;
}

/** One page of a change-tracking read. */
export interface ChangePage {
	/** New or changed rows (all rows, on the initial read), as the service returned them. */
	changed: DataRecord[];
	/** Primary ids of deleted rows (`$deletedEntity` entries). */
	removed: string[];
	/** More of this result: read it (or hand it to a later `readChanges` as `deltaLink`) to continue. */
	nextLink?: string;
	/** On the last page: the link that reads the changes made after this result. */
	deltaLink?: string;
	/** The URL this page was read from. */
	url: string;
	/** 0-based. */
	index: number;
}

/** A connector that reads Dataverse change tracking; `createConnector('dataverse', …)` returns one. */
export interface ChangeTrackingConnector extends Connector {
	/** The environment URL without a trailing slash (delta links must point to it). */
	readonly environmentUrl: string;
	/**
	 * Pages of a change-tracking read, one at a time. A delta link the service refuses as expired (or not valid)
	 * throws `ChangeTrackingExpiredError` (an `ODataError` naming the entity): read again without `deltaLink`.
	 */
	readChanges(entity: string, options?: ReadChangesOptions): AsyncGenerator<ChangePage, void, undefined>;
}
