import type { EntityInfo, FieldInfo } from '../../../lib/connectors/types';
import { assertValidMap, compileMap, MapValidationError, validateMap, type FieldMap, type MapDefinition, type ValidationCode } from '../../../lib/maps';
import { customersMap } from './fixtures';

const withFields = (change: (fields: FieldMap[]) => FieldMap[], base: MapDefinition = customersMap()): MapDefinition => ({ ...base, fields: change(base.fields) });
const codes = (def: unknown, metadata = {}) => validateMap(def as MapDefinition, metadata).map((issue) => issue.code);
const issue = (def: unknown, code: ValidationCode, metadata = {}) => validateMap(def as MapDefinition, metadata).find((candidate) => candidate.code === code);

describe('validateMap', () => {
	it('accepts the fixture map', () => {
		expect(validateMap(customersMap())).toEqual([]);
	});

	it('DIPV1004: key field mapped one way in a bidirectional map', () => {
		const def = withFields((fields) => fields.map((f) => (f.fo === 'CustomerAccount' ? { ...f, direction: 'fo->dataverse' } : f)));
		const found = issue(def, 'DIPV1004');
		expect(found?.path).toBe('fo.key[1]');
		expect(found?.message).toContain('customers-v3-accounts');
		expect(found?.message).toContain('CustomerAccount');
	});

	it('DIPV1014/1015: integration key field not mapped', () => {
		const def = withFields((fields) => fields.filter((f) => f.fo !== 'CustomerAccount'));
		expect(codes(def)).toEqual(expect.arrayContaining(['DIPV1014', 'DIPV1015']));
		expect(issue(def, 'DIPV1014')?.path).toBe('dataverse.key[0]');
	});

	it('DIPV1002: company in the key without striping', () => {
		const def: Partial<MapDefinition> = customersMap();
		delete def.company;
		expect(issue(def, 'DIPV1002')?.message).toContain('dataAreaId');
	});

	it('DIPV1026 / DIPV1023: duplicates per direction; one-way fan-out is allowed', () => {
		const dupDestination = withFields((fields) => [...fields, { fo: 'SalesMemo', dataverse: 'name', direction: 'fo->dataverse' }]);
		expect(issue(dupDestination, 'DIPV1026')?.message).toContain('name');
		const dupLookup = withFields((fields) => [...fields, { fo: 'Other', dataverse: 'msdyn_customergroupid.msdyn_name', direction: 'fo->dataverse', lookup: { entity: 'msdyn_customergroups' } }]);
		expect(codes(dupLookup)).toContain('DIPV1026');
		const fanOut = withFields((fields) => [...fields, { fo: 'CustomerAccount', dataverse: 'msdyn_altnumber', direction: 'fo->dataverse' }]);
		expect(validateMap(fanOut)).toEqual([]);
		const twoWayFanOut = withFields((fields) => [...fields, { fo: 'CustomerAccount', dataverse: 'msdyn_altnumber', direction: 'both' }]);
		expect(codes(twoWayFanOut)).toEqual(expect.arrayContaining(['DIPV1023', 'DIPV1026']));
		const writesCompany = withFields((fields) => [...fields, { fo: 'dataAreaId', dataverse: 'msdyn_companycode', direction: 'both' }]);
		expect(issue(writesCompany, 'DIPV1026')?.message).toContain('company striping');
	});

	it('DIPV1029: duplicate value-map entry, named by index', () => {
		const def = withFields((fields) =>
			fields.map((f) => (f.fo === 'OnHoldStatus' ? { ...f, valueMap: [...(f.valueMap ?? []), { fo: 'Never', dataverse: 192350001 }] } : f)),
		);
		const found = issue(def, 'DIPV1029');
		expect(found?.path).toBe('fields[7].valueMap[3]');
		expect(found?.message).toContain('192350001');
	});

	it('DIPV1012: bad filters in either syntax name the token', () => {
		const def = { ...customersMap(), fo: { ...customersMap().fo, filter: '((PartyType in "Organization"))' }, dataverse: { ...customersMap().dataverse, filter: 'customertypecode eq 3 and tolower(name) eq \'x\'' } };
		const issues = validateMap(def).filter((i) => i.code === 'DIPV1012');
		expect(issues.map((i) => i.path)).toEqual(['fo.filter', 'dataverse.filter']);
		expect(issues[0].message).toContain('"in"');
		expect(issues[1].message).toContain('tolower');
	});

	it.each<[string, Partial<FieldMap> & Record<string, unknown>, ValidationCode, string]>([
		['none on both sides', { fo: null, dataverse: null, direction: 'both' }, 'DW-ROW', 'none on both sides'],
		['none source bidirectional', { fo: null, dataverse: 'x', direction: 'both', default: 1 }, 'DW-ROW', "must be 'fo->dataverse'"],
		['none source without default', { fo: null, dataverse: 'x', direction: 'fo->dataverse' }, 'DW-ROW', 'needs a default'],
		['default in the wrong direction', { fo: 'PartyType', dataverse: null, direction: 'fo->dataverse', default: 'Organization' }, 'DW-ROW', "must be 'dataverse->fo'"],
		['default on a bidirectional row', { fo: 'A', dataverse: 'a', direction: 'both', default: 'x' }, 'DW-ROW', 'ambiguous'],
		['unknown transform', { fo: 'A', dataverse: 'a', direction: 'both', transform: 'uppercase' }, 'DW-TRANSFORM', 'uppercase'],
		['unknown property', { fo: 'A', dataverse: 'a', direction: 'both', colour: 'red' }, 'DW-SCHEMA', 'colour'],
		['direction as a symbol', { fo: 'A', dataverse: 'a', direction: '><' as never }, 'DW-SCHEMA', '"both"'],
		['lookup path without lookup.entity', { fo: 'A', dataverse: 'nav.key', direction: 'both' }, 'DW-LOOKUP', 'lookup.entity'],
		['lookup on a plain column', { fo: 'A', dataverse: 'a', direction: 'both', lookup: { entity: 'x' } }, 'DW-LOOKUP', 'not a lookup path'],
		['dotted F&O field', { fo: 'A.b', dataverse: 'a', direction: 'both' }, 'DW-LOOKUP', 'Dataverse side'],
		['polymorphic with one target', { fo: 'A', dataverse: 'customerid.Account(accountnumber)', direction: 'both', lookup: { entity: 'accounts' } }, 'DW-POLYMORPHIC', 'at least two'],
		['polymorphic missing key', { fo: 'A', dataverse: 'customerid.Account().Contact(x)', direction: 'both', lookup: { entity: 'accounts' } }, 'DW-POLYMORPHIC', 'Account()'],
		['polymorphic hint to unknown type', { fo: 'A', dataverse: 'c.Account(a).Contact(b)', direction: 'both', lookup: { entity: 'accounts', targetBy: { field: 'T', values: { x: 'Lead' } } } }, 'DW-POLYMORPHIC', 'targetBy'],
		['bad valueMap pair', { fo: 'A', dataverse: 'a', direction: 'both', valueMap: [{ fo: 'x' }] as never }, 'DW-SCHEMA', 'value pair'],
	])('%s', (_name, row, code, text) => {
		const def = withFields((fields) => [...fields, row as FieldMap]);
		const found = issue(def, code);
		expect(found).toBeDefined();
		expect(found?.path.startsWith(`fields[${customersMap().fields.length}]`)).toBe(true);
		expect(found?.message).toContain(text);
	});

	it('malformed top level and non-objects', () => {
		expect(codes(null)).toEqual(['DW-SCHEMA']);
		expect(codes({ id: 'x' })).toEqual(expect.arrayContaining(['DW-SCHEMA']));
		expect(issue({ ...customersMap(), version: 'one' }, 'DW-SCHEMA')?.path).toBe('version');
		expect(issue({ ...customersMap(), fields: [] }, 'DW-SCHEMA')?.path).toBe('fields');
	});
});

