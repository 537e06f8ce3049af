/**
 * A table map as data: one F&O entity meets one Dataverse table, field by field, in declared directions.
 * Maps live as JSON files in maps/ (reviewable in git), are validated by lib/maps, and are applied by the pure
 * engine. The shapes follow Microsoft's published maps (reference §1.2–1.5, §2) so a standard map reads like its
 * documentation page.
 */
import type { FieldKind } from '../connectors/types';
import type { SystemName } from '../odata';

export type SyncDirection = 'fo->dataverse' | 'dataverse->fo';

/** `=`/`><` both ways; `>`/`>>` F&O→Dataverse; `<`/`<<` Dataverse→F&O. */
export type FieldDirection = 'both' | SyncDirection;

export type Scalar = string | number | boolean | null;

export interface MapSide {
	/** F&O public collection (`CustomersV3`) or Dataverse entity set (`accounts`). */
	entity: string;
	/**
	 * Integration key fields. F&O: the natural key incl. `dataAreaId`. Dataverse: the alternate key, where a lookup
	 * inside the key is written as a dotted path (`msdyn_company.cdm_companycode`).
	 */
	key: string[];
	/** Source filter in the side's own syntax: F&O query-range (`((PartyType == "Organization"))`), Dataverse OData. */
	filter?: string;
}

export interface ValuePair {
	fo: Scalar;
	dataverse: Scalar;
}

export interface FieldMap {
	/** F&O field (OData PascalCase name); null = `none` (a constant stamped on the Dataverse side). */
	fo: string | null;
	/**
	 * Dataverse column, or a lookup as a dotted path: `msdyn_customergroupid.msdyn_groupid`, polymorphic
	 * `customerid.Account(accountnumber).Contact(msdyn_contactpersonid)`; null = `none`.
	 */
	dataverse: string | null;
	direction: FieldDirection;
	/** Explicit source → destination pairs (enums ↔ choices, NoYes ↔ boolean); applies in both directions. */
	valueMap?: ValuePair[];
	/** Written to the destination when the source is `none` or has no value. */
	default?: Scalar;
	/** For a Dataverse lookup path: the referenced table and how to address it. */
	lookup?: LookupTarget;
	/**
	 * The kind of value the row carries when no value map applies (`date` vs `datetime` and decimals cannot be told
	 * apart from JSON alone). Metadata given to `compileMap` wins; without either, the kind is read off each value.
	 */
	type?: FieldKind;
	/** Decimal places both sides keep (the smaller of the two): values are rounded to it before writing and hashing. */
	scale?: number;
}

export interface LookupTarget {
	/** Entity set of the referenced table (`msdyn_customergroups`); for a polymorphic path, of the first target. */
	entity: string;
	/**
	 * The referenced table is company-specific: its alternate key also holds the company, under this dotted path
	 * (`msdyn_company.cdm_companycode`; `true` = the map's own `company.dataverse` path). Absent: a global table.
	 */
	company?: string | true;
	/** Polymorphic paths: entity set per target type in the path (`{Account:'accounts', Contact:'contacts'}`). */
	entities?: Record<string, string>;
	/**
	 * Polymorphic paths, F&O→Dataverse: an F&O field whose value names the target type
	 * (`{field:'PartyType', values:{Organization:'Account', Person:'Contact'}}`). Without it, the first target wins.
	 */
	targetBy?: { field: string; values: Record<string, string> };
}

export interface ConflictPolicy {
	/** primary-wins: the primary side wins simultaneous edits (dual-write async's model); newest-wins: by timestamp. */
	policy: 'primary-wins' | 'newest-wins';
	primary?: SystemName;
}

export interface MapDefinition {
	/** Stable id, used in file names, envelopes and the state store: `customers-v3-accounts`. */
	id: string;
	/** Semver; bumped on any change of fields or filters. */
	version: string;
	/** Microsoft's title: `Customers V3 (accounts)`. */
	title: string;
	description?: string;
	fo: MapSide;
	dataverse: MapSide;
	/** Company striping: `{fo:'dataAreaId', dataverse:'msdyn_company.cdm_companycode'}`; absent for global maps. */
	company?: { fo: string; dataverse: string };
	fields: FieldMap[];
	conflict?: ConflictPolicy;
}
