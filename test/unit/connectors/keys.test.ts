import { ODataError } from '../../../lib/odata';
import { keyOf, keySegment } from '../../../lib/connectors/shared/keys';
import { closeMatches } from '../../../lib/connectors/metadata/suggest';
import { writableBody } from '../../../lib/connectors/shared/bodies';
import { TtlCache } from '../../../lib/connectors/metadata/cache';
import type { EntityInfo } from '../../../lib/connectors/types';

const customers: EntityInfo = {
	system: 'fo',
	name: 'CustomersV3',
	typeName: 'CustomerV3',
	displayName: 'CustomersV3',
	key: ['dataAreaId', 'CustomerAccount'],
	alternateKeys: [],
	companySpecific: true,
	fields: [
		{ name: 'dataAreaId', displayName: 'Company', kind: 'string', edmType: 'Edm.String', required: true, readOnly: false },
		{ name: 'CustomerAccount', displayName: 'Account', kind: 'string', edmType: 'Edm.String', required: true, readOnly: false },
	],
};
const accounts: EntityInfo = {
	system: 'dataverse',
	name: 'accounts',
	typeName: 'account',
	displayName: 'accounts',
	key: ['accountid'],
	alternateKeys: [['accountnumber', '_msdyn_company_value']],
	companySpecific: true,
	fields: [
		{ name: 'accountid', displayName: 'accountid', kind: 'guid', edmType: 'Edm.Guid', required: false, readOnly: false },
		{ name: 'accountnumber', displayName: 'accountnumber', kind: 'string', edmType: 'Edm.String', required: false, readOnly: false },
		{ name: '_msdyn_company_value', displayName: 'company', kind: 'lookup', edmType: 'Edm.Guid', required: false, readOnly: true },
	],
};
const GUID = '83c64ce8-cdcd-5948-a562-49118e92b906';

describe('keyOf', () => {
	it('picks the key fields of the first complete candidate key', () => {
		expect(keyOf(customers, { dataAreaId: 'usmf', CustomerAccount: 'US-1', Name: 'x' })).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'US-1' });
		expect(keyOf(accounts, { accountnumber: 'A1', _msdyn_company_value: GUID, name: 'n' })).toEqual({ accountnumber: 'A1', _msdyn_company_value: GUID });
		expect(keyOf(accounts, { accountid: GUID, accountnumber: 'A1' })).toEqual({ accountid: GUID });
	});

	it('throws an ODataError naming the entity and the missing key field', () => {
		let caught: unknown;
		try {
			keyOf(customers, { dataAreaId: 'usmf', CustomerAccount: null });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ODataError);
		expect((caught as ODataError).entity).toBe('CustomersV3');
		expect((caught as ODataError).message).toMatch(/CustomersV3.*key field CustomerAccount/);
		expect(() => keyOf(accounts, { accountnumber: 'A1' })).toThrow(/_msdyn_company_value/);
	});
});

describe('keySegment', () => {
	it('quotes and percent-encodes hostile values so they stay literals', () => {
		expect(keySegment(customers, { dataAreaId: 'usmf', CustomerAccount: "O'Brien" }, { barePrimaryKey: false })).toBe("(dataAreaId='usmf',CustomerAccount='O''Brien')");
		expect(keySegment(customers, { dataAreaId: 'usmf', CustomerAccount: "x' or 1 eq 1 or 'a" }, { barePrimaryKey: false })).toBe(
			"(dataAreaId='usmf',CustomerAccount='x''%20or%201%20eq%201%20or%20''a')",
		);
		expect(keySegment(customers, { dataAreaId: 'usmf', CustomerAccount: 'a/b?c#d%' }, { barePrimaryKey: false })).toBe(
			"(dataAreaId='usmf',CustomerAccount='a%2Fb%3Fc%23d%25')",
		);
	});

	it('writes a Dataverse primary key bare and an alternate key named', () => {
		expect(keySegment(accounts, { accountid: GUID }, { barePrimaryKey: true })).toBe(`(${GUID})`);
		expect(keySegment(accounts, { _msdyn_company_value: GUID, accountnumber: 'A1' }, { barePrimaryKey: true })).toBe(`(accountnumber='A1',_msdyn_company_value=${GUID})`);
	});

	it('rejects keys that are not a key of the entity, naming what is missing', () => {
		expect(() => keySegment(customers, { CustomerAccount: 'US-1' }, { barePrimaryKey: false })).toThrow(/key field dataAreaId missing/);
		expect(() => keySegment(accounts, { accountnumber: 'A1' }, { barePrimaryKey: true })).toThrow(/not a key of accounts; its keys are \{accountid\} or \{accountnumber, _msdyn_company_value\}/);
		expect(() => keySegment(accounts, { accountid: 'not-a-guid' }, { barePrimaryKey: true })).toThrow(ODataError);
	});
});

describe('small helpers', () => {
	it('closeMatches ranks case-folded, contained and near names', () => {
		expect(closeMatches('customersv3', ['CustomersV3', 'VendorsV2', 'CustomerGroups'])[0]).toBe('CustomersV3');
		expect(closeMatches('Customer', ['CustomersV3', 'CustomerGroups', 'Warehouses'])).toEqual(['CustomersV3', 'CustomerGroups']);
		expect(closeMatches('Nope', ['CustomersV3', 'accounts'])).toEqual([]);
	});

	it('writableBody drops annotations and omitted fields but keeps binds', () => {
		expect(
			writableBody({ '@odata.etag': 'W/"1"', name: 'n', 'name@OData.Community.Display.V1.FormattedValue': 'N', 'x@odata.bind': '/a(1)', id: 1, gone: undefined }, ['id']),
		).toEqual({ name: 'n', 'x@odata.bind': '/a(1)' });
	});

	it('TtlCache shares one load, expires, and forgets failures', async () => {
		let now = 0;
		const cache = new TtlCache<number>(() => now);
		let loads = 0;
		const load = () => Promise.resolve(++loads);
		expect(await Promise.all([cache.get('k', 10, load), cache.get('k', 10, load)])).toEqual([1, 1]);
		now = 11;
		expect(await cache.get('k', 10, load)).toBe(2);
		await expect(cache.get('bad', 10, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
		expect(await cache.get('bad', 10, load)).toBe(3);
	});
});
