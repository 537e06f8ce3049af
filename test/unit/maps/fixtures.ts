import type { MapDefinition } from '../../../lib/maps';

/** A compact Customers V3 → accounts map covering every row form the engine knows. */
export function customersMap(): MapDefinition {
	return {
		id: 'customers-v3-accounts',
		version: '1.0.0',
		title: 'Customers V3 (accounts)',
		fo: { entity: 'CustomersV3', key: ['dataAreaId', 'CustomerAccount'], filter: '((PartyType == "Organization"))' },
		dataverse: { entity: 'accounts', key: ['accountnumber', 'msdyn_company.cdm_companycode'], filter: 'customertypecode eq 3' },
		company: { fo: 'dataAreaId', dataverse: 'msdyn_company.cdm_companycode' },
		fields: [
			{ fo: 'CustomerAccount', dataverse: 'accountnumber', direction: 'both' },
			{ fo: 'OrganizationName', dataverse: 'name', direction: 'both' },
			{ fo: 'CreditLimit', dataverse: 'creditlimit', direction: 'both', type: 'decimal', scale: 2 },
			{ fo: 'SalesCurrencyCode', dataverse: 'transactioncurrencyid.isocurrencycode', direction: 'both', lookup: { entity: 'transactioncurrencies' } },
			{ fo: 'CustomerGroupId', dataverse: 'msdyn_customergroupid.msdyn_groupid', direction: 'both', lookup: { entity: 'msdyn_customergroups', company: true } },
			{ fo: 'InvoiceAccount', dataverse: 'msdyn_billingaccount.accountnumber', direction: 'both', lookup: { entity: 'accounts', company: true } },
			{
				fo: 'CreditLimitIsMandatory',
				dataverse: 'msdyn_creditlimitismandatory',
				direction: 'both',
				valueMap: [
					{ fo: 'No', dataverse: false },
					{ fo: 'Yes', dataverse: true },
				],
			},
			{
				fo: 'OnHoldStatus',
				dataverse: 'msdyn_onholdstatus',
				direction: 'both',
				valueMap: [
					{ fo: 'No', dataverse: 192350000 },
					{ fo: 'Invoice', dataverse: 192350001 },
					{ fo: 'All', dataverse: 192350002 },
				],
			},
			{ fo: 'OpenedOn', dataverse: 'msdyn_openedon', direction: 'both', type: 'date' },
			{ fo: 'LastContact', dataverse: 'msdyn_lastcontact', direction: 'both', type: 'datetime' },
			{ fo: 'PaymentTermsBaseDays', dataverse: 'msdyn_paymenttermsbasedays', direction: 'fo->dataverse', type: 'integer', default: 0 },
			{ fo: null, dataverse: 'customertypecode', direction: 'fo->dataverse', default: 3 },
			{ fo: 'PartyType', dataverse: null, direction: 'dataverse->fo', default: 'Organization' },
		],
	};
}

export function foCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		dataAreaId: 'usmf',
		CustomerAccount: 'US-001',
		OrganizationName: 'Contoso Retail  ',
		CreditLimit: 1000.505,
		SalesCurrencyCode: 'USD',
		CustomerGroupId: '10',
		InvoiceAccount: 'US-002',
		CreditLimitIsMandatory: 'Yes',
		OnHoldStatus: 'Invoice',
		OpenedOn: '2021-06-23T12:00:00Z',
		LastContact: '2024-03-01T10:20:30.456Z',
		PaymentTermsBaseDays: 14,
		PartyType: 'Organization',
		...overrides,
	};
}

export function dvAccount(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		accountnumber: 'US-001',
		msdyn_company: { cdm_companycode: 'USMF' },
		name: 'Contoso Retail',
		creditlimit: 1000.51,
		transactioncurrencyid: { isocurrencycode: 'USD' },
		msdyn_customergroupid: { msdyn_groupid: '10' },
		msdyn_billingaccount: { accountnumber: 'US-002' },
		msdyn_creditlimitismandatory: true,
		msdyn_onholdstatus: 192350001,
		msdyn_openedon: '2021-06-23',
		msdyn_lastcontact: '2024-03-01T10:20:30Z',
		customertypecode: 3,
		...overrides,
	};
}

/** Turns an F&O→Dataverse result into the row Dataverse would return when read with `sourceQuery`'s $expand. */
export function asStoredDataverse(record: Record<string, unknown>, lookups: Record<string, { key: Record<string, unknown> }>): Record<string, unknown> {
	const stored: Record<string, unknown> = {};
	for (const [name, value] of Object.entries(record)) {
		const cleared = /^_(.+)_value$/.exec(name);
		if (cleared && value === null) stored[cleared[1]] = null;
		else stored[name] = value;
	}
	for (const [navigation, lookup] of Object.entries(lookups)) stored[navigation] = { ...lookup.key };
	return stored;
}

/** Seeded PRNG (mulberry32): property tests are reproducible from the seed they print. */
export function rng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
