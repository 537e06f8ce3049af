import { apply, compileMap, hashRecord, MapError, sourceQuery, type MappedRecord, type MapResult } from '../../../lib/maps';
import { asStoredDataverse, customersMap, dvAccount, foCustomer } from './fixtures';

const compiled = compileMap(customersMap());
const mapped = (result: MapResult): MappedRecord => {
	if (result.kind !== 'mapped') throw new Error(`expected mapped, got ${result.decision}: ${result.detail}`);
	return result;
};

describe('apply F&O → Dataverse', () => {
	const result = mapped(apply(compiled, 'fo->dataverse', foCustomer()));

	it('maps plain fields in their target shape', () => {
		expect(result.target.entity).toBe('accounts');
		expect(result.target.record).toEqual({
			accountnumber: 'US-001',
			name: 'Contoso Retail',
			creditlimit: 1000.51,
			msdyn_creditlimitismandatory: true,
			msdyn_onholdstatus: 192350001,
			msdyn_openedon: '2021-06-23',
			msdyn_lastcontact: '2024-03-01T10:20:30Z',
			msdyn_paymenttermsbasedays: 14,
			customertypecode: 3,
		});
	});

	it('stripes the company into the key and a cdm_companies lookup', () => {
		expect(result.target.key).toEqual({ accountnumber: 'US-001', 'msdyn_company.cdm_companycode': 'usmf' });
		expect(result.target.lookups.msdyn_company).toEqual({ entity: 'cdm_companies', key: { cdm_companycode: 'usmf' } });
		expect(result.source).toEqual({ entity: 'CustomersV3', key: { dataAreaId: 'usmf', CustomerAccount: 'US-001' } });
	});

	it('binds lookups by the referenced key, with the company only for company-specific tables', () => {
		expect(result.target.lookups.transactioncurrencyid).toEqual({ entity: 'transactioncurrencies', key: { isocurrencycode: 'USD' } });
		expect(result.target.lookups.msdyn_customergroupid).toEqual({
			entity: 'msdyn_customergroups',
			key: { msdyn_groupid: '10', 'msdyn_company.cdm_companycode': 'usmf' },
		});
	});

	it('clears a lookup whose source is empty', () => {
		const cleared = mapped(apply(compiled, 'fo->dataverse', foCustomer({ CustomerGroupId: '' })));
		expect(cleared.target.lookups.msdyn_customergroupid).toBeUndefined();
		expect(cleared.target.record._msdyn_customergroupid_value).toBeNull();
	});

	it('uses the default when the source has no value, and for none sources', () => {
		const noDays = mapped(apply(compiled, 'fo->dataverse', foCustomer({ PaymentTermsBaseDays: null })));
		expect(noDays.target.record.msdyn_paymenttermsbasedays).toBe(0);
		expect(noDays.target.record.customertypecode).toBe(3);
	});

	it("turns F&O's empty date and blank strings into Dataverse nulls", () => {
		const blank = mapped(apply(compiled, 'fo->dataverse', foCustomer({ OpenedOn: '1900-01-01T12:00:00Z', LastContact: '1900-01-01T12:00:00Z', OrganizationName: '' })));
		expect(blank.target.record.msdyn_openedon).toBeNull();
		expect(blank.target.record.msdyn_lastcontact).toBeNull();
		expect(blank.target.record.name).toBeNull();
	});

	it('skips records outside the source filter, naming the filter', () => {
		const skipped = apply(compiled, 'fo->dataverse', foCustomer({ PartyType: 'Person' }));
		expect(skipped).toMatchObject({ kind: 'skipped', decision: 'filtered' });
		expect(skipped.kind === 'skipped' && skipped.detail).toContain('PartyType == "Organization"');
	});

	it('never mutates its input and is deterministic', () => {
		const input = foCustomer();
		const frozen = JSON.parse(JSON.stringify(input));
		const a = apply(compiled, 'fo->dataverse', input);
		const b = apply(compiled, 'fo->dataverse', input);
		expect(input).toEqual(frozen);
		expect(a).toEqual(b);
		expect(mapped(a).hash).toMatch(/^[0-9a-f]{64}$/);
	});

	it('changes the hash when a mapped value changes, not when an unmapped one does', () => {
		const base = mapped(apply(compiled, 'fo->dataverse', foCustomer())).hash;
		expect(mapped(apply(compiled, 'fo->dataverse', foCustomer({ Unmapped: 'x' }))).hash).toBe(base);
		expect(mapped(apply(compiled, 'fo->dataverse', foCustomer({ OrganizationName: 'Contoso Retail' }))).hash).toBe(base);
		expect(mapped(apply(compiled, 'fo->dataverse', foCustomer({ CreditLimit: 1 }))).hash).not.toBe(base);
	});

	it('hashRecord of what Dataverse stored equals the hash of the write (echo suppression)', () => {
		const stored = asStoredDataverse(result.target.record, result.target.lookups);
		expect(hashRecord(compiled, 'dataverse', stored)).toBe(result.hash);
		expect(hashRecord(compiled, 'dataverse', { ...stored, name: 'Someone else' })).not.toBe(result.hash);
	});
});

