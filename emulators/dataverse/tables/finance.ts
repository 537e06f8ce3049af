import { bool, choice, company, int, lookup, str, systemColumns, type TableDef } from './types';

/**
 * Company-striped finance setup. The small "named" tables (payment days, schedules, methods, tax groups,
 * vendor groups) exist because the standard maps look them up by `msdyn_name` + company.
 */
function namedCompanyTable(logicalName: string, entitySetName: string, objectTypeCode: number, nameColumn = 'msdyn_name'): TableDef {
	const primaryId = `${logicalName}id`;
	return {
		logicalName,
		entitySetName,
		schemaName: logicalName,
		primaryId,
		primaryName: nameColumn,
		objectTypeCode,
		changeTracking: true,
		companyColumn: 'msdyn_company',
		columns: [...systemColumns({ primaryId }), str(nameColumn, 100, { required: true }), str('msdyn_description', 100), company()],
		alternateKeys: [{ name: `${logicalName}_company_key`, columns: [nameColumn, 'msdyn_company'] }],
	};
}

export const msdyn_paymentday = namedCompanyTable('msdyn_paymentday', 'msdyn_paymentdays', 10101);
export const msdyn_paymentschedule = namedCompanyTable('msdyn_paymentschedule', 'msdyn_paymentschedules', 10102);
export const msdyn_customerpaymentmethod = namedCompanyTable('msdyn_customerpaymentmethod', 'msdyn_customerpaymentmethods', 10103);
export const msdyn_vendorpaymentmethod = namedCompanyTable('msdyn_vendorpaymentmethod', 'msdyn_vendorpaymentmethods', 10104);
export const msdyn_salestaxgroup = namedCompanyTable('msdyn_salestaxgroup', 'msdyn_salestaxgroups', 10105);
export const msdyn_vendorgroup = namedCompanyTable('msdyn_vendorgroup', 'msdyn_vendorgroups', 10106, 'msdyn_vendorgroup');
export const msdyn_modeofdelivery = namedCompanyTable('msdyn_modeofdelivery', 'msdyn_modeofdeliveries', 10107);
export const msdyn_termsofdelivery = namedCompanyTable('msdyn_termsofdelivery', 'msdyn_termsofdeliveries', 10108, 'msdyn_termscode');
export const msdyn_salesorderorigin = namedCompanyTable('msdyn_salesorderorigin', 'msdyn_salesorderorigins', 10109, 'msdyn_origincode');

export const msdyn_paymentterm: TableDef = {
	logicalName: 'msdyn_paymentterm',
	entitySetName: 'msdyn_paymentterms',
	schemaName: 'msdyn_paymentterm',
	primaryId: 'msdyn_paymenttermid',
	primaryName: 'msdyn_name',
	objectTypeCode: 10110,
	changeTracking: true,
	companyColumn: 'msdyn_company',
	columns: [
		...systemColumns({ primaryId: 'msdyn_paymenttermid' }),
		str('msdyn_name', 10, { required: true }),
		str('msdyn_description', 60),
		int('msdyn_numberofmonth', { min: 0, max: 1000 }),
		int('msdyn_days', { min: 0, max: 1000 }),
		int('msdyn_cutoffdayofmonth', { min: 0, max: 31 }),
		bool('msdyn_iscashpayment'),
		bool('msdyn_iscertifiedcompanycheck'),
		bool('msdyn_isdefaultpaymentterm'),
		choice('msdyn_creditcardpaymenttype', { 192350000: 'None', 192350001: 'Credit card' }),
		choice('msdyn_creditcardcreditchecktype', { 192350000: 'None', 192350001: 'Authorize', 192350002: 'Preauthorize' }),
		choice('msdyn_paymentmethodtype', { 192350000: 'Net', 192350001: 'Current month', 192350002: 'Current quarter', 192350003: 'Current year', 192350004: 'Current week', 192350005: 'COD' }),
		lookup('msdyn_paymentdayname', 'msdyn_paymentday'),
		lookup('msdyn_paymentschedulename', 'msdyn_paymentschedule'),
		company(),
	],
	alternateKeys: [{ name: 'msdyn_paymentterm_company_key', columns: ['msdyn_name', 'msdyn_company'] }],
};

export const msdyn_customergroup: TableDef = {
	logicalName: 'msdyn_customergroup',
	entitySetName: 'msdyn_customergroups',
	schemaName: 'msdyn_customergroup',
	primaryId: 'msdyn_customergroupid',
	primaryName: 'msdyn_groupid',
	objectTypeCode: 10111,
	changeTracking: true,
	companyColumn: 'msdyn_company',
	columns: [
		...systemColumns({ primaryId: 'msdyn_customergroupid' }),
		str('msdyn_groupid', 10, { required: true }),
		str('msdyn_description', 60),
		bool('msdyn_issalestaxincludedinprice'),
		lookup('msdyn_paymenttermid', 'msdyn_paymentterm'),
		lookup('msdyn_clearingperiodpaymenttermname', 'msdyn_paymentterm'),
		company(),
	],
	alternateKeys: [{ name: 'msdyn_customergroup_company_key', columns: ['msdyn_groupid', 'msdyn_company'] }],
};
