import { bool, dec, int, str, systemColumns, type TableDef } from './types';

/** Global reference data: legal entities, currencies, units. None of them is company-striped. */
export const cdm_company: TableDef = {
	logicalName: 'cdm_company',
	entitySetName: 'cdm_companies',
	schemaName: 'cdm_Company',
	primaryId: 'cdm_companyid',
	primaryName: 'cdm_name',
	objectTypeCode: 10005,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'cdm_companyid' }),
		str('cdm_companycode', 6, { required: true }),
		str('cdm_name', 200),
	],
	alternateKeys: [{ name: 'cdm_companycode_key', columns: ['cdm_companycode'] }],
};

export const transactioncurrency: TableDef = {
	logicalName: 'transactioncurrency',
	entitySetName: 'transactioncurrencies',
	schemaName: 'TransactionCurrency',
	primaryId: 'transactioncurrencyid',
	primaryName: 'currencyname',
	objectTypeCode: 9105,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'transactioncurrencyid' }),
		str('isocurrencycode', 5, { required: true }),
		str('currencyname', 100, { required: true }),
		str('currencysymbol', 10, { required: true }),
		dec('exchangerate', 10, { required: true, min: 0.0000000001, max: 100000000000 }),
		int('currencyprecision', { min: 0, max: 4, default: 2 }),
	],
	alternateKeys: [{ name: 'isocurrencycode_key', columns: ['isocurrencycode'] }],
};

export const uom: TableDef = {
	logicalName: 'uom',
	entitySetName: 'uoms',
	schemaName: 'UoM',
	primaryId: 'uomid',
	primaryName: 'name',
	objectTypeCode: 1055,
	changeTracking: true,
	columns: [
		...systemColumns({ primaryId: 'uomid' }),
		str('name', 100, { required: true }),
		str('msdyn_symbol', 10),
		str('msdyn_externalunitclassname', 100),
		int('msdyn_decimalprecision', { min: 0, max: 10 }),
		bool('msdyn_isbaseunit'),
		bool('msdyn_issystemunit'),
		{ name: 'msdyn_systemofunits', type: 'choice', choices: { 192350000: 'None', 192350001: 'Metric', 192350002: 'US' } },
		str('msdyn_description', 100),
		dec('quantity', 5, { default: 1 }),
	],
	alternateKeys: [{ name: 'msdyn_symbol_key', columns: ['msdyn_symbol'] }],
};