const field = (name: string, kind: FieldInfo['kind'], extra: Partial<FieldInfo> = {}): FieldInfo => ({
	name,
	displayName: name,
	kind,
	edmType: 'Edm.String',
	required: false,
	readOnly: false,
	...extra,
});

const foInfo: EntityInfo = {
	system: 'fo',
	name: 'CustomersV3',
	typeName: 'CustomerV3',
	displayName: 'Customers V3',
	key: ['dataAreaId', 'CustomerAccount'],
	alternateKeys: [],
	companySpecific: true,
	fields: [
		field('dataAreaId', 'string', { required: true }),
		field('CustomerAccount', 'string', { required: true }),
		field('OrganizationName', 'string'),
		field('CreditLimit', 'decimal'),
		field('SalesCurrencyCode', 'string'),
		field('CustomerGroupId', 'string', { required: true }),
		field('InvoiceAccount', 'string'),
		field('CreditLimitIsMandatory', 'enum', { options: [{ name: 'No', value: 'No' }, { name: 'Yes', value: 'Yes' }] }),
		field('OnHoldStatus', 'enum', { options: ['No', 'Invoice', 'All'].map((name) => ({ name, value: name })) }),
		field('OpenedOn', 'date'),
		field('LastContact', 'datetime'),
		field('PaymentTermsBaseDays', 'integer'),
		field('PartyType', 'enum', { options: ['Organization', 'Person'].map((name) => ({ name, value: name })) }),
		field('LanguageId', 'string', { required: true }),
		field('ModifiedDateTime', 'datetime', { readOnly: true }),
	],
};

const lookupField = (navigation: string, target: string) => field(`_${navigation}_value`, 'lookup', { readOnly: true, lookup: { navigationProperty: navigation, targets: [target] } });

