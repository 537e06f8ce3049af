import { dataAreaIdField, enm, int, modifiedField, noYes, str, type EntityDef, type ForeignKey } from '../model';

const fk = (entity: string, tableLabel: string): { foreignKey: ForeignKey } => ({ foreignKey: { entity, tableLabel } });

/**
 * The small company-specific setup entities that customers, vendors and terms refer to by name. Their public
 * collection names follow F&O's naming pattern but are not verified against a live `$metadata` (README).
 */
function namedSetupEntity(setName: string, typeName: string, aotName: string, table: { name: string; label: string }, keyField: string, keyLabel: string, maxLength: number): EntityDef {
	return {
		setName,
		typeName,
		aotName,
		table,
		companySpecific: true,
		keys: ['dataAreaId', keyField],
		fields: [dataAreaIdField, str(keyField, keyLabel, maxLength, { mandatory: true }), str('Description', 'Description', 60), modifiedField],
	};
}

export const PaymentDays = namedSetupEntity('PaymentDays', 'PaymentDay', 'PaymentDayEntity', { name: 'PaymDay', label: 'Payment days' }, 'Name', 'Payment day', 10);
export const PaymentSchedules = namedSetupEntity('PaymentSchedules', 'PaymentSchedule', 'PaymentScheduleEntity', { name: 'PaymSched', label: 'Payment schedules' }, 'Name', 'Payment schedule', 30);
export const CustomerPaymentMethods = namedSetupEntity('CustomerPaymentMethods', 'CustomerPaymentMethod', 'CustCustomerPaymentMethodEntity', { name: 'CustPaymModeTable', label: 'Methods of payment - customers' }, 'Name', 'Method of payment', 10);
export const VendorPaymentMethods = namedSetupEntity('VendorPaymentMethods', 'VendorPaymentMethod', 'VendVendorPaymentMethodEntity', { name: 'VendPaymModeTable', label: 'Methods of payment - vendors' }, 'Name', 'Method of payment', 10);
export const SalesTaxGroups = namedSetupEntity('SalesTaxGroups', 'SalesTaxGroup', 'TaxGroupEntity', { name: 'TaxGroupHeading', label: 'Sales tax groups' }, 'TaxGroupCode', 'Sales tax group', 10);
export const VendorGroups = namedSetupEntity('VendorGroups', 'VendorGroup', 'VendVendorGroupEntity', { name: 'VendGroup', label: 'Vendor groups' }, 'VendorGroupId', 'Vendor group', 10);

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
		enm('CreditCardPaymentType', 'Credit card payment type', 'CreditCardPaymentType', { default: 'None' }),
		enm('CreditCardCreditCheckType', 'Credit card credit check', 'CreditCardCreditCheckType', { default: 'None' }),
		str('PaymentDayName', 'Payment day', 10, fk('PaymentDays', 'Payment days')),
		str('PaymentScheduleName', 'Payment schedule', 30, fk('PaymentSchedules', 'Payment schedules')),
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
		str('ClearingPeriodPaymentTermName', 'Clearing period', 10, fk('PaymentTerms', 'Terms of payment')),
		modifiedField,
	],
};
