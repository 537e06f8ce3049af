import { date, enm, int, noYes, str, modifiedField, type EntityDef } from '../model';

/** Global (shared) entities: no dataAreaId, one partition for all companies. */
export const LegalEntities: EntityDef = {
	setName: 'LegalEntities',
	typeName: 'LegalEntity',
	aotName: 'OMLegalEntity',
	table: { name: 'CompanyInfo', label: 'Legal entities' },
	companySpecific: false,
	keys: ['LegalEntityId'],
	fields: [
		str('LegalEntityId', 'Company', 4, { mandatory: true }),
		str('Name', 'Name', 100, { mandatory: true }),
		str('AccountingCurrency', 'Accounting currency', 3, { foreignKey: { entity: 'Currencies', tableLabel: 'Currency' } }),
		str('AddressCountryRegionId', 'Country/region', 10),
		str('AddressCity', 'City', 60),
		str('AddressStreet', 'Street', 250),
		str('AddressZipCode', 'ZIP/postal code', 10),
		str('LanguageId', 'Language', 7, { default: 'en-us' }),
		modifiedField,
	],
};

export const Currencies: EntityDef = {
	setName: 'Currencies',
	typeName: 'Currency',
	aotName: 'CurrencyEntity',
	table: { name: 'Currency', label: 'Currency' },
	companySpecific: false,
	keys: ['CurrencyCode'],
	fields: [
		str('CurrencyCode', 'Currency', 3, { mandatory: true }),
		str('Name', 'Name', 60),
		str('Symbol', 'Symbol', 5),
		int('GeneralRoundingPrecision', 'Rounding precision', { default: 2 }),
		modifiedField,
	],
};

export const UnitsOfMeasure: EntityDef = {
	setName: 'UnitsOfMeasure',
	typeName: 'UnitOfMeasure',
	aotName: 'UnitOfMeasureEntity',
	table: { name: 'UnitOfMeasure', label: 'Units' },
	companySpecific: false,
	keys: ['UnitSymbol'],
	fields: [
		str('UnitSymbol', 'Unit', 10, { mandatory: true }),
		str('UnitDescription', 'Description', 60),
		enm('UnitClass', 'Unit class', 'UnitOfMeasureClass', { default: 'Quantity' }),
		int('DecimalPrecision', 'Decimal precision'),
		noYes('IsBaseUnit', 'Base unit'),
		noYes('IsSystemUnit', 'System unit'),
		enm('SystemOfUnits', 'System of units', 'UnitOfMeasureSystemOfUnits', { default: 'None' }),
		date('ValidFrom', 'Valid from'),
		modifiedField,
	],
};