const dvInfo: EntityInfo = {
	system: 'dataverse',
	name: 'accounts',
	typeName: 'account',
	displayName: 'Account',
	key: ['accountid'],
	alternateKeys: [['accountnumber', '_msdyn_company_value']],
	companySpecific: true,
	fields: [
		field('accountid', 'guid'),
		field('accountnumber', 'string'),
		field('name', 'string'),
		field('creditlimit', 'decimal'),
		lookupField('transactioncurrencyid', 'transactioncurrencies'),
		lookupField('msdyn_customergroupid', 'msdyn_customergroups'),
		lookupField('msdyn_billingaccount', 'accounts'),
		lookupField('msdyn_company', 'cdm_companies'),
		field('msdyn_creditlimitismandatory', 'boolean'),
		field('msdyn_onholdstatus', 'choice', { options: [192350000, 192350001, 192350002].map((value) => ({ name: String(value), value })) }),
		field('msdyn_openedon', 'date'),
		field('msdyn_lastcontact', 'datetime'),
		field('msdyn_paymenttermsbasedays', 'integer'),
		field('customertypecode', 'choice', { options: [1, 3].map((value) => ({ name: String(value), value })) }),
		field('createdon', 'datetime', { readOnly: true }),
	],
};
const metadata = { fo: foInfo, dataverse: dvInfo };

describe('validateMap with metadata', () => {
	it('DIPV1010: mandatory destination unmapped; DIPV1031: mandatory destination that can be empty (warning)', () => {
		const issues = validateMap(customersMap(), metadata);
		expect(issues.find((i) => i.code === 'DIPV1010')?.message).toContain('LanguageId');
		expect(issues.find((i) => i.code === 'DIPV1031')).toMatchObject({ severity: 'warning' });
		expect(issues.find((i) => i.code === 'DIPV1031')?.message).toContain('CustomerGroupId');
	});

	const fixed = () => withFields((fields) => [...fields, { fo: 'LanguageId', dataverse: null, direction: 'dataverse->fo', default: 'en-us' }]);

	it('the fixture with a LanguageId default has no errors', () => {
		expect(validateMap(fixed(), metadata).filter((i) => i.severity === 'error')).toEqual([]);
	});

	it('DIPV1021 / DIPV1024: missing source and destination fields', () => {
		const def = withFields((fields) => [...fields, { fo: 'Nope', dataverse: 'name2', direction: 'fo->dataverse' }, { fo: 'OrganizationName', dataverse: 'nope2', direction: 'fo->dataverse' }], fixed());
		const issues = validateMap(def, metadata);
		expect(issues.find((i) => i.code === 'DIPV1021')?.message).toContain('Nope');
		expect(issues.filter((i) => i.code === 'DIPV1024').map((i) => i.path)).toEqual(['fields[14].dataverse', 'fields[15].dataverse']);
	});

	it('DIPV1011: read-only destination', () => {
		const def = withFields((fields) => [...fields, { fo: 'OrganizationName', dataverse: 'createdon', direction: 'fo->dataverse' }], fixed());
		expect(issue(def, 'DIPV1011', metadata)?.message).toContain('createdon');
	});

	it('DIPV1030: type mismatch without a value map, and value-map values of the wrong kind', () => {
		const plain = withFields((fields) => [...fields, { fo: 'PartyType', dataverse: 'msdyn_creditlimitismandatory', direction: 'fo->dataverse' }], fixed());
		expect(issue(plain, 'DIPV1030', metadata)?.message).toContain('enum');
		const badPair = withFields(
			(fields) => fields.map((f) => (f.fo === 'OnHoldStatus' ? { ...f, valueMap: [{ fo: 'Sometimes', dataverse: 5 }] } : f)),
			fixed(),
		);
		expect(validateMap(badPair, metadata).filter((i) => i.code === 'DIPV1030').map((i) => i.path)).toEqual(['fields[7].valueMap[0].fo', 'fields[7].valueMap[0].dataverse']);
	});

	it('DIPV1012: filter on a field the entity does not have', () => {
		const def = { ...fixed(), dataverse: { ...fixed().dataverse, filter: 'nosuchcolumn eq 1' } };
		expect(issue(def, 'DIPV1012', metadata)?.message).toContain('nosuchcolumn');
	});

	it('compileMap uses metadata kinds (enum symbols canonicalised)', () => {
		const compiled = compileMap(fixed(), metadata);
		expect(compiled.rows.find((row) => row.fo === 'OpenedOn')?.shape.dataverse.kind).toBe('date');
	});
});

describe('assertValidMap', () => {
	it('throws one error listing every issue', () => {
		const def = withFields((fields) => [...fields, { fo: null, dataverse: null, direction: 'both' }, { fo: 'A', dataverse: 'n.k', direction: 'both' }]);
		let thrown: unknown;
		try {
			assertValidMap(def);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(MapValidationError);
		const error = thrown as MapValidationError;
		expect(error.issues.length).toBeGreaterThanOrEqual(2);
		expect(error.message).toContain('DW-ROW');
		expect(error.message).toContain('DW-LOOKUP');
		expect(error.message).toContain('customers-v3-accounts');
		expect(() => compileMap(def)).toThrow(MapValidationError);
	});

	it('ignores warnings', () => {
		expect(() => assertValidMap(withFields((fields) => [...fields, { fo: 'LanguageId', dataverse: null, direction: 'dataverse->fo', default: 'en-us' }]), metadata)).not.toThrow();
	});
});
