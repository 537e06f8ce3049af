import type { EntityDef } from '../model';
import { Currencies, LegalEntities, UnitsOfMeasure } from './global';
import { CustomerGroups, CustomerPaymentMethods, PaymentDays, PaymentSchedules, PaymentTerms, SalesTaxGroups, VendorGroups, VendorPaymentMethods } from './finance';
import { CDSContactsV2, CustomersV3, VendorsV2 } from './parties';
import { CDSReleasedDistinctProducts, ReleasedProductsV2 } from './products';
import { OperationalSites, Warehouses } from './logistics';
import { CDSSalesOrderHeaders, CDSSalesOrderLinesV2 } from './sales';

/** Every exposed entity. Order matters only for seeding and the service document. */
export const ENTITIES: EntityDef[] = [
	LegalEntities,
	Currencies,
	UnitsOfMeasure,
	PaymentDays,
	PaymentSchedules,
	CustomerPaymentMethods,
	VendorPaymentMethods,
	SalesTaxGroups,
	VendorGroups,
	PaymentTerms,
	CustomerGroups,
	CustomersV3,
	VendorsV2,
	CDSContactsV2,
	ReleasedProductsV2,
	CDSReleasedDistinctProducts,
	OperationalSites,
	Warehouses,
	CDSSalesOrderHeaders,
	CDSSalesOrderLinesV2,
];
