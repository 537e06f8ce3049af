import { dataAreaIdField, date, dec, enm, int, modifiedField, noYes, str, type EntityDef } from '../model';

const unit = (name: string, label: string) => str(name, label, 10, { foreignKey: { entity: 'UnitsOfMeasure', tableLabel: 'Units' } });

export const ReleasedProductsV2: EntityDef = {
	setName: 'ReleasedProductsV2',
	typeName: 'ReleasedProductV2',
	aotName: 'EcoResReleasedProductV2Entity',
	table: { name: 'InventTable', label: 'Items' },
	companySpecific: true,
	keys: ['dataAreaId', 'ItemNumber'],
	fields: [
		dataAreaIdField,
		str('ItemNumber', 'Item number', 20, { mandatory: true }),
		str('ProductNumber', 'Product number', 20, { mandatory: true }),
		str('ProductName', 'Product name', 60),
		str('ProductSearchName', 'Search name', 20),
		str('ProductDescription', 'Description', 1000),
		enm('ProductType', 'Product type', 'EcoResProductType', { default: 'Item' }),
		enm('ProductSubType', 'Product subtype', 'EcoResProductSubtype', { default: 'Product' }),
		str('ItemModelGroupId', 'Item model group', 10),
		str('ProductGroupId', 'Item group', 10),
		str('StorageDimensionGroupName', 'Storage dimension group', 10),
		str('TrackingDimensionGroupName', 'Tracking dimension group', 10),
		str('ProductDimensionGroupName', 'Product dimension group', 10),
		unit('InventoryUnitSymbol', 'Inventory unit'),
		unit('SalesUnitSymbol', 'Sales unit'),
		unit('PurchaseUnitSymbol', 'Purchase unit'),
		unit('BOMUnitSymbol', 'BOM unit'),
		dec('SalesPrice', 'Sales price'),
		dec('PurchasePrice', 'Purchase price'),
		dec('UnitCost', 'Cost price'),
		dec('NetProductWeight', 'Net weight'),
		dec('TareProductWeight', 'Tare weight'),
		dec('ProductVolume', 'Volume'),
		date('SellStartDate', 'Sell start date'),
		date('ShipStartDate', 'Ship start date'),
		str('PrimaryVendorAccountNumber', 'Vendor', 20, { foreignKey: { entity: 'VendorsV2', tableLabel: 'Vendors' } }),
		str('AlternativeItemNumber', 'Alternative item', 20),
		noYes('IsCatchWeightProduct', 'Catch weight item'),
		modifiedField,
	],
};

/**
 * CDS released distinct products: one row per released product (or variant) as the `products` map reads it
 * (EcoResReleasedDistinctProductCDSEntity). The collection name `CDSReleasedDistinctProducts` follows the CDS
 * entities' naming and is not verified against a live `$metadata`.
 */
export const CDSReleasedDistinctProducts: EntityDef = {
	setName: 'CDSReleasedDistinctProducts',
	typeName: 'CDSReleasedDistinctProduct',
	aotName: 'EcoResReleasedDistinctProductCDSEntity',
	table: { name: 'InventTable', label: 'Items' },
	companySpecific: true,
	keys: ['dataAreaId', 'ProductNumber'],
	fields: [
		dataAreaIdField,
		str('ProductNumber', 'Product number', 20, { mandatory: true }),
		str('ItemNumber', 'Item number', 20, { mandatory: true, foreignKey: { entity: 'ReleasedProductsV2', tableLabel: 'Items' } }),
		str('ProductName', 'Product name', 60),
		str('ProductDescription', 'Description', 1000),
		enm('ProductType', 'Product type', 'EcoResProductType', { default: 'Item' }),
		str('CurrencyCode', 'Currency', 3, { foreignKey: { entity: 'Currencies', tableLabel: 'Currency' } }),
		unit('SalesUnitSymbol', 'Sales unit'),
		int('SalesUnitDecimalPrecision', 'Sales unit decimals'),
		dec('SalesPrice', 'Sales price'),
		dec('UnitCost', 'Cost price'),
		noYes('IsCatchWeightProduct', 'Catch weight item'),
		noYes('IsStockedProduct', 'Stocked product', { default: 'Yes' }),
		str('ProductColorId', 'Color', 10),
		str('ProductConfigurationId', 'Configuration', 10),
		str('ProductSizeId', 'Size', 10),
		str('ProductStyleId', 'Style', 10),
		modifiedField,
	],
};
