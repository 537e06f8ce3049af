import type { EntityDef } from '../model';
import { Currencies, LegalEntities, UnitsOfMeasure } from './global';
import { CustomerGroups, PaymentTerms } from './finance';
import { CustomersV3, VendorsV2 } from './parties';
import { ReleasedProductsV2 } from './products';
import { OperationalSites, Warehouses } from './logistics';
import { CDSSalesOrderHeaders, CDSSalesOrderLinesV2 } from './sales';

/** Every exposed entity. Order matters only for seeding and the service document. */
export const ENTITIES: EntityDef[] = [
	LegalEntities,
	Currencies,
	UnitsOfMeasure,
	PaymentTerms,
	CustomerGroups,
	CustomersV3,
	VendorsV2,
	ReleasedProductsV2,
	OperationalSites,
	Warehouses,
	CDSSalesOrderHeaders,
	CDSSalesOrderLinesV2,
];
