import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

describe('F&O emulator: service document and $metadata', () => {
	it('lists every entity set in the service document', async () => {
		const doc = await h.get<{ '@odata.context': string; value: Array<{ name: string; kind: string; url: string }> }>('/data/');
		expect(doc['@odata.context']).toBe(`${h.url}/data/$metadata`);
		const names = doc.value.map((v) => v.name);
		for (const n of ['LegalEntities', 'Currencies', 'UnitsOfMeasure', 'CustomerGroups', 'PaymentTerms', 'CustomersV3', 'VendorsV2', 'ReleasedProductsV2', 'Warehouses', 'OperationalSites', 'CDSSalesOrderHeaders', 'CDSSalesOrderLinesV2']) {
			expect(names).toContain(n);
		}
		expect(doc.value.find((v) => v.name === 'CustomersV3')).toEqual({ name: 'CustomersV3', kind: 'EntitySet', url: 'CustomersV3' });
	});

	it('serves CSDL with entity sets, composite keys, typed properties and enum types', async () => {
		const r = await h.call('GET', '/data/$metadata');
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toMatch(/xml/);
		const xml = r.text;
		expect(xml).toContain('<Schema Namespace="Microsoft.Dynamics.DataEntities"');
		expect(xml).toContain('<EntitySet Name="CustomersV3" EntityType="Microsoft.Dynamics.DataEntities.CustomerV3"');
		expect(xml).toMatch(/<EntityType Name="CustomerV3"><Key><PropertyRef Name="dataAreaId"\/><PropertyRef Name="CustomerAccount"\/><\/Key>/);
		expect(xml).toMatch(/<EntityType Name="Currency"><Key><PropertyRef Name="CurrencyCode"\/><\/Key>/);
		expect(xml).toContain('<Property Name="OrganizationName" Type="Edm.String" Nullable="false" MaxLength="100">');
		expect(xml).toMatch(/<Property Name="CreditLimit" Type="Edm.Decimal"/);
		expect(xml).toMatch(/<Property Name="LineCreationSequenceNumber" Type="Edm.Int32"/);
		expect(xml).toMatch(/<Property Name="ModifiedDateTime" Type="Edm.DateTimeOffset"/);
		expect(xml).toMatch(/<Property Name="OnHoldStatus" Type="Microsoft.Dynamics.DataEntities.CustVendorBlocked"/);
		expect(xml).toContain('<EnumType Name="NoYes"><Member Name="No" Value="0"/><Member Name="Yes" Value="1"/></EnumType>');
		expect(xml).toMatch(/<EnumType Name="CustVendorBlocked">(<Member Name="(No|Invoice|All|Payment|Requisition|Never)" Value="\d"\/>){6}<\/EnumType>/);
	});

	it('404 for an unknown entity set, and for paths outside /data', async () => {
		const r = await h.call('GET', '/data/NoSuchEntities');
		expect(r.status).toBe(404);
		expect(r.json<{ error: { message: string } }>().error.message).toContain("'NoSuchEntities'");
		expect((await h.call('GET', '/data/customersv3')).status).toBe(404);
		const outside = await h.call('GET', '/api/data/v9.2/accounts');
		expect(outside.status).toBe(404);
		expect(outside.json<{ Message: string }>().Message).toMatch(/No HTTP resource was found/);
	});
});
