import { startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
	h = await startHarness();
});
afterAll(() => h.close());

type Coll = { '@odata.count': number; value: Array<Record<string, unknown>> };
const q = (filter: string, extra = '') => `/data/CustomersV3?$count=true&$top=1000&$filter=${encodeURIComponent(filter)}${extra}`;
const accounts = async (filter: string, extra = '') => (await h.get<Coll>(q(filter, extra))).value.map((v) => v.CustomerAccount as string);

describe('F&O emulator: $filter', () => {
	let all: Array<Record<string, unknown>>;
	beforeAll(async () => {
		all = (await h.get<Coll>('/data/CustomersV3?$top=1000')).value;
	});
	const expected = (pred: (r: Record<string, unknown>) => boolean) => all.filter(pred).map((r) => r.CustomerAccount as string);

	it('eq / ne on strings', async () => {
		expect(await accounts("CustomerAccount eq 'US-000005'")).toEqual(['US-000005']);
		expect(await accounts("CustomerAccount ne 'US-000005'")).toHaveLength(all.length - 1);
	});

	it('gt ge lt le on decimals and strings', async () => {
		expect(await accounts('CreditLimit gt 100000')).toEqual(expected((r) => (r.CreditLimit as number) > 100000));
		expect(await accounts('CreditLimit le 100000.5')).toEqual(expected((r) => (r.CreditLimit as number) <= 100000.5));
		expect(await accounts("CustomerAccount ge 'US-000020'")).toEqual(['US-000020', 'US-000021', 'US-000022', 'US-000023', 'US-000024', 'US-000025']);
		expect(await accounts("CustomerAccount lt 'US-000003'")).toEqual(['US-000001', 'US-000002']);
	});

	it('and / or / not with parentheses', async () => {
		const f = "(PartyType eq 'Person' or CreditLimit gt 200000) and not (CustomerGroupId eq '10')";
		expect(await accounts(f)).toEqual(expected((r) => (r.PartyType === 'Person' || (r.CreditLimit as number) > 200000) && r.CustomerGroupId !== '10'));
	});

	it("'*' wildcards inside eq and ne string literals", async () => {
		const withBrien = expected((r) => /brien/i.test(r.OrganizationName as string));
		expect(await accounts("OrganizationName eq '*brien*'")).toEqual(withBrien);
		expect(await accounts("CustomerAccount eq 'US-00001*'")).toEqual(expected((r) => (r.CustomerAccount as string).startsWith('US-00001')));
		expect(await accounts("OrganizationName ne '*brien*'")).toHaveLength(all.length - withBrien.length);
	});

	it('enum literals with eq and ne', async () => {
		expect(await accounts("OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'No'")).toEqual(expected((r) => r.OnHoldStatus === 'No'));
		expect(await accounts("CreditLimitIsMandatory ne Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toEqual(expected((r) => r.CreditLimitIsMandatory !== 'Yes'));
	});

	it('date-time comparison on ModifiedDateTime (watermark style)', async () => {
		expect(await accounts('ModifiedDateTime gt 2024-01-01T00:00:00Z')).toEqual([]);
		expect(await accounts('ModifiedDateTime ge 2024-01-01T00:00:00Z')).toHaveLength(all.length);
	});

	it('combines with cross-company', async () => {
		const r = await h.get<Coll>(q("CustomerGroupId eq '10'", '&cross-company=true'));
		expect(new Set(r.value.map((v) => v.dataAreaId))).toEqual(new Set(['usmf', 'demf', 'gbsi']));
	});

	it.each([
		["contains(OrganizationName,'a')", /Function 'contains' at position 0 is not supported.*wildcard/],
		["CustomerAccount in ('US-000001')", /'in' operator at position 16/],
		["OnHoldStatus eq 'No'", /enum literal/],
		["OnHoldStatus gt Microsoft.Dynamics.DataEntities.CustVendorBlocked'No'", /only be compared with eq or ne/],
		["OnHoldStatus eq Microsoft.Dynamics.DataEntities.CustVendorBlocked'Sometimes'", /not a member/],
		["NoSuchField eq 'x'", /Could not find a property named 'NoSuchField'/],
		["CreditLimit eq 'abc'", /incompatible types/],
		["CustomerAccount eq 'x", /Unterminated string/],
		["CustomerAccount eq 'x' and", /unexpected '<end of expression>'/],
		["CustomerAccount gt 'a*'", /Wildcard/],
		['CreditLimit add 1 gt 5', /Arithmetic operator 'add'/],
	])('400 for %s', async (filter, message) => {
		const r = await h.call('GET', q(filter));
		expect(r.status).toBe(400);
		expect(r.json<{ error: { message: string } }>().error.message).toMatch(message);
	});
});
