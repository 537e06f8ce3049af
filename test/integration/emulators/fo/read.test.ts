import { customerPath, keyLiteral, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness({ pageSize: 10 });
});
afterAll(() => h.close());

type Coll = { '@odata.context': string; '@odata.count'?: number; '@odata.nextLink'?: string; value: Array<Record<string, unknown>> };
const errorMessage = (r: { json: <T>() => T }) => r.json<{ error: { message: string } }>().error.message;

describe('F&O emulator: single entities by full composite key', () => {
	it('returns the entity with @odata.context ending #CustomersV3/$entity, an ETag and F&O value shapes', async () => {
		const r = await h.call('GET', customerPath('usmf', 'US-000001'));
		expect(r.status).toBe(200);
		const e = r.json();
		expect(e['@odata.context']).toBe(`${h.url}/data/$metadata#CustomersV3/$entity`);
		expect(e['@odata.etag']).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
		expect(r.headers.get('etag')).toBe(e['@odata.etag']);
		expect(e.dataAreaId).toBe('usmf');
		expect(e.CustomerAccount).toBe('US-000001');
		expect(typeof e.CreditLimit).toBe('number');
		expect(['Yes', 'No']).toContain(e.CreditLimitIsMandatory);
		expect(['No', 'Invoice', 'All']).toContain(e.OnHoldStatus);
		expect(e.PersonMiddleName).toBe('');
		expect(e.NameAlias).toBe('');
		expect(e.ModifiedDateTime).toBe('2024-01-01T00:00:00Z');
	});

	it("uses F&O's empty date 1900-01-01T12:00:00Z for blank dates", async () => {
		const p = await h.get<Record<string, unknown>>(`/data/ReleasedProductsV2(dataAreaId='usmf',ItemNumber='I1001')`);
		expect(p.SellStartDate).toBe('1900-01-01T12:00:00Z');
		const o = await h.get<Record<string, unknown>>(`/data/CDSSalesOrderHeaders(dataAreaId='usmf',SalesOrderNumber='000001')`);
		expect(o.RequestedShippingDate).toBe('2024-02-01T12:00:00Z');
		expect(o.ConfirmedShippingDate).toBe('1900-01-01T12:00:00Z');
	});

	it('decodes the ETag as base64 of \'<recVersion>,<RecId>\'', async () => {
		const e = await h.get<{ '@odata.etag': string }>(customerPath('usmf', 'US-000002'));
		const inner = /^W\/"(.*)"$/.exec(e['@odata.etag'])?.[1] ?? '';
		expect(Buffer.from(inner, 'base64').toString()).toMatch(/^'1,\d{10}'$/);
	});

	it('reads numeric key parts unquoted (three-part key of sales order lines)', async () => {
		const l = await h.get<Record<string, unknown>>(`/data/CDSSalesOrderLinesV2(dataAreaId='usmf',SalesOrderNumber='000001',LineCreationSequenceNumber=2)`);
		expect(l.LineCreationSequenceNumber).toBe(2);
		expect(l.SalesOrderNumber).toBe('000001');
	});

	it('accepts a single unnamed key value for a single-part key, and percent-encoded quotes', async () => {
		expect((await h.get<Record<string, unknown>>("/data/Currencies('EUR')")).Name).toBe('Euro');
		expect((await h.get<Record<string, unknown>>('/data/Currencies(CurrencyCode=%27GBP%27)')).Symbol).toBe('£');
	});

	it('matches key values case-insensitively, like F&O on SQL Server', async () => {
		const e = await h.get<Record<string, unknown>>(customerPath('USMF', 'us-000003'));
		expect(e.CustomerAccount).toBe('US-000003');
	});

	it('reads a key in another company by its dataAreaId', async () => {
		const e = await h.get<Record<string, unknown>>(customerPath('demf', 'DE-000001'));
		expect(e.dataAreaId).toBe('demf');
	});

	it('returns one property at /Entity(key)/Property', async () => {
		const v = await h.get<{ value: unknown }>(`${customerPath('usmf', 'US-000001')}/CustomerAccount`);
		expect(v.value).toBe('US-000001');
	});

	it('404 for a key that does not exist', async () => {
		const r = await h.call('GET', customerPath('usmf', 'NOPE'));
		expect(r.status).toBe(404);
		expect(errorMessage(r)).toMatch(/Resource not found for the segment 'CustomersV3'/);
	});

	it.each([
		["(CustomerAccount='US-000001')", /Missing key part\(s\): dataAreaId/],
		["(dataAreaId='usmf')", /Missing key part\(s\): CustomerAccount/],
		["('US-000001')", /single unnamed key value/],
		["(dataAreaId='usmf',CustomerAccount=US-000001)", /not a key value|must be quoted/],
		["(dataAreaId='usmf',CustomerAccount=42)", /must be quoted/],
		["(dataAreaId='usmf',CustomerAccount='US-000001',Extra='x')", /'Extra' is not a key property/],
		["(dataAreaId='usmf',dataAreaId='usmf')", /given twice/],
		["(dataAreaId='usmf',customeraccount='US-000001')", /must be written 'CustomerAccount'/],
		["(dataAreaId='usmf',CustomerAccount='US-000001'", /no closing parenthesis/],
		["(dataAreaId='usmf',CustomerAccount='US-000001)", /no closing parenthesis|unterminated/],
		['()', /The key is empty/],
		["(dataAreaId='usmf',CustomerAccount='%E0%A4%A')", /percent-encoding/],
	])('400 with a clear message for the malformed key %s', async (key, message) => {
		const r = await h.call('GET', `/data/CustomersV3${key}`);
		expect(r.status).toBe(400);
		expect(errorMessage(r)).toMatch(message);
	});
});

