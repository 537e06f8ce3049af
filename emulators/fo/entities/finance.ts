import { dataAreaIdField, enm, int, modifiedField, noYes, str, type EntityDef } from '../model';

export const PaymentTerms: EntityDef = {
	setName: 'PaymentTerms',
	typeName: 'PaymentTerm',
	aotName: 'PaymentTermEntity',
	table: { name: 'PaymTerm', label: 'Terms of payment' },
	companySpecific: true,
	keys: ['dataAreaId', 'Name'],
	fields: [
		dataAreaIdField,
		str('Name', 'Terms of payment', 10, { mandatory: true }),
		str('Description', 'Description', 60),
		int('NumberOfMonths', 'Months'),
		int('NumberOfDays', 'Days'),
		int('CutOffDayOfMonth', 'Cut-off day of month'),
		enm('PaymentMethodType', 'Payment method', 'PaymMode', { default: 'Net' }),
		noYes('IsCashPayment', 'Cash payment'),
		noYes('IsCertifiedCompanyCheck', 'Certified company check'),
		noYes('IsDefaultPaymentTerm', 'Default payment term'),
		str('PaymentDayName', 'Payment day', 10),
		str('PaymentScheduleName', 'Payment schedule', 30),
		modifiedField,
	],
};

export const CustomerGroups: EntityDef = {
	setName: 'CustomerGroups',
	typeName: 'CustomerGroup',
	aotName: 'CustCustomerGroupEntity',
	table: { name: 'CustGroup', label: 'Customer groups' },
	companySpecific: true,
	keys: ['dataAreaId', 'CustomerGroupId'],
	fields: [
		dataAreaIdField,
		str('CustomerGroupId', 'Customer group', 10, { mandatory: true }),
		str('Description', 'Description', 60),
		noYes('IsSalesTaxIncludedInPrice', 'Prices include sales tax'),
		str('PaymentTermId', 'Terms of payment', 10, { foreignKey: { entity: 'PaymentTerms', tableLabel: 'Terms of payment' } }),
		str('ClearingPeriodPaymentTermName', 'Clearing period', 10),
		modifiedField,
	],
};
