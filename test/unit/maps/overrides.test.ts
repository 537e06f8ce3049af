import { applyOverrides, catalogMap, loadCatalog, mapDirections, parseScalar, validateMap } from '../../../lib/maps';

describe('map catalog and overrides', () => {
	it('loads all 20 catalog maps, sorted by id', () => {
		const catalog = loadCatalog();
		expect(catalog).toHaveLength(20);
		expect(catalog.map((map) => map.id)).toEqual([...catalog.map((map) => map.id)].sort());
		expect(mapDirections(catalogMap('units-uoms')!)).toEqual(['fo->dataverse']);
		expect(mapDirections(catalogMap('customers-v3-accounts')!)).toEqual(['fo->dataverse', 'dataverse->fo']);
	});

	it('replaces a row by its F&O field (keeping its lookup when the column stays), appends a new one, adds value pairs', () => {
		const customers = catalogMap('customers-v3-accounts')!;
		const changed = applyOverrides(customers, {
			fields: [
				{ fo: 'CustomerGroupId', dataverse: 'msdyn_customergroupid.msdyn_groupid', direction: 'fo->dataverse' },
				{ fo: 'SalesDistrict', dataverse: 'msdyn_salesdistrict', direction: 'fo->dataverse', default: 'NORTH' },
			],
			valuePairs: [{ field: 'msdyn_onholdstatus', fo: 'Weird', dataverse: 42 }],
		});
		const group = changed.fields.find((row) => row.fo === 'CustomerGroupId')!;
		expect(group).toMatchObject({ direction: 'fo->dataverse', lookup: { entity: 'msdyn_customergroups' } });
		expect(changed.fields.at(-1)).toEqual({ fo: 'SalesDistrict', dataverse: 'msdyn_salesdistrict', direction: 'fo->dataverse', default: 'NORTH' });
		expect(changed.fields.find((row) => row.fo === 'OnHoldStatus')!.valueMap).toContainEqual({ fo: 'Weird', dataverse: 42 });
		expect(changed.fields).toHaveLength(customers.fields.length + 1);
		// The catalog object itself is untouched.
		expect(customers.fields.find((row) => row.fo === 'CustomerGroupId')!.direction).toBe('both');
		expect(validateMap(changed).filter((issue) => issue.severity === 'error')).toEqual([]);
	});

	it('names the missing row of a value pair', () => {
		expect(() => applyOverrides(catalogMap('units-uoms')!, { valuePairs: [{ field: 'Nope', fo: 1, dataverse: 2 }] })).toThrow(/no row for field "Nope"/);
	});

	it('reads UI text as JSON scalars where it can', () => {
		expect([parseScalar('12'), parseScalar('-1.5'), parseScalar('true'), parseScalar('null'), parseScalar('Yes'), parseScalar('007x')]).toEqual([12, -1.5, true, null, 'Yes', '007x']);
	});
});