describe('F&O emulator: collections, company scope and query options', () => {
	it("returns only the caller's default company (usmf) without cross-company", async () => {
		const c = await h.get<Coll>('/data/CustomersV3?$select=dataAreaId&$top=100');
		expect(c.value).toHaveLength(10);
		const all = await h.get<Coll>('/data/CustomersV3?$select=dataAreaId&$count=true');
		expect(all['@odata.count']).toBe(25);
		expect(new Set(all.value.map((v) => v.dataAreaId))).toEqual(new Set(['usmf']));
	});

	it('returns every company with cross-company=true, and one with a dataAreaId filter', async () => {
		const all = await h.get<Coll>('/data/CustomersV3?cross-company=true&$count=true&$select=dataAreaId');
		expect(all['@odata.count']).toBe(75);
		const de = await h.get<Coll>("/data/CustomersV3?cross-company=true&$count=true&$filter=dataAreaId eq 'demf'&$select=dataAreaId");
		expect(de['@odata.count']).toBe(25);
		expect(new Set(de.value.map((v) => v.dataAreaId))).toEqual(new Set(['demf']));
		const none = await h.get<Coll>("/data/CustomersV3?$count=true&$filter=dataAreaId eq 'demf'");
		expect(none['@odata.count']).toBe(0);
	});

	it('global entities ignore company scope', async () => {
		const c = await h.get<Coll>('/data/LegalEntities');
		expect(c.value.map((v) => v.LegalEntityId)).toEqual(['usmf', 'demf', 'gbsi']);
		expect(c.value[0]).not.toHaveProperty('dataAreaId');
	});

	it('$select returns only the chosen fields plus @odata.etag, with the select list in the context', async () => {
		const c = await h.get<Coll>('/data/CustomersV3?$select=CustomerAccount,CreditLimit&$top=1');
		expect(c['@odata.context']).toBe(`${h.url}/data/$metadata#CustomersV3(CustomerAccount,CreditLimit)`);
		expect(Object.keys(c.value[0])).toEqual(['@odata.etag', 'CustomerAccount', 'CreditLimit']);
	});

	it('$top, $skip and $orderby (asc/desc, several keys)', async () => {
		const c = await h.get<Coll>('/data/CustomersV3?$orderby=CustomerAccount desc&$top=3&$skip=1&$select=CustomerAccount');
		expect(c.value.map((v) => v.CustomerAccount)).toEqual(['US-000024', 'US-000023', 'US-000022']);
		const byLimit = await h.get<Coll>('/data/CustomersV3?$orderby=CreditLimit asc,CustomerAccount&$select=CreditLimit&$top=25');
		const limits = byLimit.value.map((v) => v.CreditLimit as number);
		expect(limits).toEqual([...limits].sort((a, b) => a - b));
	});

	it('$count=true adds @odata.count; /Collection/$count is a plain number honouring $filter', async () => {
		const c = await h.get<Coll>("/data/CustomersV3?$count=true&$filter=PartyType eq 'Person'&$top=1");
		expect(typeof c['@odata.count']).toBe('number');
		const r = await h.call('GET', "/data/CustomersV3/$count?$filter=PartyType eq 'Person'");
		expect(r.status).toBe(200);
		expect(r.headers.get('content-type')).toMatch(/text\/plain/);
		expect(r.text).toBe(String(c['@odata.count']));
		expect((await h.call('GET', '/data/CustomersV3/$count?cross-company=true')).text).toBe('75');
	});

	it('pages server-side with @odata.nextLink built on $skip, keeping the other options', async () => {
		const seen: string[] = [];
		let next: string | undefined = '/data/CustomersV3?cross-company=true&$select=CustomerAccount&$filter=dataAreaId ne \'gbsi\'';
		let pages = 0;
		while (next) {
			const page: Coll = await h.get<Coll>(next);
			pages++;
			seen.push(...page.value.map((v) => v.CustomerAccount as string));
			next = page['@odata.nextLink'];
			if (next) {
				expect(next.startsWith(`${h.url}/data/CustomersV3?`)).toBe(true);
				expect(next).toMatch(/\$skip=\d+$/);
				expect(next).toContain('cross-company=true');
				expect(next).toContain('$select=CustomerAccount');
			}
		}
		expect(pages).toBe(5);
		expect(seen).toHaveLength(50);
		expect(new Set(seen).size).toBe(50);
	});

	it('a $top larger than the page size continues in the nextLink with the remaining $top', async () => {
		const first = await h.get<Coll>('/data/CustomersV3?$top=15&$select=CustomerAccount');
		expect(first.value).toHaveLength(10);
		expect(first['@odata.nextLink']).toMatch(/\$top=5&\$skip=10$/);
		const second = await h.get<Coll>(first['@odata.nextLink'] as string);
		expect(second.value).toHaveLength(5);
		expect(second['@odata.nextLink']).toBeUndefined();
	});

	it('no nextLink when $top fits in one page', async () => {
		const c = await h.get<Coll>('/data/CustomersV3?$top=10');
		expect(c['@odata.nextLink']).toBeUndefined();
	});

	it('changes the page size through the admin API, capped at 10,000', async () => {
		expect((await h.call('POST', '/_emulator/settings', { body: { pageSize: 20000 } })).status).toBe(400);
		await h.call('POST', '/_emulator/settings', { body: { pageSize: 4 } });
		try {
			expect((await h.get<Coll>('/data/CustomersV3')).value).toHaveLength(4);
		} finally {
			await h.call('POST', '/_emulator/settings', { body: { pageSize: 10 } });
		}
	});

	it.each([
		['$select=NoSuchField', /Could not find a property named 'NoSuchField'/],
		['$orderby=NoSuchField desc', /Could not find a property named 'NoSuchField'/],
		['$orderby=CustomerAccount sideways', /\$orderby clause/],
		['$top=-1', /non-negative integer/],
		['$skip=abc', /non-negative integer/],
		['$count=yes', /\$count/],
		['$expand=Lines', /Could not find a navigation property named 'Lines'/],
		['$format=xml', /format/],
		['$bogus=1', /not supported/],
	])('400 for %s', async (query, message) => {
		const r = await h.call('GET', `/data/CustomersV3?${query}`);
		expect(r.status).toBe(400);
		expect(errorMessage(r)).toMatch(message);
	});
});

