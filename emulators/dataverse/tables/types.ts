/**
 * A Dataverse table as data. Adding a table means adding one of these objects to `tables/index.ts`;
 * `$metadata`, validation, keys, serialisation and change tracking are all derived from it.
 */
export type ColumnType =
	| 'string'
	| 'memo'
	| 'int'
	| 'bigint'
	| 'decimal'
	| 'money'
	| 'double'
	| 'boolean'
	| 'datetime'
	| 'dateonly'
	| 'choice'
	| 'lookup'
	| 'uniqueidentifier';

export interface ColumnDef {
	/** Lower-case logical name. For lookups this is the lookup attribute; reads show `_<name>_value`. */
	name: string;
	type: ColumnType;
	maxLength?: number;
	/** Required on create (Dataverse "SystemRequired"/"ApplicationRequired"; see README for the choice). */
	required?: boolean;
	/** Choice (option set) values and labels. */
	choices?: Record<number, string>;
	/** Lookup target table logical name(s); several = polymorphic (customer, owner...). */
	target?: string | string[];
	/** Single-valued navigation property name for `@odata.bind`; default = the column name. */
	navigation?: string;
	min?: number;
	max?: number;
	/** Decimal places kept for decimal/money (values are rounded on write, as the platform does). */
	precision?: number;
	/** Set only by the platform (createdon, versionnumber...). Writes are ignored, as Dataverse does. */
	system?: boolean;
	/** Accepted on write, never returned on read (serviceendpoint.authvalue). */
	writeOnly?: boolean;
	/** Value used on create when the body has none. */
	default?: unknown;
	/** Computed by the platform from these columns joined by a space (contact.fullname). Read-only. */
	derivedFrom?: string[];
}

export interface AlternateKeyDef {
	/** Schema name of the key, e.g. `msdyn_account_company_key`. */
	name: string;
	/** Logical names of the key's columns (lookups by attribute name, addressed as `_x_value`). */
	columns: string[];
}

export interface TableDef {
	logicalName: string;
	entitySetName: string;
	/** Schema name used in `$metadata` labels, e.g. `Account`. */
	schemaName: string;
	primaryId: string;
	primaryName: string;
	objectTypeCode: number;
	columns: ColumnDef[];
	alternateKeys: AlternateKeyDef[];
	/** All our tables have it; kept as data so a test can model a table without it. */
	changeTracking: boolean;
	/** Company-striped table (has `msdyn_company` -> cdm_company). */
	companyColumn?: string;
}

/** Columns every table carries; `statecode` choices may be overridden per table. */
export function systemColumns(t: { primaryId: string; stateChoices?: Record<number, string> }): ColumnDef[] {
	return [
		{ name: t.primaryId, type: 'uniqueidentifier' },
		{ name: 'versionnumber', type: 'bigint', system: true },
		{ name: 'createdon', type: 'datetime', system: true },
		{ name: 'modifiedon', type: 'datetime', system: true },
		{ name: 'createdby', type: 'lookup', target: 'systemuser', system: true },
		{ name: 'modifiedby', type: 'lookup', target: 'systemuser', system: true },
		{ name: 'statecode', type: 'choice', choices: t.stateChoices ?? { 0: 'Active', 1: 'Inactive' }, default: 0 },
		{ name: 'statuscode', type: 'choice', choices: { 1: 'Active', 2: 'Inactive' }, default: 1 },
	];
}

export const str = (name: string, maxLength: number, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'string', maxLength, ...extra });
export const lookup = (name: string, target: string | string[], extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'lookup', target, ...extra });
export const bool = (name: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'boolean', ...extra });
export const int = (name: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'int', ...extra });
export const dec = (name: string, precision = 2, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'decimal', precision, ...extra });
export const money = (name: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'money', precision: 4, ...extra });
export const choice = (name: string, choices: Record<number, string>, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'choice', choices, ...extra });
export const date = (name: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'datetime', ...extra });
export const memo = (name: string, maxLength = 2000, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'memo', maxLength, ...extra });

/** The company lookup that stripes a table by legal entity, and the key pair `<col> + company`. */
export const company = (): ColumnDef => lookup('msdyn_company', 'cdm_company');
