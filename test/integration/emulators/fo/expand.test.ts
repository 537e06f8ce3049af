/** `$expand` one level (reference §3.2): navigations derived from foreign keys, `$select` inside, nothing deeper. */
import { customerPath, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

type Row = Record<string, unknown>;
const errorMessage = (r: { json: <T>() => T }) => r.json<{ error: { message: string } }>().error.message;

describe('F&O emulator: $expand', () => {
	it('declares navigation properties and their bindings in $metadata', async () => {
		const r = await h.call('GET', '/data/$metadata');
		const xml = r.text;
		expect(xml).toContain('<NavigationProperty Name="CustomerGroup" Type="Microsoft.Dynamics.DataEntities.CustomerGroup"><ReferentialConstraint Property="CustomerGroupId" ReferencedProperty="CustomerGroupId"/></NavigationProperty>');
		expect(xml).toContain('<NavigationProperty Name="CDSSalesOrderLinesV2" Type="Collection(Microsoft.Dynamics.DataEntities.');
		expect(xml).toContain('<NavigationPropertyBinding Path="CustomerGroup" Target="CustomerGroups"/>');
	});

	it('expands a single-valued navigation in the row\'s company, with $select inside', async () => {
		const one = await h.get<Row>(`${customerPath('usmf', 'US-000001')}?$select=CustomerAccount,CustomerGroupId&$expand=CustomerGroup($select=CustomerGroupId,Description)`);
		const group = one.CustomerGroup as Row;
		expect(group.CustomerGroupId).toBe(one.CustomerGroupId);
		expect(Object.keys(group).filter((name) => !name.startsWith('@')).sort()).toEqual(['CustomerGroupId', 'Description']);
		const page = await h.get<{ value: Row[] }>(`/data/CustomersV3?cross-company=true&$filter=dataAreaId%20eq%20'demf'&$top=3&$expand=CustomerGroup`);
		expect(page.value).toHaveLength(3);
		for (const row of page.value) expect((row.CustomerGroup as Row).dataAreaId).toBe('demf');
	});

	it('expands a collection (order lines) and answers null for an empty foreign key', async () => {
		const order = await h.get<Row>(`/data/CDSSalesOrderHeaders(dataAreaId='usmf',SalesOrderNumber='000001')?$expand=CDSSalesOrderLinesV2($select=SalesOrderNumber,LineCreationSequenceNumber)`);
		const lines = order.CDSSalesOrderLinesV2 as Row[];
		expect(lines.length).toBe(2);
		for (const line of lines) expect(line.SalesOrderNumber).toBe('000001');
		const noInvoice = await h.get<{ value: Row[] }>(`/data/CustomersV3?$filter=InvoiceAccount%20eq%20''&$top=1&$expand=CustomerV3`);
		expect(noInvoice.value[0].CustomerV3).toBeNull();
	});

	it.each([
		['$expand=Lines', /Could not find a navigation property named 'Lines'/],
		['$expand=CustomerGroup($expand=PaymentTerm)', /Only \$select is supported inside \$expand/],
		['$expand=CustomerGroup($top=1)', /Only \$select is supported inside \$expand/],
		['$expand=CustomerGroup($select=Nope)', /Could not find a property named 'Nope'/],
	])('400 for %s', async (query, message) => {
		const r = await h.call('GET', `/data/CustomersV3?${query}`);
		expect(r.status).toBe(400);
		expect(errorMessage(r)).toMatch(message);
	});
});
