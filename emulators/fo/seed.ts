import { generateCustomers, generateWorld, type Customer, type WorldOptions } from '../common/world';
import { MODIFIED_FIELD } from './model';
import type { Store, Values } from './store';
import { coerce } from './values';

/** Seeded rows carry a fixed modification time so the seed is byte-for-byte deterministic. */
const SEED_TIME = '2024-01-01T00:00:00Z';

const yesNo = (b: boolean) => (b ? 'Yes' : 'No');

/**
 * Projects the shared business world into the F&O entities. Rows go straight into the store (the world
 * is consistent by construction), but every value still passes the field's type check, so a definition
 * and the world can never drift apart silently. Customers stream from the generator, which keeps
 * 100k+ customer seeds to one copy in memory.
 */
export function seedStore(store: Store, options: WorldOptions): void {
	const put = (setName: string, supplied: Record<string, string | number | boolean>): void => {
		const set = store.set(setName);
		if (!set) throw new Error(`Seed: no entity set ${setName}`);
		const values: Values = { ...set.blank };
		for (const [name, raw] of Object.entries(supplied)) {
			const field = set.fieldByName.get(name);
			if (!field) throw new Error(`Seed: ${setName} has no field ${name}`);
			const c = coerce(field, typeof raw === 'boolean' ? yesNo(raw) : raw);
			if (!c.ok) throw new Error(`Seed: ${setName}.${name}: ${c.message}`);
			values[name] = c.value;
		}
		values[MODIFIED_FIELD] = SEED_TIME;
		set.insert(values);
	};

	const world = generateWorld({ ...options, customersPerCompany: 0 });
	for (const c of world.currencies) put('Currencies', { CurrencyCode: c.code, Name: c.name, Symbol: c.symbol });
	for (const u of world.units) {
		put('UnitsOfMeasure', { UnitSymbol: u.symbol, UnitDescription: u.description, UnitClass: u.unitClass, DecimalPrecision: u.decimals, IsSystemUnit: true, SystemOfUnits: 'Metric' });
	}
	for (const c of world.companies) put('LegalEntities', { LegalEntityId: c.id, Name: c.name, AccountingCurrency: c.currency, AddressCountryRegionId: c.country });
	const setup: Array<[keyof typeof world & ('paymentDays' | 'paymentSchedules' | 'customerPaymentMethods' | 'vendorPaymentMethods' | 'salesTaxGroups' | 'vendorGroups'), string, string]> = [
		['paymentDays', 'PaymentDays', 'Name'],
		['paymentSchedules', 'PaymentSchedules', 'Name'],
		['customerPaymentMethods', 'CustomerPaymentMethods', 'Name'],
		['vendorPaymentMethods', 'VendorPaymentMethods', 'Name'],
		['salesTaxGroups', 'SalesTaxGroups', 'TaxGroupCode'],
		['vendorGroups', 'VendorGroups', 'VendorGroupId'],
	];
	for (const [kind, setName, keyField] of setup) {
		for (const row of world[kind]) put(setName, { dataAreaId: row.company, [keyField]: row.name, Description: row.description });
	}
	for (const t of world.paymentTerms) {
		put('PaymentTerms', {
			dataAreaId: t.company,
			Name: t.name,
			Description: t.description,
			NumberOfDays: t.days,
			NumberOfMonths: t.months,
			CutOffDayOfMonth: t.cutOffDayOfMonth,
			IsCashPayment: t.isCash,
			IsDefaultPaymentTerm: t.isDefault,
			PaymentMethodType: t.months > 0 ? 'CurrentMonth' : t.isCash ? 'COD' : 'Net',
			PaymentDayName: t.paymentDay,
		});
	}
	for (const g of world.customerGroups) {
		put('CustomerGroups', { dataAreaId: g.company, CustomerGroupId: g.id, Description: g.description, PaymentTermId: g.paymentTermId, IsSalesTaxIncludedInPrice: g.salesTaxIncludedInPrice });
	}
	const customersPer = options.customersPerCompany ?? 25;
	const firstCustomers = new Map<string, Customer[]>();
	for (const company of world.companies) {
		const first: Customer[] = [];
		for (const c of generateCustomers(company, customersPer, options.seed ?? 1)) {
			// Sales orders go to organisations: their invoice account is an account in Dataverse.
			if (first.length < 3 && c.partyType === 'Organization') first.push(c);
			put('CustomersV3', {
				dataAreaId: c.company,
				CustomerAccount: c.account,
				PartyType: c.partyType,
				PartyNumber: c.partyNumber,
				OrganizationName: c.partyType === 'Organization' ? c.name : '',
				PersonFirstName: c.firstName,
				PersonLastName: c.lastName,
				CustomerGroupId: c.group,
				SalesCurrencyCode: c.currency,
				PaymentTerms: c.paymentTerms,
				CreditLimit: c.creditLimit,
				CreditLimitIsMandatory: c.creditLimitIsMandatory,
				OnHoldStatus: c.onHold,
				PrimaryContactEmail: c.email,
				PrimaryContactPhone: c.phone,
				AddressStreet: c.address.street,
				AddressCity: c.address.city,
				AddressZipCode: c.address.zip,
				AddressState: c.address.state,
				AddressCountryRegionId: c.address.country,
				SalesMemo: c.salesMemo,
				InvoiceAccount: c.invoiceAccount,
				PaymentMethod: c.paymentMethod,
				PaymentDay: c.paymentDay,
				PaymentSchedule: c.paymentSchedule,
				SalesTaxGroup: c.salesTaxGroup,
				PartyCountry: c.address.country,
				PartyState: c.address.state,
				DeliveryAddressStreet: c.address.street,
				DeliveryAddressCity: c.address.city,
				DeliveryAddressZipCode: c.address.zip,
				DeliveryAddressState: c.address.state,
				DeliveryAddressCountryRegionISOCode: c.address.country,
				InvoiceAddressStreet: c.address.street,
				InvoiceAddressCity: c.address.city,
				InvoiceAddressZipCode: c.address.zip,
				InvoiceAddressState: c.address.state,
				InvoiceAddressCountryRegionISOCode: c.address.country,
			});
		}
		firstCustomers.set(company.id, first);
	}
	for (const v of world.vendors) {
		put('VendorsV2', {
			dataAreaId: v.company,
			VendorAccountNumber: v.account,
			VendorOrganizationName: v.name,
			VendorGroupId: v.group,
			CurrencyCode: v.currency,
			DefaultPaymentTermsName: v.paymentTerms,
			VendorPartyType: v.partyType,
			VendorPartyNumber: v.partyNumber,
			CreditLimit: v.creditLimit,
			DefaultVendorPaymentMethodName: v.paymentMethod,
			DefaultPaymentDayName: v.paymentDay,
			SalesTaxGroupCode: v.salesTaxGroup,
		});
	}
	for (const c of world.vendorContacts) {
		put('CDSContactsV2', {
			dataAreaId: c.company,
			ContactPersonId: c.contactPersonId,
			ContactPersonPartyNumber: c.partyNumber,
			AssociatedContactType: 'Vendor',
			AssociatedContactNumber: c.vendorAccount,
			FirstName: c.firstName,
			LastName: c.lastName,
			EmploymentDepartment: c.department,
			PrimaryEmailAddress: c.email,
			PrimaryPhoneNumber: c.phone,
		});
	}
	for (const p of world.products) {
		put('ReleasedProductsV2', {
			dataAreaId: p.company,
			ItemNumber: p.itemNumber,
			ProductNumber: p.productNumber,
			ProductName: p.name,
			ProductSearchName: p.name.slice(0, 20),
			ProductDescription: p.description,
			ProductType: p.productType,
			SalesPrice: p.salesPrice,
			UnitCost: p.unitCost,
			InventoryUnitSymbol: p.unit,
			SalesUnitSymbol: p.unit,
			PurchaseUnitSymbol: p.unit,
		});
		put('CDSReleasedDistinctProducts', {
			dataAreaId: p.company,
			ProductNumber: p.productNumber,
			ItemNumber: p.itemNumber,
			ProductName: p.name,
			ProductDescription: p.description,
			ProductType: p.productType,
			CurrencyCode: world.companies.find((c) => c.id === p.company)?.currency ?? 'USD',
			SalesUnitSymbol: p.unit,
			SalesUnitDecimalPrecision: world.units.find((u) => u.symbol === p.unit)?.decimals ?? 0,
			SalesPrice: p.salesPrice,
			UnitCost: p.unitCost,
			IsStockedProduct: p.productType === 'Item',
		});
	}
	// The world has no sites, warehouses or orders; derive a small, fixed logistics layout per company.
	for (const company of world.companies) {
		const id = company.id;
		for (const site of ['1', '2']) {
			put('OperationalSites', { dataAreaId: id, SiteId: site, SiteName: `Site ${site} — ${company.name}`.slice(0, 60), PrimaryAddressCountryRegionId: company.country, IsReceivingWarehouseOverrideAllowed: site === '1' });
		}
		// The quarantine warehouse comes first: the others name it as their quarantine warehouse (a self-reference).
		for (const [wh, site, type] of [['QA', '1', 'Quarantine'], ['11', '1', 'Standard'], ['12', '1', 'Standard'], ['21', '2', 'Standard']]) {
			put('Warehouses', {
				dataAreaId: id,
				WarehouseId: wh,
				WarehouseName: `Warehouse ${wh}`,
				OperationalSiteId: site,
				WarehouseType: type,
				QuarantineWarehouseId: type === 'Standard' ? 'QA' : '',
				IsWarehouseManagementProcessesEnabled: wh === '11',
				PrimaryAddressCountryRegionId: company.country,
			});
		}
		const products = world.products.filter((p) => p.company === id);
		(firstCustomers.get(id) ?? []).forEach((customer, i) => {
			const number = String(i + 1).padStart(6, '0');
			put('CDSSalesOrderHeaders', {
				dataAreaId: id,
				SalesOrderNumber: number,
				OrderingCustomerAccountNumber: customer.account,
				InvoiceCustomerAccountNumber: customer.account,
				SalesOrderName: customer.name.slice(0, 100),
				CurrencyCode: customer.currency,
				PaymentTermsName: customer.paymentTerms,
				DefaultShippingSiteId: '1',
				DefaultShippingWarehouseId: '11',
				SalesOrderProcessingStatus: 'Confirmed',
				RequestedShippingDate: `2024-02-0${i + 1}`,
				DeliveryAddressCity: customer.address.city,
				DeliveryAddressCountryRegionISOCode: customer.address.country,
				DeliveryAddressStreet: customer.address.street,
				DeliveryAddressZipCode: customer.address.zip,
				InvoiceAddressCity: customer.address.city,
				InvoiceAddressCountryRegionISOCode: customer.address.country,
				InvoiceAddressStreet: customer.address.street,
				InvoiceAddressZipCode: customer.address.zip,
				Email: customer.email,
			});
			for (let line = 1; line <= 2 && products.length; line++) {
				const p = products[(i * 2 + line - 1) % products.length];
				const qty = line * 2;
				put('CDSSalesOrderLinesV2', {
					dataAreaId: id,
					SalesOrderNumber: number,
					LineCreationSequenceNumber: line,
					ItemNumber: p.itemNumber,
					ProductNumber: p.productNumber,
					ProductName: p.name,
					OrderedSalesQuantity: qty,
					SalesUnitSymbol: p.unit,
					SalesPrice: p.salesPrice,
					LineAmount: Math.round(qty * p.salesPrice * 100) / 100,
					CurrencyCode: customer.currency,
					ShippingSiteId: '1',
					ShippingWarehouseId: '11',
				});
			}
		});
	}
}