describe('apply Dataverse → F&O', () => {
	const result = mapped(apply(compiled, 'dataverse->fo', dvAccount()));

	it('reads lookups from the expanded record and the company from msdyn_company', () => {
		expect(result.target.entity).toBe('CustomersV3');
		expect(result.target.key).toEqual({ dataAreaId: 'usmf', CustomerAccount: 'US-001' });
		expect(result.target.record).toEqual({
			dataAreaId: 'usmf',
			CustomerAccount: 'US-001',
			OrganizationName: 'Contoso Retail',
			CreditLimit: 1000.51,
			SalesCurrencyCode: 'USD',
			CustomerGroupId: '10',
			InvoiceAccount: 'US-002',
			CreditLimitIsMandatory: 'Yes',
			OnHoldStatus: 'Invoice',
			OpenedOn: '2021-06-23T12:00:00Z',
			LastContact: '2024-03-01T10:20:30Z',
			PartyType: 'Organization',
		});
		expect(result.target.lookups).toEqual({});
		expect(result.source.key).toEqual({ accountnumber: 'US-001', 'msdyn_company.cdm_companycode': 'USMF' });
	});

	it("writes F&O's blanks for Dataverse nulls (F&O has no null)", () => {
		const blank = mapped(
			apply(compiled, 'dataverse->fo', dvAccount({ name: null, creditlimit: null, msdyn_openedon: null, msdyn_lastcontact: null, msdyn_customergroupid: null })),
		);
		expect(blank.target.record).toMatchObject({ OrganizationName: '', CreditLimit: 0, OpenedOn: '1900-01-01T12:00:00Z', LastContact: '1900-01-01T12:00:00Z', CustomerGroupId: '' });
	});

	it('accepts flattened lookup paths too', () => {
		const flat = dvAccount({ msdyn_customergroupid: undefined, 'msdyn_customergroupid.msdyn_groupid': '20' });
		delete flat.msdyn_customergroupid;
		expect(mapped(apply(compiled, 'dataverse->fo', flat)).target.record.CustomerGroupId).toBe('20');
	});

	it('hashRecord of the stored F&O record equals the hash of the write', () => {
		expect(hashRecord(compiled, 'fo', result.target.record)).toBe(result.hash);
	});

	it('skips by the Dataverse filter', () => {
		expect(apply(compiled, 'dataverse->fo', dvAccount({ customertypecode: 1 }))).toMatchObject({ kind: 'skipped', decision: 'filtered' });
	});
});

describe('MapError', () => {
	const error = (direction: 'fo->dataverse' | 'dataverse->fo', record: Record<string, unknown>): MapError => {
		try {
			apply(compiled, direction, record);
		} catch (caught) {
			if (caught instanceof MapError) return caught;
			throw caught;
		}
		throw new Error('apply did not throw');
	};

	it('names the missing key field', () => {
		const e = error('fo->dataverse', foCustomer({ CustomerAccount: '' }));
		expect(e.message).toContain('CustomerAccount');
		expect(e.message).toContain('customers-v3-accounts');
		expect(e.context.field).toBe('CustomerAccount');
	});

	it('names row, value and record key for a value with no value-map entry', () => {
		const e = error('fo->dataverse', foCustomer({ OnHoldStatus: 'Never' }));
		expect(e.message).toContain('no value-map entry');
		expect(e.context).toMatchObject({ field: 'OnHoldStatus >< msdyn_onholdstatus', value: 'Never', recordKey: { dataAreaId: 'usmf', CustomerAccount: 'US-001' } });
	});

	it('matches F&O enum symbols case-insensitively', () => {
		expect(mapped(apply(compiled, 'fo->dataverse', foCustomer({ OnHoldStatus: 'invoice' }))).target.record.msdyn_onholdstatus).toBe(192350001);
	});

	it('reports a type mismatch', () => {
		const e = error('fo->dataverse', foCustomer({ CreditLimit: 'lots' }));
		expect(e.message).toContain('type mismatch');
		expect(e.context.value).toBe('lots');
	});

	it('reports a missing company', () => {
		expect(error('dataverse->fo', dvAccount({ msdyn_company: null })).message).toContain('company');
	});
});