describe('F&O emulator: keys with awkward values', () => {
	it("round-trips a customer account O'Brien through create, read by key and filter", async () => {
		const c = await h.call('POST', '/data/CustomersV3', { body: { CustomerAccount: "O'Brien", CustomerGroupId: '10', OrganizationName: "O'Brien Ltd" } });
		expect(c.status).toBe(201);
		expect(c.headers.get('location')).toBe(`${h.url}${customerPath('usmf', "O'Brien")}`);
		const byKey = await h.get<Record<string, unknown>>(customerPath('usmf', "O'Brien"));
		expect(byKey.OrganizationName).toBe("O'Brien Ltd");
		const raw = await h.get<Record<string, unknown>>("/data/CustomersV3(dataAreaId='usmf',CustomerAccount='O''Brien')");
		expect(raw.CustomerAccount).toBe("O'Brien");
		const f = await h.get<Coll>(`/data/CustomersV3?$filter=${encodeURIComponent("CustomerAccount eq 'O''Brien'")}`);
		expect(f.value.map((v) => v.CustomerAccount)).toEqual(["O'Brien"]);
	});

	it('round-trips keys with non-ASCII, slashes, parentheses and commas', async () => {
		for (const account of ['Zürich/1', 'A(1),B', '株式会社-7', 'sp ace']) {
			expect((await h.call('POST', '/data/CustomersV3', { body: { CustomerAccount: account, CustomerGroupId: '10' } })).status).toBe(201);
			const e = await h.get<Record<string, unknown>>(`/data/CustomersV3(dataAreaId='usmf',CustomerAccount=${keyLiteral(account)})`);
			expect(e.CustomerAccount).toBe(account);
		}
	});

	it("treats the filter value x' or 1 eq 1 or 'a as a literal that matches nothing", async () => {
		const value = "x' or 1 eq 1 or 'a";
		const f = await h.get<Coll>(`/data/CustomersV3?$filter=${encodeURIComponent(`CustomerAccount eq '${value.replace(/'/g, "''")}'`)}&$count=true`);
		expect(f['@odata.count']).toBe(0);
		expect(f.value).toEqual([]);
	});
});
