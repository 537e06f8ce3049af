/**
 * The core maps: customers -> accounts and vendors with everything they look up (legal entities, currencies, terms,
 * groups, payment methods, tax groups), the set Microsoft's dual-write setup starts with. The demo keeps them in
 * sync, the "Initial sync (core maps)" template copies them, the tests seed with them.
 */
export const CORE_MAPS: readonly string[] = [
	'legal-entities-cdm-companies',
	'currencies-transactioncurrencies',
	'payment-days-msdyn-paymentdays',
	'payment-schedules-msdyn-paymentschedules',
	'customer-payment-methods-msdyn-customerpaymentmethods',
	'vendor-payment-methods-msdyn-vendorpaymentmethods',
	'sales-tax-groups-msdyn-salestaxgroups',
	'vendor-groups-msdyn-vendorgroups',
	'terms-of-payment-msdyn-paymentterms',
	'customer-groups-msdyn-customergroups',
	'vendors-v2-msdyn-vendors',
	'customers-v3-accounts',
];
