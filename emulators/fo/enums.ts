import type { EnumDef } from './model';

const e = (name: string, ...symbols: Array<string | [string, number]>): EnumDef => ({
	name,
	members: symbols.map((s, i) => (typeof s === 'string' ? { name: s, value: i } : { name: s[0], value: s[1] })),
});

/** Enum types referenced by entity fields; values follow the X++ base enums where known. */
export const ENUMS: EnumDef[] = [
	e('NoYes', 'No', 'Yes'),
	e('DirPartyType', 'None', 'Person', 'Organization'),
	e('CustVendorBlocked', 'No', 'Invoice', 'All', 'Payment', 'Requisition', 'Never'),
	e('UnitOfMeasureClass', 'Undefined', 'Quantity', 'Length', 'Area', 'Volume', 'Mass', 'Time', 'Temperature'),
	e('UnitOfMeasureSystemOfUnits', 'None', 'Metric', 'UnitedStatesCustomary'),
	e('EcoResProductType', ['Item', 1], ['Service', 2]),
	e('EcoResProductSubtype', ['Product', 1], ['ProductMaster', 2]),
	e('InventLocationType', 'Standard', 'Quarantine', 'Transit'),
	e('SalesStatus', 'None', 'Backorder', 'Delivered', 'Invoiced', 'Canceled'),
	e('SalesOrderProcessingStatus', 'None', 'Draft', 'Confirmed', 'PickingListProduced', 'PartiallyDelivered', 'Delivered', 'PartiallyInvoiced', 'Invoiced', 'Canceled'),
	e('CashDisc', 'No', 'Yes'),
	e('PaymMode', 'Net', 'CurrentMonth', 'CurrentQuarter', 'CurrentYear', 'CurrentWeek', 'COD'),
	e('CreditCardPaymentType', 'None', 'CreditCard'),
	e('CreditCardCreditCheckType', 'None', 'Authorize', 'Preauthorize'),
	e('InvoiceOrderAccount', 'InvoiceAccount', 'OrderAccount'),
	e('Gender', 'Unknown', 'Male', 'Female', 'NonSpecific'),
	e('DirPersonMaritalStatus', 'None', 'Married', 'Single', 'Divorced', 'Widowed'),
	e('ContactPersonAssociatedContactType', 'None', 'Vendor', 'Customer'),
];

export const ENUM_BY_NAME = new Map(ENUMS.map((en) => [en.name, en]));