describe('directions', () => {
	it("skips a direction the map does not write as 'not-this-direction'", () => {
		const oneWay = compileMap({
			id: 'units-uoms',
			version: '1.0.0',
			title: 'Units (uoms)',
			fo: { entity: 'UnitsOfMeasure', key: ['UnitSymbol'] },
			dataverse: { entity: 'uoms', key: ['msdyn_symbol'] },
			fields: [
				{ fo: 'UnitSymbol', dataverse: 'msdyn_symbol', direction: 'fo->dataverse' },
				{ fo: 'UnitSymbol', dataverse: 'name', direction: 'fo->dataverse' },
			],
		});
		expect(apply(oneWay, 'dataverse->fo', { msdyn_symbol: 'kg' })).toMatchObject({ kind: 'skipped', decision: 'not-this-direction' });
		expect(mapped(apply(oneWay, 'fo->dataverse', { UnitSymbol: 'kg' })).target.record).toEqual({ msdyn_symbol: 'kg', name: 'kg' });
	});
});

describe('polymorphic lookups', () => {
	const orders = compileMap({
		id: 'orders',
		version: '1.0.0',
		title: 'Orders',
		fo: { entity: 'CDSSalesOrderHeaders', key: ['dataAreaId', 'SalesOrderNumber'] },
		dataverse: { entity: 'salesorders', key: ['msdyn_salesordernumber', 'msdyn_company.cdm_companycode'] },
		company: { fo: 'dataAreaId', dataverse: 'msdyn_company.cdm_companycode' },
		fields: [
			{ fo: 'SalesOrderNumber', dataverse: 'msdyn_salesordernumber', direction: 'both' },
			{
				fo: 'OrderingCustomerAccountNumber',
				dataverse: 'customerid.Account(accountnumber).Contact(msdyn_contactpersonid)',
				direction: 'both',
				lookup: { entity: 'accounts', company: true, entities: { Account: 'accounts', Contact: 'contacts' }, targetBy: { field: 'CustomerPartyType', values: { Person: 'Contact' } } },
			},
		],
	});
	const order = { dataAreaId: 'usmf', SalesOrderNumber: 'SO-1', OrderingCustomerAccountNumber: 'US-001' };

	it('F&O → Dataverse binds the first target unless the hint field names another', () => {
		const toAccount = mapped(apply(orders, 'fo->dataverse', order));
		expect(toAccount.target.lookups.customerid_account).toEqual({ entity: 'accounts', key: { accountnumber: 'US-001', 'msdyn_company.cdm_companycode': 'usmf' } });
		const toContact = mapped(apply(orders, 'fo->dataverse', { ...order, CustomerPartyType: 'Person' }));
		expect(toContact.target.lookups.customerid_contact).toEqual({ entity: 'contacts', key: { msdyn_contactpersonid: 'US-001', 'msdyn_company.cdm_companycode': 'usmf' } });
		expect(toContact.target.lookups.customerid_account).toBeUndefined();
	});

	it('Dataverse → F&O reads whichever expanded target is not null', () => {
		const base = { msdyn_salesordernumber: 'SO-1', msdyn_company: { cdm_companycode: 'usmf' } };
		const viaContact = mapped(apply(orders, 'dataverse->fo', { ...base, customerid_account: null, customerid_contact: { msdyn_contactpersonid: 'C-9' } }));
		expect(viaContact.target.record.OrderingCustomerAccountNumber).toBe('C-9');
		const viaAccount = mapped(apply(orders, 'dataverse->fo', { ...base, customerid_account: { accountnumber: 'US-001' }, customerid_contact: null }));
		expect(viaAccount.target.record.OrderingCustomerAccountNumber).toBe('US-001');
	});

	it('sourceQuery expands every target', () => {
		expect(sourceQuery(orders, 'dataverse->fo').expand).toEqual(
			expect.arrayContaining([
				{ navigation: 'customerid_account', select: ['accountnumber'] },
				{ navigation: 'customerid_contact', select: ['msdyn_contactpersonid'] },
			]),
		);
		expect(sourceQuery(orders, 'fo->dataverse').select).toContain('CustomerPartyType');
	});
});

describe('sourceQuery', () => {
	it('Dataverse → F&O: plain columns in $select, lookups and the company as $expand with the key field', () => {
		const query = sourceQuery(compiled, 'dataverse->fo');
		expect(query.entity).toBe('accounts');
		expect(query.select).toEqual(expect.arrayContaining(['accountnumber', 'name', 'creditlimit', 'customertypecode']));
		expect(query.select.some((field) => field.includes('.'))).toBe(false);
		expect(query.expand).toEqual(
			expect.arrayContaining([
				{ navigation: 'msdyn_company', select: ['cdm_companycode'] },
				{ navigation: 'msdyn_customergroupid', select: ['msdyn_groupid'] },
				{ navigation: 'transactioncurrencyid', select: ['isocurrencycode'] },
			]),
		);
	});

	it('F&O → Dataverse: the F&O fields, keys and filter fields', () => {
		const query = sourceQuery(compiled, 'fo->dataverse');
		expect(query.select).toEqual(expect.arrayContaining(['dataAreaId', 'CustomerAccount', 'CustomerGroupId', 'PartyType']));
		expect(query.expand).toEqual([]);
	});
});
