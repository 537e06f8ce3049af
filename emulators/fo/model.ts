/**
 * Entity definitions are data: adding an entity to the emulator means adding one `EntityDef` object to
 * `entities/index.ts`. `$metadata`, validation, keys, foreign keys and events are all derived from it.
 */
export const NAMESPACE = 'Microsoft.Dynamics.DataEntities';

export type FieldType =
	| { kind: 'String'; maxLength: number }
	| { kind: 'Int32' }
	| { kind: 'Int64' }
	| { kind: 'Decimal'; scale?: number }
	/** A date without time: F&O serialises it as a DateTimeOffset at 12:00:00Z (empty = 1900-01-01T12:00:00Z). */
	| { kind: 'Date' }
	| { kind: 'DateTime' }
	| { kind: 'Enum'; enum: string };

export interface ForeignKey {
	/** Entity set of the related entity; company-specific targets are looked up in the same company. */
	entity: string;
	/** Label of the related table as F&O prints it in "...not found in the related table '<label>'". */
	tableLabel: string;
}

export interface FieldDef {
	name: string;
	type: FieldType;
	/** Label used in Infolog messages (e.g. 'Customer group'). */
	label: string;
	mandatory?: boolean;
	/** Default for create when the field is not supplied; otherwise the type's blank value. */
	default?: string | number;
	/** Maintained by the emulator; values supplied by clients are ignored. */
	readOnly?: boolean;
	foreignKey?: ForeignKey;
	/** Key filled from a per-company number sequence when missing on create (e.g. SalesOrderNumber). */
	numberSequence?: { width: number; prefix?: string };
}

export interface EntityDef {
	/** Public collection name, the URL segment: CustomersV3. */
	setName: string;
	/** Public entity name, the EntityType name in $metadata: CustomerV3. */
	typeName: string;
	/** AOT entity name used in write-failure messages: CustCustomerV3Entity. */
	aotName: string;
	/** Primary table behind the entity, used in "Cannot create a record in <label> (<name>)". */
	table: { name: string; label: string };
	/** Company-specific entities carry dataAreaId as the first key field. */
	companySpecific: boolean;
	keys: string[];
	fields: FieldDef[];
}

export interface EnumDef {
	name: string;
	/** Symbols with their integer values, in declaration order. */
	members: Array<{ name: string; value: number }>;
}

export const MODIFIED_FIELD = 'ModifiedDateTime';
/** F&O's "no date": what a blank date or date-time field holds and returns. */
export const EMPTY_DATE = '1900-01-01T12:00:00Z';

export const str = (name: string, label: string, maxLength: number, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'String', maxLength }, ...extra });
export const int = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'Int32' }, ...extra });
export const int64 = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'Int64' }, ...extra });
export const dec = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'Decimal' }, ...extra });
export const date = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'Date' }, ...extra });
export const enm = (name: string, label: string, enumName: string, extra: Partial<FieldDef> = {}): FieldDef => ({ name, label, type: { kind: 'Enum', enum: enumName }, ...extra });
export const noYes = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => enm(name, label, 'NoYes', { default: 'No', ...extra });

export const dataAreaIdField: FieldDef = str('dataAreaId', 'Company', 4, { mandatory: true });
export const modifiedField: FieldDef = { name: MODIFIED_FIELD, label: 'Modified date and time', type: { kind: 'DateTime' }, readOnly: true };
