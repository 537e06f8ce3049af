import { dataAreaIdField, enm, modifiedField, noYes, str, type EntityDef, type FieldDef } from '../model';

const primaryAddress: FieldDef[] = [
	str('PrimaryAddressCity', 'City', 60),
	str('PrimaryAddressCountryRegionId', 'Country/region', 10),
	str('PrimaryAddressStateId', 'State', 10),
	str('PrimaryAddressStreet', 'Street', 250),
	str('PrimaryAddressZipCode', 'ZIP/postal code', 10),
	str('FormattedPrimaryAddress', 'Address', 250),
];

export const OperationalSites: EntityDef = {
	setName: 'OperationalSites',
	typeName: 'OperationalSite',
	aotName: 'InventOperationalSiteEntity',
	table: { name: 'InventSite', label: 'Sites' },
	companySpecific: true,
	keys: ['dataAreaId', 'SiteId'],
	fields: [
		dataAreaIdField,
		str('SiteId', 'Site', 10, { mandatory: true }),
		str('SiteName', 'Name', 60),
		str('DefaultFinancialDimensionValue', 'Financial dimensions', 500),
		str('DefaultInventoryStatusId', 'Default inventory status', 10),
		str('TaxBranchCode', 'Tax branch', 10),
		str('FiscalEstablishmentId', 'Fiscal establishment', 20),
		noYes('IsReceivingWarehouseOverrideAllowed', 'Allow receiving warehouse override'),
		noYes('IsPrimaryAddressAssigned', 'Primary address assigned'),
		noYes('WillMasterPlannedIntraSiteMovementsUseTransferJournals', 'Master planned intra-site movements use transfer journals'),
		...primaryAddress,
		modifiedField,
	],
};

const warehouseRef = (name: string, label: string) => str(name, label, 10, { foreignKey: { entity: 'Warehouses', tableLabel: 'Warehouses' } });

export const Warehouses: EntityDef = {
	setName: 'Warehouses',
	typeName: 'Warehouse',
	aotName: 'InventWarehouseEntity',
	table: { name: 'InventLocation', label: 'Warehouses' },
	companySpecific: true,
	keys: ['dataAreaId', 'WarehouseId'],
	fields: [
		dataAreaIdField,
		str('WarehouseId', 'Warehouse', 10, { mandatory: true }),
		str('WarehouseName', 'Name', 60),
		str('OperationalSiteId', 'Site', 10, { mandatory: true, foreignKey: { entity: 'OperationalSites', tableLabel: 'Sites' } }),
		enm('WarehouseType', 'Type', 'InventLocationType', { default: 'Standard' }),
		warehouseRef('QuarantineWarehouseId', 'Quarantine warehouse'),
		warehouseRef('TransitWarehouseId', 'Transit warehouse'),
		warehouseRef('MainRefillingWarehouseId', 'Main warehouse'),
		noYes('IsWarehouseManagementProcessesEnabled', 'Use warehouse management processes'),
		...primaryAddress,
		modifiedField,
	],
};
